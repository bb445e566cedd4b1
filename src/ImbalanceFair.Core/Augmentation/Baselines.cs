using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Training;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation;

/// <summary><c>none</c>: the real long-tailed data as it is.</summary>
public sealed class NoAugmentation : IAugmentationStrategy
{
    public string Name => "none";

    public bool RegeneratesEachEpoch => false;

    public EpochAugmentation Generate(int epoch, RealTrainingData real, long[] targets, ClipClassifier model)
    {
        ArgumentNullException.ThrowIfNull(real);
        return new EpochAugmentation(AddedSamples.Empty(real.Images));
    }
}

/// <summary><c>oversample</c>: random duplicates (with replacement, as imbalanced-learn's RandomOverSampler) up to the target.</summary>
public sealed class RandomOversampling(long seed) : IAugmentationStrategy
{
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

/// <summary>
/// <c>undersample</c>: random removal (as RandomUnderSampler) down to the smallest class (<c>balance</c>), to
/// n_min · r (<c>{ratio: r}</c>), or to the given counts; classes already at or below keep everything.
/// </summary>
public sealed class RandomUndersampling(long seed, AugmentTarget target, IReadOnlyList<string> classNames) : IAugmentationStrategy
{
    public string Name => "undersample";

    public bool RegeneratesEachEpoch => false;

    public EpochAugmentation Generate(int epoch, RealTrainingData real, long[] targets, ClipClassifier model)
    {
        ArgumentNullException.ThrowIfNull(real);
        var caps = Caps(real.Counts, target, classNames);
        var kept = new List<long>();
        for (var c = 0; c < real.Classes; c++)
        {
            var members = real.IndicesOf(c);
            new SeededRandom(seed, 8000 + c).Shuffle(members.AsSpan());
            kept.AddRange(members.Take((int)Math.Min(members.Length, caps[c])));
        }

        kept.Sort();
        return new EpochAugmentation(AddedSamples.Empty(real.Images), [.. kept]);
    }

    private static long[] Caps(long[] counts, AugmentTarget target, IReadOnlyList<string> names)
    {
        var nMin = counts.Where(n => n > 0).DefaultIfEmpty(0).Min();
        return target.Kind switch
        {
            "balance" => Enumerable.Repeat(nMin, counts.Length).ToArray(),
            "ratio" => Enumerable.Repeat((long)Math.Floor(nMin * target.Ratio), counts.Length).ToArray(),
            "counts" => counts.Select((n, c) => target.Counts.TryGetValue(names[c], out var t) ? Math.Min(n, t) : n).ToArray(),
            _ => throw new ArgumentException($"augment.target '{target.Kind}' does not apply to undersample"),
        };
    }
}
