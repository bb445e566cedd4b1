using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Config;
using static ImbalanceFair.Core.Config.ConfigNode;
using Serilog;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// <c>smote</c> (imbalanced-learn 0.10's SMOTE): for each class below its target, as many samples as it lacks, each
/// x_i + u·(x_nn − x_i) with the parent x_i drawn uniformly among the class's samples, x_nn uniformly among the
/// parent's k nearest same-class neighbours (Euclidean, itself excluded) and u ~ U[0, 1). A class of n_c &lt; k + 1
/// images uses k_eff = n_c − 1 (imbalanced-learn with k_neighbors = n_c − 1; a single image is copied), with a
/// warning; split.csv's smote_k records the k each class used. <c>space: pixel</c> works
/// on the flattened pixels; <c>space: embedding</c> on a linear probe's frozen, unit-norm image embeddings — the
/// features its head is trained on — and adds embeddings (not renormalised: a point on the segment, as in feature-space SMOTE). Draws come from the run seed (one stream per class); neighbours are exact (<see cref="NearestNeighbors"/>),
/// so the samples are the same on every device and thread count.
/// </summary>
public sealed class Smote : IAugmentationStrategy
{
    /// <summary>The registry row's content: <c>smote</c> reads <c>augment.smote</c>; embedding space needs a linear probe.</summary>
    public static StrategyDefinition Definition { get; } = new("smote", SmoteOptions.Section,
        (o, ctx) => new Smote(ctx.Seed, o.Section<SmoteOptions>(), ctx.Descriptor.Classes, ctx.Log))
    {
        Check = (o, plan) =>
        {
            if (o.Section<SmoteOptions>().Space == "embedding" && plan.Mode != TrainMode.LinearProbe)
            {
                throw new ConfigException("augment.smote.space: embedding interpolates frozen image embeddings and needs train.mode: linear-probe");
            }
        },
    };

    private readonly long _seed;
    private readonly int _k;
    private readonly bool _embeddingSpace;
    private readonly IReadOnlyList<string>? _classNames;
    private readonly ILogger? _log;

    public Smote(long seed, SmoteOptions options, IReadOnlyList<string>? classNames = null, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        SmoteFamily.CheckSpace(options);
        _seed = seed;
        _k = options.K;
        _embeddingSpace = options.Space == "embedding";
        _classNames = classNames;
        _log = log;
    }

    public string Name => "smote";

    public bool RegeneratesEachEpoch => false;

    public EpochAugmentation Generate(int epoch, RealTrainingData real, long[] targets, ClipClassifier model)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(targets);
        var plan = new Interpolations();
        using var pixelRows = _embeddingSpace ? null : SmoteFamily.Rows(real);
        var rows = pixelRows ?? real.FrozenEmbeddings(model ?? throw new ArgumentNullException(nameof(model), "embedding-space SMOTE needs the model"));
        var used = SmoteFamily.NoK(real.Classes);
        foreach (var (c, members, need) in SmoteFamily.ClassesBelowTarget(real, targets))
        {
            var k = SmoteFamily.EffectiveK(Name, "augment.smote.k", _k, members.Length, SmoteFamily.ClassName(_classNames, c), _log);
            used[c] = k;
            if (k == 0)
            {
                SmoteFamily.AddCopies(plan, c, members[0], need);
                continue;
            }

            var rng = new SeededRandom(_seed, SmoteFamily.SmoteStream + c);
            var draws = new (long row, long col, float lambda)[need];
            for (var i = 0; i < need; i++)
            {
                var row = rng.NextInt64(members.Length);
                var col = rng.NextInt64(k);
                draws[i] = (row, col, rng.NextSingle());
            }

            // Neighbours only of the samples drawn as parents.
            var parents = draws.Select(d => d.row).Distinct().Order().ToArray();
            var slot = new Dictionary<long, int>(parents.Length);
            for (var i = 0; i < parents.Length; i++)
            {
                slot[parents[i]] = i;
            }

            using var classRows = SmoteFamily.Select(rows, members);
            using var queries = SmoteFamily.Select(classRows, parents);
            var nns = NearestNeighbors.Search(classRows, queries, k, parents);
            foreach (var (row, col, lambda) in draws)
            {
                plan.Add(c, members[row], members[nns[(slot[row] * k) + col]], lambda);
            }
        }

        return new EpochAugmentation(_embeddingSpace ? plan.MaterializeEmbeddings(real, rows) : plan.Materialize(real)) { SmoteK = used };
    }
}

public sealed record SmoteOptions
{
    public int K { get; init; } = 5;

    /// <summary>pixel | embedding (frozen image embeddings; linear-probe only).</summary>
    public string Space { get; init; } = "pixel";

    public static readonly OptionSection<SmoteOptions> Section = new("smote",
        (y, d) =>
        {
            y.Allow("k", "space");
            return new() { K = ConfigValues.Int32(y, "k", d.K, 1, 1000), Space = ConfigValues.Choice(y, "space", d.Space, ["pixel", "embedding"]) };
        },
        o => [S("k", Num(o.K)), S("space", Str(o.Space))]);
}
