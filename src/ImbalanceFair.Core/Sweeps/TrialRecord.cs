namespace ImbalanceFair.Core.Sweeps;

/// <summary>What one sweep process learnt about a trial it ran: the outcome, the child's exit code, time, and error.</summary>
public sealed record TrialRecord(TrialStatus Status, int? ExitCode = null, double? Seconds = null, string Error = "");
