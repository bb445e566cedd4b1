using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation;

/// <summary><c>oversample</c>: random duplicates (with replacement, as imbalanced-learn's RandomOverSampler) up to the target.</summary>
public sealed class RandomOversampling(long seed) : IAugmentationStrategy
{
    public static StrategyDefinition Definition { get; } = new("oversample", null, (_, ctx) => new RandomOversampling(ctx.Seed));

    public string Name => "oversample";

    public bool RegeneratesEachEpoch => false;

    public EpochAugmentation Generate(int epoch, RealTrainingData real, long[] targets, ClipClassifier model)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(targets);
        var picks = new List<long>();
        for (var c = 0; c < real.Classes; c++)
        {
            var members = real.IndicesOf(c);
            var need = targets[c] - members.Length;
            var rng = new SeededRandom(seed, 7000 + c);
            for (var i = 0; i < need && members.Length > 0; i++)
            {
                picks.Add(members[rng.NextInt64(members.Length)]);
            }
        }

        return new EpochAugmentation(Duplicates(real, [.. picks], SampleSource.Oversample));
    }

    /// <summary>Copies of the given real samples, recorded with their parents.</summary>
    internal static AddedSamples Duplicates(RealTrainingData real, long[] picks, SampleSource source)
    {
        if (picks.Length == 0)
        {
            return AddedSamples.Empty(real.Images);
        }

        using var scope = torch.NewDisposeScope();
        var idx = torch.from_array<long>(picks, [picks.Length], real.Images.device);
        return new AddedSamples(real.Images.index_select(0, idx), real.Labels.index_select(0, idx),
            Enumerable.Repeat(source, picks.Length).ToArray(), picks.Select(i => real.OriginalIndices[i]).ToArray());
    }
}
