namespace ImbalanceFair.Core.Runs;

/// <summary>
/// A run failed after its directory existed: the error is in its run.log (with the stack trace) and its
/// <c>failed</c> marker; <see cref="Exception.InnerException"/> is the original error.
/// </summary>
public sealed class RunFailedException : Exception
{
    public RunFailedException()
    {
    }

    public RunFailedException(string message)
        : base(message)
    {
    }

    public RunFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>The failure of the run in <paramref name="runDir"/>, with the original error's message.</summary>
    public static RunFailedException For(string runDir, Exception inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return new RunFailedException(inner.Message, inner) { RunDir = runDir };
    }

    public string? RunDir { get; private init; }
}
