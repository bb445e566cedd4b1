using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;
using Serilog;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// <c>borderline-smote</c> (Han et al. 2005, with imbalanced-learn 0.10's rules and counts). For a class below its
/// target, only its samples "in danger" seed new ones: those whose m nearest neighbours in the whole set (itself
/// excluded) include m/2 ≤ m' &lt; m of other classes. A class with none gets no samples (imbalanced-learn skips it too;
/// we log it). k and m are lowered where the data are too few, as in <see cref="Smote"/>: k to n_c − 1 for a class of
/// n_c &lt; k + 1 images (a single image in danger is copied), m to the training set's size − 1, each with a warning.
/// <list type="bullet">
/// <item><c>borderline-1</c>: as SMOTE, but from a danger sample x_i towards one of its k nearest same-class
/// neighbours, u ~ U[0, 1).</item>
/// <item><c>borderline-2</c>: a fraction f ~ Beta(10, 10) splits the need n into ⌊f·(n+1)⌋ samples made as in
/// borderline-1 and ⌊(1−f)·n⌋ made towards one of the danger sample's k nearest samples of the other classes with
/// u ~ U[0, 0.5) (so they stay nearer the minority sample). The counts are imbalanced-learn 0.10's (n or n − 1 in
/// all). Its second part indexes the other-class samples with same-class neighbour positions
/// (imbalanced-learn issues #846 and #861, changed in 0.11); we take the actual nearest other-class samples, as
/// the paper describes.</item>
/// </list>
/// </summary>
public sealed class BorderlineSmote : IAugmentationStrategy
{
    public static StrategyDefinition Definition { get; } = new("borderline-smote", BorderlineOptions.Section,
        (o, ctx) => new BorderlineSmote(ctx.Seed, o.Section<BorderlineOptions>(), ctx.Descriptor.Classes, ctx.Log));

    private readonly long _seed;
    private readonly BorderlineOptions _options;
    private readonly IReadOnlyList<string>? _classNames;
    private readonly ILogger? _log;

    public BorderlineSmote(long seed, BorderlineOptions options, IReadOnlyList<string>? classNames = null, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        SmoteFamily.CheckK("augment.borderline.k", options.K);
        SmoteFamily.CheckK("augment.borderline.m", options.M);
        if (options.Kind is not ("borderline-1" or "borderline-2"))
        {
            throw new ConfigException($"augment.borderline.kind must be borderline-1 or borderline-2, not '{options.Kind}'");
        }

        _seed = seed;
        _options = options;
        _classNames = classNames;
        _log = log;
    }

    public string Name => "borderline-smote";

    public bool RegeneratesEachEpoch => false;

    public EpochAugmentation Generate(int epoch, RealTrainingData real, long[] targets, ClipClassifier model)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(targets);
        var plan = new Interpolations();
        var used = SmoteFamily.NoK(real.Classes);
        var m = SmoteFamily.EffectiveWholeSetK(Name, "augment.borderline.m", _options.M, real.Count, _log);
        using var rows = SmoteFamily.Rows(real);
        foreach (var (c, members, need) in SmoteFamily.ClassesBelowTarget(real, targets))
        {
            var name = SmoteFamily.ClassName(_classNames, c);
            var inDanger = m == 0 ? new bool[members.Length] : InDanger(real, rows, c, m);
            var danger = members.Where((_, i) => inDanger[i]).ToArray();
            var dangerInClass = Enumerable.Range(0, members.Length).Where(i => inDanger[i]).Select(i => (long)i).ToArray();
            if (danger.Length == 0)
            {
                _log?.Warning("borderline-smote: no sample of class {Class} is in danger (m = {M}); the class gets no samples, as in imbalanced-learn", name, m);
                continue;
            }

            var k = SmoteFamily.EffectiveK(Name, "augment.borderline.k", _options.K, members.Length, name, _log);
            used[c] = k;
            if (k == 0)
            {
                SmoteFamily.AddCopies(plan, c, danger[0], need);
                continue;
            }

            var rng = new SeededRandom(_seed, SmoteFamily.BorderlineStream + c);
            long sameClass = need, otherClass = 0;
            if (_options.Kind == "borderline-2")
            {
                var fraction = SmoteFamily.Beta(rng, 10, 10);
                (sameClass, otherClass) = Borderline2Counts(need, fraction);
            }

            using var classRows = SmoteFamily.Select(rows, members);
            using var dangerRows = SmoteFamily.Select(rows, danger);
            var nns = NearestNeighbors.Search(classRows, dangerRows, k, dangerInClass);
            for (var i = 0; i < sameClass; i++)
            {
                var row = rng.NextInt64(danger.Length);
                var col = rng.NextInt64(k);
                plan.Add(c, danger[row], members[nns[(row * k) + col]], rng.NextSingle());
            }

            if (otherClass > 0)
            {
                // A class in danger has other-class samples among its m neighbours, so there are some.
                var others = Enumerable.Range(0, real.Count).Where(i => real.LabelsHost[i] != c).Select(i => (long)i).ToArray();
                var kOther = (int)Math.Min(k, others.Length);
                using var otherRows = SmoteFamily.Select(rows, others);
                var otherNns = NearestNeighbors.Search(otherRows, dangerRows, kOther);
                for (var i = 0; i < otherClass; i++)
                {
                    var row = rng.NextInt64(danger.Length);
                    var col = rng.NextInt64(kOther);
                    plan.Add(c, danger[row], others[otherNns[(row * kOther) + col]], 0.5f * rng.NextSingle());
                }
            }
        }

        return new EpochAugmentation(plan.Materialize(real)) { SmoteK = used };
    }

    /// <summary>imbalanced-learn 0.10's borderline-2 split: int(f·(n+1)) towards same-class and int((1−f)·n) towards other-class neighbours.</summary>
    internal static (long sameClass, long otherClass) Borderline2Counts(long need, double fraction) =>
        ((long)(fraction * (need + 1)), (long)((1 - fraction) * need));

    /// <summary>
    /// For each sample of class <paramref name="c"/> (in order), whether it is in danger: of its m nearest neighbours
    /// in the whole set, itself excluded, m' of other classes with m/2 ≤ m' &lt; m (imbalanced-learn's _in_danger_noise).
    /// </summary>
    internal static bool[] InDanger(RealTrainingData real, Tensor rows, int c, int m)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(rows);
        return SmoteFamily.OtherClassNeighbors(real, rows, c, m).Select(other => 2 * other >= m && other < m).ToArray();
    }
}

public sealed record BorderlineOptions
{
    public int K { get; init; } = 5;

    public int M { get; init; } = 10;

    /// <summary>borderline-1 | borderline-2.</summary>
    public string Kind { get; init; } = "borderline-1";

    public static readonly OptionSection<BorderlineOptions> Section = new("borderline",
        (y, d) =>
        {
            y.Allow("k", "m", "kind");
            return new()
            {
                K = ConfigValues.Int32(y, "k", d.K, 1, 1000), M = ConfigValues.Int32(y, "m", d.M, 1, 1000),
                Kind = ConfigValues.Choice(y, "kind", d.Kind, ["borderline-1", "borderline-2"]),
            };
        },
        o => [S("k", Num(o.K)), S("m", Num(o.M)), S("kind", Str(o.Kind))]);
}
