namespace ImbalanceFair.Core.Training.Sampling;

/// <summary>
/// <c>class-balanced</c>: each of the N draws of an epoch (N = training set size) picks a class uniformly, then one
/// of its samples uniformly, with replacement (class-aware sampling, Shen et al. 2016; the "class-balanced"
/// sampling of Kang et al., ICLR 2020). Classes with no training samples cannot be drawn: the class is uniform over
/// the classes present.
/// </summary>
public sealed class ClassBalancedSampler : ISampler
{
    private readonly long _seed;
    private readonly long[][] _present;
    private readonly int[] _presentClasses;

    public ClassBalancedSampler(long[] labels, int numClasses, long seed)
    {
        var byClass = Samplers.IndicesByClass(labels, numClasses);
        _presentClasses = Enumerable.Range(0, numClasses).Where(c => byClass[c].Length > 0).ToArray();
        _present = _presentClasses.Select(c => byClass[c]).ToArray();
        EpochSize = labels.Length;
        _seed = seed;
    }

    public string Name => "class-balanced";

    public long EpochSize { get; }

    /// <summary>The classes that can be drawn (those with at least one training sample).</summary>
    public IReadOnlyList<int> PresentClasses => _presentClasses;

    public long[] EpochOrder(int epoch) => EpochDraws(epoch).Select(d => d.Index).ToArray();

    /// <summary>The epoch's draws: the class picked, then the training index picked from it.</summary>
    public (int Class, long Index)[] EpochDraws(int epoch)
    {
        var rng = Samplers.EpochRandom(_seed, epoch);
        var draws = new (int, long)[EpochSize];
        for (var i = 0; i < draws.Length; i++)
        {
            var k = (int)rng.NextInt64(_present.Length);
            var members = _present[k];
            draws[i] = (_presentClasses[k], members[rng.NextInt64(members.Length)]);
        }

        return draws;
    }
}
