using ImbalanceFair.Core.Data;

namespace ImbalanceFair.Core.Training.Sampling;

/// <summary>
/// The registry of training samplers (<c>train.sampler</c>, DESIGN §5): one table of name → factory(labels of the
/// training set, number of classes, seed).
/// </summary>
public static class Samplers
{
    private static readonly Dictionary<string, Func<long[], int, long, ISampler>> s_table = new(StringComparer.Ordinal)
    {
        ["instance"] = (labels, classes, seed) => new InstanceSampler(labels, classes, seed),
        ["class-balanced"] = (labels, classes, seed) => new ClassBalancedSampler(labels, classes, seed),
    };

    /// <summary>The registered names, in registration order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. s_table.Keys];

    /// <summary>Builds the sampler <paramref name="name"/>; an unknown name is an <see cref="ArgumentException"/> listing the names.</summary>
    public static ISampler Create(string name, long[] labels, int numClasses, long seed)
    {
        ArgumentNullException.ThrowIfNull(name);
        return s_table.TryGetValue(name, out var factory)
            ? factory(labels, numClasses, seed)
            : throw new ArgumentException($"unknown sampler '{name}'; known samplers: {string.Join(", ", Names)}", nameof(name));
    }

    /// <summary>
    /// The generator for one epoch: its own stream of the run's seed, far from the small stream numbers the data
    /// split uses (1–4, 11, 12, 1000 + class), so the visiting order is independent of the split.
    /// </summary>
    internal static SeededRandom EpochRandom(long seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return new SeededRandom(seed, EpochStreamBase + epoch);
    }

    internal const long EpochStreamBase = 1L << 40;

    /// <summary>Checks the labels and returns, per class, the ascending indices of its samples.</summary>
    internal static long[][] IndicesByClass(long[] labels, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        var counts = new int[numClasses];
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= numClasses)
            {
                throw new ArgumentException($"label {labels[i]} at index {i} is outside [0, {numClasses})", nameof(labels));
            }

            counts[labels[i]]++;
        }

        var byClass = counts.Select(n => new long[n]).ToArray();
        Array.Clear(counts);
        for (var i = 0; i < labels.Length; i++)
        {
            byClass[labels[i]][counts[labels[i]]++] = i;
        }

        return byClass;
    }
}
