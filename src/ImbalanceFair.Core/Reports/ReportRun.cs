using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Runs;

namespace ImbalanceFair.Core.Reports;

/// <summary>
/// What identifies a run apart from its seed, from summary.csv's description columns (DESIGN §6); the report's
/// tables and charts are labelled by it.
/// </summary>
public sealed record RunIdentity(
    string Name, string Dataset, string Strategy, double ImbalanceRatio, string Arch, string TrainMode, string Loss, long Epochs);

/// <summary>One class of a run, from its per_class.csv; NaN where a cell is empty.</summary>
public sealed record ReportClassRow(
    long ClassIndex, string ClassName, string Bucket, double TrainReal, double TrainTotal, double Test, double Accuracy,
    double MeanMargin, double RobustAccuracy);

/// <summary>A finished run as the report reads it: its summary metrics (NaN: does not apply), classes and resolved config.</summary>
/// <param name="Location">Where it was found, as the user named the folder (for messages; never in report.csv).</param>
/// <param name="Config">config.resolved.yaml, or null when the run directory has none (then grouping falls back to <see cref="Identity"/>).</param>
public sealed record ReportRun(
    string Location,
    string RunId,
    long Seed,
    RunIdentity Identity,
    IReadOnlyDictionary<string, double> Metrics,
    double TrainSeconds,
    double TrainImagesPerSecond,
    string Device,
    IReadOnlyList<ReportClassRow> Classes,
    RunConfig? Config)
{
    /// <summary>Keys of config.resolved.yaml this version of imbfair does not know (renamed or removed since), as key=value.</summary>
    public IReadOnlyList<string> UnknownConfigKeys { get; init; } = [];
}

/// <summary>A run directory the report did not use, and why (unfinished, missing or unreadable files, duplicate).</summary>
public sealed record SkippedRun(string Location, string Reason);

/// <summary>What <see cref="RunCollector"/> found under the report's folders.</summary>
public sealed record CollectedRuns(IReadOnlyList<ReportRun> Finished, IReadOnlyList<SkippedRun> Skipped);
