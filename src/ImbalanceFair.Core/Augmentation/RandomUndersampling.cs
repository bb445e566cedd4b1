using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// <c>undersample</c>: random removal (as RandomUnderSampler) down to the smallest class (<c>balance</c>), to
/// n_min · r (<c>{ratio: r}</c>), or to the given counts; classes already at or below keep everything.
/// </summary>
public sealed class RandomUndersampling(long seed, AugmentTarget target, IReadOnlyList<string> classNames) : IAugmentationStrategy
{
    public static StrategyDefinition Definition { get; } = new("undersample", null, (o, ctx) => new RandomUndersampling(ctx.Seed, o.Target, ctx.Descriptor.Classes));

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
