using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;
using ImbalanceFair.Core.Config;
using static ImbalanceFair.Core.Config.ConfigNode;
using Serilog;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// <c>adasyn</c> (He et al. 2008, with imbalanced-learn 0.10's rules). For a class lacking n samples, sample x_i
/// seeds g_i = rint(r_i / Σr · n) new ones, r_i the fraction of other-class samples among its k nearest neighbours
/// in the whole set (itself excluded); each new one is x_i + u·(x_nn − x_i) with x_nn one of x_i's k nearest
/// same-class neighbours and u ~ U[0, 1). The class receives Σg_i samples, which rounding can make differ from n,
/// exactly as in imbalanced-learn (whose floating-point arithmetic, summation order included, is reproduced so that
/// the allocation is the same). As there, a class none of whose samples has another class among its neighbours is an
/// error (use smote). A class of n_c &lt; k + 1 images uses k_eff = n_c − 1 for both its weights and its neighbours
/// (imbalanced-learn with n_neighbors = n_c − 1; a single image is copied), with a warning.
/// </summary>
public sealed class Adasyn : IAugmentationStrategy
{
    public static StrategyDefinition Definition { get; } = new("adasyn", AdasynOptions.Section,
        (o, ctx) => new Adasyn(ctx.Seed, o.Section<AdasynOptions>(), ctx.Descriptor.Classes, ctx.Log));

    private readonly long _seed;
    private readonly int _k;
    private readonly IReadOnlyList<string>? _classNames;
    private readonly ILogger? _log;

    public Adasyn(long seed, AdasynOptions options, IReadOnlyList<string>? classNames = null, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        SmoteFamily.CheckK("augment.adasyn.k", options.K);
        _seed = seed;
        _k = options.K;
        _classNames = classNames;
        _log = log;
    }

    public string Name => "adasyn";

    public bool RegeneratesEachEpoch => false;

    public EpochAugmentation Generate(int epoch, RealTrainingData real, long[] targets, ClipClassifier model)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(targets);
        var plan = new Interpolations();
        var used = SmoteFamily.NoK(real.Classes);
        using var rows = SmoteFamily.Rows(real);
        foreach (var (c, members, need) in SmoteFamily.ClassesBelowTarget(real, targets))
        {
            var name = SmoteFamily.ClassName(_classNames, c);
            // One k for the weights and the neighbours, as imbalanced-learn's n_neighbors: k_eff for a tiny class.
            var k = SmoteFamily.EffectiveK(Name, "augment.adasyn.k", _k, members.Length, name, _log);
            k = Math.Min(k, SmoteFamily.EffectiveWholeSetK(Name, "augment.adasyn.k", k, real.Count, _log));
            used[c] = k;
            if (k == 0)
            {
                SmoteFamily.AddCopies(plan, c, members[0], need);
                continue;
            }

            var allocation = Allocation(real, rows, c, need, k, name);
            var parents = Enumerable.Range(0, members.Length).Where(i => allocation[i] > 0).Select(i => (long)i).ToArray();
            using var classRows = SmoteFamily.Select(rows, members);
            using var queries = SmoteFamily.Select(classRows, parents);
            var nns = NearestNeighbors.Search(classRows, queries, k, parents);
            var rng = new SeededRandom(_seed, SmoteFamily.AdasynStream + c);
            for (var p = 0; p < parents.Length; p++)
            {
                for (var j = 0; j < allocation[parents[p]]; j++)
                {
                    var col = rng.NextInt64(k);
                    plan.Add(c, members[parents[p]], members[nns[(p * k) + col]], rng.NextSingle());
                }
            }
        }

        return new EpochAugmentation(plan.Materialize(real)) { SmoteK = used };
    }

    /// <summary>
    /// How many samples each sample of class <paramref name="c"/> (in order) seeds, as imbalanced-learn 0.10's ADASYN
    /// computes it: ratio = (#other-class among the k nearest in the whole set) / k; ratio /= ratio.sum();
    /// rint(ratio · need).
    /// </summary>
    internal static long[] Allocation(RealTrainingData real, Tensor rows, int c, long need, int k, string className)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(rows);
        var ratio = SmoteFamily.OtherClassNeighbors(real, rows, c, k).Select(other => (double)other / k).ToArray();
        var total = NumpySum(ratio);
        if (total == 0)
        {
            throw new InvalidOperationException(
                $"adasyn: no sample of class '{className}' has a sample of another class among its {k} nearest neighbours, so ADASYN " +
                "cannot weight them (imbalanced-learn fails here too); use augment.strategy: smote");
        }

        var allocation = new long[ratio.Length];
        for (var i = 0; i < ratio.Length; i++)
        {
            allocation[i] = (long)Math.Round(ratio[i] / total * need, MidpointRounding.ToEven);
        }

        if (allocation.Sum() == 0)
        {
            throw new InvalidOperationException($"adasyn: the allocation for class '{className}' rounds to no samples at all (as imbalanced-learn, which fails)");
        }

        return allocation;
    }

    /// <summary>
    /// numpy's float64 <c>np.sum</c> of a contiguous 1-D array, bit for bit: blocks of 8192 (the ufunc buffer) added
    /// in turn, each summed pairwise (numpy's pairwise_sum: 8 accumulators up to 128 elements, halves above).
    /// </summary>
    internal static double NumpySum(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        for (var start = 0; start < values.Length; start += 8192)
        {
            sum += PairwiseSum(values.Slice(start, Math.Min(8192, values.Length - start)));
        }

        return sum;
    }

    private static double PairwiseSum(ReadOnlySpan<double> a)
    {
        var n = a.Length;
        if (n < 8)
        {
            var res = 0.0;
            foreach (var x in a)
            {
                res += x;
            }

            return res;
        }

        if (n <= 128)
        {
            Span<double> r = stackalloc double[8];
            a[..8].CopyTo(r);
            var i = 8;
            for (; i < n - (n % 8); i += 8)
            {
                for (var j = 0; j < 8; j++)
                {
                    r[j] += a[i + j];
                }
            }

            var sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++)
            {
                sum += a[i];
            }

            return sum;
        }

        var half = n / 2;
        half -= half % 8;
        return PairwiseSum(a[..half]) + PairwiseSum(a[half..]);
    }
}

public sealed record AdasynOptions
{
    public int K { get; init; } = 5;

    public static readonly OptionSection<AdasynOptions> Section = new("adasyn",
        (y, d) =>
        {
            y.Allow("k");
            return new() { K = ConfigValues.Int32(y, "k", d.K, 1, 1000) };
        },
        o => [S("k", Num(o.K))]);
}
