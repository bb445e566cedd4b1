namespace ImbalanceFair.Core.Runs;

public enum RunStatus
{
    Completed,
    Skipped,
}

/// <summary>What `imbfair run` reports: where the results are, whether it ran, and the summary row.</summary>
public sealed record RunOutcome(string RunDir, RunStatus Status, IReadOnlyDictionary<string, string> Summary);
