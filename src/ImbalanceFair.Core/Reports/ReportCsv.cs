using ImbalanceFair.Core.Results;

namespace ImbalanceFair.Core.Reports;

/// <summary>
/// report.csv (one row per group × summary metric) and report_per_class.csv (one row per group × class). Only what the
/// runs' configs and seeds determine goes in: no paths, times, devices or training speed, so an interrupted and
/// resumed sweep gives the same bytes as an uninterrupted one. Numbers are round-trip invariant text (<see cref="CsvFile.Number(double)"/>).
/// </summary>
public static class ReportCsv
{
    public const string FileName = "report.csv";
    public const string PerClassFileName = "report_per_class.csv";

    private static readonly string[] GroupColumns = ["group_id", "name", "dataset", "strategy", "imbalance_ratio", "arch", "train_mode", "loss", "epochs", "variant", "seeds"];

    public static IReadOnlyList<string> Columns { get; } = [.. GroupColumns, "metric", "n", "mean", "std", "se"];

    public static IReadOnlyList<string> PerClassColumns { get; } =
        [.. GroupColumns, "class_index", "class_name", "bucket", "n", "n_train_real", "n_train_total", "accuracy_mean", "accuracy_std", "accuracy_se", "robust_accuracy_mean", "robust_accuracy_std"];

    public static string Text(ReportModel report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return CsvFile.ToText(Columns, report.Groups.SelectMany(g => g.Metrics.Select(m => (IReadOnlyList<string>)
            [.. GroupCells(g.Group), m.Key, CsvFile.Number(m.Value.N), .. Cells(m.Value)])));
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
