using ImbalanceFair.Core.Config;
using ImbalanceFair.Torch;
using Serilog;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>What smote, borderline-smote and adasyn share: option checks, the flattened pixels, per-class streams.</summary>
internal static class SmoteFamily
{
    // SeededRandom streams: stream base + class index (oversample uses 7000 + c, undersample 8000 + c).
    public const long SmoteStream = 9000;
    public const long BorderlineStream = 10000;
    public const long AdasynStream = 11000;

    public static void CheckK(string key, int k)
    {
        if (k < 1)
        {
            throw new ConfigException($"{key} must be a whole number >= 1, not {k}");
        }
    }

    public static void CheckSpace(SmoteOptions options)
    {
        CheckK("augment.smote.k", options.K);
        switch (options.Space)
        {
            case "pixel" or "embedding":
                return;
            default:
                throw new ConfigException($"augment.smote.space must be pixel or embedding, not '{options.Space}'");
        }
    }

    /// <summary>
    /// The k a class of <paramref name="members"/> real images is over-sampled with: k_eff = min(k, n_c − 1), so that a
    /// tail class with fewer than k + 1 images still gets samples (imbalanced-learn fails there; with k set to n_c − 1
    /// it does what we do). 0 for a single image: its samples are copies of it. Logs a warning when k_eff &lt; k.
    /// </summary>
    public static int EffectiveK(string strategy, string key, int k, long members, string className, ILogger? log)
    {
        var effective = (int)Math.Max(0, Math.Min(k, members - 1));
        if (effective < k)
        {
            log?.Warning(
                "{Strategy}: class {Class} has {Members} real image(s), fewer than {Key} + 1 = {Needed}; it is over-sampled with k = {Effective}{Copies} (split.csv: smote_k)",
                strategy, className, members, key, k + 1, effective, effective == 0 ? " (copies of its one image)" : string.Empty);
        }

        return effective;
    }

    /// <summary>
    /// The neighbours of a whole-set rule (borderline's m, ADASYN's weights) for a training set of
    /// <paramref name="count"/> images: min(k, count − 1), with a warning when lower (only a tiny training set is).
    /// </summary>
    public static int EffectiveWholeSetK(string strategy, string key, int k, long count, ILogger? log)
    {
        var effective = (int)Math.Max(0, Math.Min(k, count - 1));
        if (effective < k)
        {
            log?.Warning("{Strategy}: the training set has {Count} images, fewer than {Key} + 1 = {Needed}; using {Effective} neighbours", strategy, count, key, k + 1, effective);
        }

        return effective;
    }

    /// <summary>A class with one real image (k_eff = 0): its <paramref name="need"/> samples are copies of it (λ = 0, neighbour = parent).</summary>
    public static void AddCopies(Interpolations plan, int c, long member, long need)
    {
        ArgumentNullException.ThrowIfNull(plan);
        for (var i = 0; i < need; i++)
        {
            plan.Add(c, member, member, 0f);
        }
    }

    /// <summary>The per-class k for split.csv's smote_k: null (empty cell) for the classes that received nothing.</summary>
    public static int?[] NoK(int classes) => new int?[classes];

    /// <summary>
    /// The classes that receive samples, in class order: below their target and with at least one real sample to grow
    /// from; with their members' positions and how many samples they lack.
    /// </summary>
    public static IEnumerable<(int Class, long[] Members, long Need)> ClassesBelowTarget(RealTrainingData real, long[] targets)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(targets);
        for (var c = 0; c < real.Classes; c++)
        {
            var members = real.IndicesOf(c);
            var need = targets[c] - members.Length;
            if (need > 0 && members.Length > 0)
            {
                yield return (c, members, need);
            }
        }
    }

    /// <summary>
    /// For each sample of class <paramref name="c"/> (in order), how many of its <paramref name="k"/> nearest neighbours
    /// in the whole set (itself excluded) belong to other classes: borderline's danger rule and ADASYN's weights.
    /// </summary>
    public static int[] OtherClassNeighbors(RealTrainingData real, Tensor rows, int c, int k)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(rows);
        var members = real.IndicesOf(c);
        using var queries = Select(rows, members);
        var nns = NearestNeighbors.Search(rows, queries, k, members);
        var other = new int[members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            for (var j = 0; j < k; j++)
            {
                if (real.LabelsHost[nns[(i * k) + j]] != c)
                {
                    other[i]++;
                }
            }
        }

        return other;
    }

    public static string ClassName(IReadOnlyList<string>? names, int c) => names is not null && c < names.Count ? names[c] : $"{c}";

    /// <summary>The real images as [n, D] rows (a view).</summary>
    public static Tensor Rows(RealTrainingData real) => real.Images.reshape(real.Count, -1);

    public static Tensor Select(Tensor rows, long[] positions) =>
        rows.index_select(0, torch.from_array<long>(positions, [positions.Length], rows.device));

    /// <summary>Beta(a, b) for whole a, b as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b) sums of exponentials.</summary>
    public static double Beta(Data.SeededRandom rng, int a, int b)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var x = Gamma(rng, a);
        var y = Gamma(rng, b);
        return x / (x + y);
    }

    private static double Gamma(Data.SeededRandom rng, int shape)
    {
        var sum = 0.0;
        for (var i = 0; i < shape; i++)
        {
            sum -= Math.Log(1.0 - rng.NextDouble());
        }

        return sum;
    }
}
