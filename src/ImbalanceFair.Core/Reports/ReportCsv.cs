using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Results;

namespace ImbalanceFair.Core.Reports;

/// <summary>
/// report.csv (one row per group × summary metric), report_per_class.csv (one row per group × class) and
/// report_runs.csv (one row per run: the numbers every mean and paired test was computed from). Only what the
/// runs' configs and seeds determine goes in: no paths, times, devices or training speed, so an interrupted and
/// resumed sweep gives the same bytes as an uninterrupted one. Numbers are round-trip invariant text (<see cref="CsvFile.Number(double)"/>).
/// </summary>
public static class ReportCsv
{
    public const string FileName = "report.csv";
    public const string PerClassFileName = "report_per_class.csv";
    public const string CompareFileName = "report_compare.csv";
    public const string RunsFileName = "report_runs.csv";

    private static readonly string[] GroupColumns = ["group_id", "name", "dataset", "strategy", "imbalance_ratio", "arch", "train_mode", "loss", "epochs", "variant", "seeds"];

    public static IReadOnlyList<string> Columns { get; } = [.. GroupColumns, "metric", "n", "mean", "std", "se"];

    public static IReadOnlyList<string> PerClassColumns { get; } =
        [.. GroupColumns, "class_index", "class_name", "bucket", "n", "n_train_real", "n_train_total", "accuracy_mean", "accuracy_std", "accuracy_se", "robust_accuracy_mean", "robust_accuracy_std"];

    /// <summary>report_runs.csv: the group's columns (less its seed list), the run's id (its directory's name) and seed, then every summary metric.</summary>
    public static IReadOnlyList<string> RunsColumns { get; } = [.. GroupColumns.SkipLast(1), "run_id", "seed", .. SummaryMetrics.Names];

    /// <summary>report_compare.csv: what the two groups share, what tells them apart, then the paired statistics.</summary>
    public static IReadOnlyList<string> CompareColumns { get; } =
    [
        "comparison", "a_group_id", "b_group_id", "name", "dataset", "imbalance_ratio", "arch", "train_mode", "epochs",
        "a_strategy", "a_loss", "a_variant", "b_strategy", "b_loss", "b_variant", "metric", "n", "seeds", "mean_a", "mean_b",
        "mean_diff", "ci_low", "ci_high", "p_ttest", "p_ttest_holm", "p_signflip", "p_signflip_holm",
    ];

    public static string CompareText(ReportModel report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return CsvFile.ToText(CompareColumns, report.Comparisons.Select(r =>
        {
            var (a, b, s) = (r.A.Group, r.B.Group, r.Stats);
            return (IReadOnlyList<string>)
            [
                r.Comparison, a.GroupId, b.GroupId, a.Identity.Name, a.Identity.Dataset, CsvFile.Number(a.Identity.ImbalanceRatio), a.Identity.Arch,
                a.Identity.TrainMode, CsvFile.Number(a.Identity.Epochs), a.Identity.Strategy, a.Identity.Loss, a.Variant, b.Identity.Strategy,
                b.Identity.Loss, b.Variant, r.Metric, CsvFile.Number(s.N), string.Join(' ', r.Seeds.Select(CsvFile.Number)), CsvFile.Number(r.MeanA),
                CsvFile.Number(r.MeanB), CsvFile.Number(s.MeanDiff), CsvFile.Number(s.CiLow), CsvFile.Number(s.CiHigh), CsvFile.Number(s.PTTest),
                CsvFile.Number(r.PTTestHolm), CsvFile.Number(s.PSignFlip), CsvFile.Number(r.PSignFlipHolm),
            ];
        }));
    }

    public static string Text(ReportModel report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return CsvFile.ToText(Columns, report.Groups.SelectMany(g => g.Metrics.Select(m => (IReadOnlyList<string>)
            [.. GroupCells(g.Group), m.Key, CsvFile.Number(m.Value.N), .. Cells(m.Value)])));
    }

    public static string RunsText(ReportModel report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return CsvFile.ToText(RunsColumns, report.Groups.SelectMany(g => g.Group.Runs.Select(r => (IReadOnlyList<string>)
        [
            .. GroupCells(g.Group).SkipLast(1), r.RunId, CsvFile.Number(r.Seed),
            .. SummaryMetrics.Names.Select(m => CsvFile.Number(r.Metrics.GetValueOrDefault(m, double.NaN))),
        ])));
    }

    public static string PerClassText(ReportModel report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return CsvFile.ToText(PerClassColumns, report.Groups.SelectMany(g => g.Classes.Select(c => (IReadOnlyList<string>)
        [
            .. GroupCells(g.Group), CsvFile.Number(c.ClassIndex), c.ClassName, c.Bucket, CsvFile.Number(c.Accuracy.N),
            CsvFile.Number(c.TrainReal.Mean), CsvFile.Number(c.TrainTotal.Mean),
            .. Cells(c.Accuracy), CsvFile.Number(c.RobustAccuracy.Mean), CsvFile.Number(c.RobustAccuracy.Std),
        ])));
    }

    private static string[] GroupCells(RunGroup g) =>
    [
        g.GroupId, g.Identity.Name, g.Identity.Dataset, g.Identity.Strategy, CsvFile.Number(g.Identity.ImbalanceRatio), g.Identity.Arch,
        g.Identity.TrainMode, g.Identity.Loss, CsvFile.Number(g.Identity.Epochs), g.Variant, string.Join(' ', g.Seeds.Select(CsvFile.Number)),
    ];

    private static string[] Cells(MetricStats s) => [CsvFile.Number(s.Mean), CsvFile.Number(s.Std), CsvFile.Number(s.StdErr)];
}
