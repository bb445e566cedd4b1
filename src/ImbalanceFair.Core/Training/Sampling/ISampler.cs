namespace ImbalanceFair.Core.Training.Sampling;

/// <summary>
/// The order in which one epoch visits the training set. <see cref="EpochOrder"/> depends only on the seed the
/// sampler was built with and the epoch number, never on earlier calls, so a resumed run needs just the epoch.
/// </summary>
public interface ISampler
{
    /// <summary>The registry name (<c>train.sampler</c>).</summary>
    string Name { get; }

    /// <summary>How many indices <see cref="EpochOrder"/> returns.</summary>
    long EpochSize { get; }

    /// <summary>Indices into the training set, in visiting order, for <paramref name="epoch"/> (≥ 0).</summary>
    long[] EpochOrder(int epoch);
}
