using System.Runtime.InteropServices;

namespace ImbalanceFair.Core.Runs;

/// <summary>
/// The phase boundaries of a run (<see cref="Enter"/>): where a signal is met, and where the fault-injection tests aim.
/// The ambient cancellation the phases' loops check is <see cref="RunCancellation"/>.
/// </summary>
public static partial class RunPhase
{
    /// <summary>
    /// Test hook, read once per phase: <c>IMBFAIR_FAULT_SIGNAL=phase:INT|TERM</c> makes the process send itself that
    /// signal as it enters the phase, so the tests can show every phase stops with the right exit code. Phases:
    /// decode, pretraining, generation, training, evaluation, eval-attack, results. <c>phase:INT|TERM:ms</c> sends it
    /// that many milliseconds after the phase began, without waiting: the signal then lands inside the phase's work.
    /// </summary>
    public const string FaultVariable = "IMBFAIR_FAULT_SIGNAL";

    public static readonly IReadOnlyList<string> Names = ["decode", "pretraining", "generation", "training", "evaluation", "eval-attack", "results"];

    /// <summary>A phase starts: stops here if a signal came, and fires the test hook when it names this phase.</summary>
    public static void Enter(string phase, CancellationToken cancel)
    {
        var fault = Environment.GetEnvironmentVariable(FaultVariable)?.Split(':') ?? [];
        if (fault is [var delayedAt, var delayedSignal, var ms] && delayedAt == phase)
        {
            cancel.ThrowIfCancellationRequested();
            var delay = int.Parse(ms, System.Globalization.CultureInfo.InvariantCulture);
            new Thread(() =>
            {
                Thread.Sleep(delay);
                _ = Kill(Environment.ProcessId, SignalNumber(delayedSignal));
            }) { IsBackground = true }.Start();
            return;
        }

        if (fault is [var at, var signal] && at == phase)
        {
            _ = Kill(Environment.ProcessId, SignalNumber(signal));

            // The signal is handled on another thread: wait until it has cancelled, so the phase itself meets it.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!cancel.IsCancellationRequested && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5);
            }

            return;
        }

        cancel.ThrowIfCancellationRequested();
    }

    private static int SignalNumber(string name) => name == "INT" ? 2 : 15;

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
