using ImbalanceFair.Core.Metrics;

namespace ImbalanceFair.Core.Reports;

/// <summary>One class of a group, over its seeds.</summary>
public sealed record ClassStats(
    long ClassIndex, string ClassName, string Bucket, MetricStats TrainReal, MetricStats TrainTotal, MetricStats Accuracy, MetricStats RobustAccuracy);

/// <summary>A group's metrics over its seeds, in <see cref="SummaryMetrics.Names"/> order, its classes, and its timing (kept apart: it varies from machine to machine).</summary>
public sealed record GroupStats(
    RunGroup Group,
    IReadOnlyList<KeyValuePair<string, MetricStats>> Metrics,
    IReadOnlyList<ClassStats> Classes,
    MetricStats TrainSeconds,
    MetricStats TrainImagesPerSecond,
    string Devices)
{
    public MetricStats this[string metric] => Metrics.FirstOrDefault(m => m.Key == metric).Value ?? MetricStats.Empty;
}

/// <summary>Everything the report files show.</summary>
public sealed record ReportModel(IReadOnlyList<GroupStats> Groups, IReadOnlyList<SkippedRun> Skipped)
{
    public int RunCount => Groups.Sum(g => g.Group.Runs.Count);

    /// <summary>Runs whose config.resolved.yaml has keys this version does not know: read leniently, listed in the report.</summary>
    public IReadOnlyList<ReportRun> RunsWithUnknownKeys =>
        [.. Groups.SelectMany(g => g.Group.Runs).Where(r => r.UnknownConfigKeys.Count > 0).OrderBy(r => r.Location, StringComparer.Ordinal)];

    /// <summary>The paired comparisons asked for (<c>--compare</c>); empty without.</summary>
    public IReadOnlyList<ComparisonRow> Comparisons { get; init; } = [];

    /// <summary>
    /// Groups the runs by <see cref="RunGrouping"/> and aggregates every summary metric and every class over the seeds;
    /// then the paired comparisons of <paramref name="compare"/>, if any.
    /// </summary>
    public static ReportModel Build(CollectedRuns collected, IReadOnlyList<ComparePair>? compare = null)
    {
        ArgumentNullException.ThrowIfNull(collected);
        var groups = RunGrouping.Group(collected.Finished).Select(Aggregate).ToList();
        return new ReportModel(groups, collected.Skipped) { Comparisons = compare is { Count: > 0 } ? Reports.Comparisons.Build(groups, compare) : [] };
    }

    private static GroupStats Aggregate(RunGroup group)
    {
        var runs = group.Runs;
        var metrics = SummaryMetrics.Names
            .Select(m => new KeyValuePair<string, MetricStats>(m, MetricStats.Of(runs.Select(r => r.Metrics.GetValueOrDefault(m, double.NaN)))))
            .ToList();
        var classes = runs.SelectMany(r => r.Classes)
            .GroupBy(c => c.ClassIndex)
            .OrderBy(c => c.Key)
            .Select(c =>
            {
                var rows = c.ToList();
                return new ClassStats(
                    c.Key, rows[0].ClassName, rows[0].Bucket,
                    MetricStats.Of(rows.Select(x => x.TrainReal)),
                    MetricStats.Of(rows.Select(x => x.TrainTotal)),
                    MetricStats.Of(rows.Select(x => x.Accuracy)),
                    MetricStats.Of(rows.Select(x => x.RobustAccuracy)));
            })
            .ToList();
        return new GroupStats(
            group, metrics, classes,
            MetricStats.Of(runs.Select(r => r.TrainSeconds)),
            MetricStats.Of(runs.Select(r => r.TrainImagesPerSecond)),
            string.Join(", ", runs.Select(r => r.Device).Where(d => d.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)));
    }
}
