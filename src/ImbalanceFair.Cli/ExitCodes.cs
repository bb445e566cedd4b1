namespace ImbalanceFair.Cli;

/// <summary>The process exit codes of DESIGN.md §9.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    /// <summary>
    /// The run directory is locked by another process that is running it now (sysexits' EX_TEMPFAIL: try again
    /// later); `imbfair sweep` reports such a trial as running elsewhere.
    /// </summary>
    public const int Locked = Core.Sweeps.SweepRunner.LockedExitCode;
    public const int Interrupted = 130;
    public const int Terminated = 143;
}
