using System.Runtime.InteropServices;

namespace ImbalanceFair.Cli.Commands;

/// <summary>
/// SIGINT and SIGTERM turned into a cancellation: the work in flight finishes its step (a run keeps its last epoch's
/// checkpoint, a sweep passes the signal to its trials) and the command exits with the signal's code (130 or 143).
/// </summary>
internal sealed class SignalStop : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;

    public SignalStop()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => Stop(ctx, ExitCodes.Interrupted));
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => Stop(ctx, ExitCodes.Terminated));
    }

    public CancellationToken Token => _cancel.Token;

    public bool Requested => _cancel.IsCancellationRequested;

    /// <summary>The exit code of the signal that stopped the work (0 while none has).</summary>
    public int ExitCode { get; private set; }

    /// <summary>Stops as if by <paramref name="exitCode"/>'s signal (e.g. when the parent process is gone).</summary>
    public void Request(int exitCode)
    {
        ExitCode = exitCode;
        _cancel.Cancel();
    }

    private void Stop(PosixSignalContext ctx, int exitCode)
    {
        ctx.Cancel = true;
        Request(exitCode);
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _cancel.Dispose();
    }
}
