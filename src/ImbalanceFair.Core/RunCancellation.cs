namespace ImbalanceFair.Core;

/// <summary>
/// The run's cancellation, reachable from the long loops of every phase (dataset decoding, pre-training, strategy
/// generation, evaluation, the eval attack, result writing) without threading a token through every strategy's
/// signature. It sits below Core's folders, so that Data, Augmentation and Training can check it without depending
/// on Runs: <see cref="Runs.ExperimentRunner"/> sets it for the run's flow (<see cref="Use"/>), a loop calls
/// <see cref="ThrowIfStopped"/> once per batch.
/// </summary>
public static class RunCancellation
{
    private static readonly AsyncLocal<CancellationToken> s_current = new();

    public static CancellationToken Current => s_current.Value;

    /// <summary>Makes <paramref name="cancel"/> the current run's cancellation until the result is disposed.</summary>
    public static IDisposable Use(CancellationToken cancel)
    {
        var previous = s_current.Value;
        s_current.Value = cancel;
        return new Restore(previous);
    }

    public static void ThrowIfStopped() => s_current.Value.ThrowIfCancellationRequested();

    private sealed class Restore(CancellationToken previous) : IDisposable
    {
        public void Dispose() => s_current.Value = previous;
    }
}
