namespace ImbalanceFair.Cli;

/// <summary>The process exit codes of DESIGN.md §9.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int Interrupted = 130;
    public const int Terminated = 143;
}
