using System.Runtime.InteropServices;

namespace ImbalanceFair.Cli.Commands;

/// <summary>
/// SIGINT and SIGTERM turned into a cancellation: the work in flight stops at its next safe point (a run keeps its
/// last epoch's checkpoint and never writes <c>done</c>, a sweep passes the signal to its trials) and the command
/// exits with the signal's code (130 or 143). A second signal is not caught: the process ends at once, by that
/// signal, with the checkpoint as of the last safe point (every file is written atomically, so none is half-written).
/// </summary>
internal sealed class SignalStop : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;
    private int _signals;

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
        if (ExitCode == 0)
        {
            ExitCode = exitCode;
        }

        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A signal that arrives while the command is already returning has nothing left to stop.
        }
    }

    private void Stop(PosixSignalContext ctx, int exitCode)
    {
        if (Interlocked.Exchange(ref _signals, 1) == 1)
        {
            // The default action of the signal: the process ends now (the shell sees 128 + the signal's number).
            ctx.Cancel = false;
            return;
        }

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
