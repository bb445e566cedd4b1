namespace ImbalanceFair.Core.Training.Sampling;

/// <summary><c>instance</c>: every training sample once per epoch, in a fresh uniformly random permutation.</summary>
public sealed class InstanceSampler : ISampler
{
    private readonly long _seed;

    public InstanceSampler(long[] labels, int numClasses, long seed)
    {
        _ = Samplers.IndicesByClass(labels, numClasses);
        EpochSize = labels.Length;
        _seed = seed;
    }

    public string Name => "instance";

    public long EpochSize { get; }

    public long[] EpochOrder(int epoch)
    {
        var rng = Samplers.EpochRandom(_seed, epoch);
        var order = new long[EpochSize];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        rng.Shuffle(order.AsSpan());
        return order;
    }
}
