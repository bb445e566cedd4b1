using ImbalanceFair.Core.Runs;

namespace ImbalanceFair.Core.Sweeps;

public enum TrialStatus
{
    /// <summary>Never started: no run directory.</summary>
    Pending,

    /// <summary>The run directory has its <c>done</c> marker (the truth, whatever trials.csv said).</summary>
    Done,

    /// <summary>Some process holds the trial's run lock now.</summary>
    Running,

    /// <summary>The last attempt failed; the next sweep tries it again.</summary>
    Failed,

    /// <summary>Started and stopped (signal, crash) before finishing; the next sweep resumes it from its checkpoint.</summary>
    Interrupted,
}

public static class TrialStatuses
{
    public static string Name(TrialStatus status) => status.ToString().ToLowerInvariant();

    public static TrialStatus? Parse(string text) => Enum.TryParse<TrialStatus>(text, ignoreCase: true, out var s) ? s : null;

    /// <summary>
    /// A trial's status as the files show it now: the done marker, then the lock, then the failed marker; a failure
    /// that left no marker (it failed before its directory existed) is known from what trials.csv last recorded
    /// (<paramref name="recorded"/>), and is kept only while nothing newer contradicts it.
    /// </summary>
    public static TrialStatus Observe(RunPlan run, TrialStatus? recorded)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (RunMarkers.IsDone(run.RunDir))
        {
            return TrialStatus.Done;
        }

        if (RunLock.IsHeld(run.RunDir))
        {
            return TrialStatus.Running;
        }

        if (recorded == TrialStatus.Failed || RunMarkers.Failure(run.RunDir) is not null)
        {
            return TrialStatus.Failed;
        }

        return Directory.Exists(run.RunDir) ? TrialStatus.Interrupted : TrialStatus.Pending;
    }
}
