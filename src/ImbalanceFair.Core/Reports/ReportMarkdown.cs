using System.Globalization;
using System.Text;

namespace ImbalanceFair.Core.Reports;

/// <summary>
/// report.md: GitHub tables, one per setting (everything but strategy and ρ), one row per strategy × ρ, cells
/// "mean ± std" over seeds with three decimals ("mean" alone for one seed, "–" where the metric does not apply);
/// then training time, which is kept out of report.csv, and the skipped runs.
/// </summary>
public static class ReportMarkdown
{
    public const string FileName = "report.md";

    /// <summary>The summary metrics report.md and the HTML table show, with their column titles.</summary>
    public static IReadOnlyList<(string Metric, string Title)> TableMetrics { get; } =
    [
        ("balanced_accuracy", "balanced acc."),
        ("worst_class_accuracy", "worst class"),
        ("worst_group_accuracy", "worst group"),
        ("many_accuracy", "many"),
        ("medium_accuracy", "medium"),
        ("few_accuracy", "few"),
        ("alignment_gap", "alignment gap"),
        ("robust_accuracy", "robust acc."),
    ];

    public static string Text(ReportModel report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        md.Append("# imbfair report\n\n");
        md.Append(Invariant($"{report.RunCount} finished runs in {report.Groups.Count} groups; {report.Skipped.Count} run directories skipped. "));
        md.Append("A group is the runs whose resolved configs differ only by seed. Cells: mean ± sample standard deviation over seeds (n runs); – where a metric does not apply. Full precision, standard errors and every metric: report.csv.\n");

        foreach (var setting in report.Groups.GroupBy(g => g.Group.Setting))
        {
            md.Append("\n## ").Append(Escape(setting.Key)).Append("\n\n");
            md.Append("| strategy | ρ | n |");
            foreach (var (_, title) in TableMetrics)
            {
                md.Append(' ').Append(title).Append(" |");
            }

            md.Append("\n| --- | ---: | ---: |").Append(string.Concat(TableMetrics.Select(_ => " ---: |"))).Append('\n');
            foreach (var g in setting)
            {
                md.Append("| ").Append(Escape(g.Group.Identity.Strategy)).Append(" | ").Append(Ratio(g.Group.Identity.ImbalanceRatio))
                    .Append(" | ").Append(g.Group.Runs.Count.ToString(CultureInfo.InvariantCulture)).Append(" |");
                foreach (var (metric, _) in TableMetrics)
                {
                    md.Append(' ').Append(MeanStd(g[metric], 3)).Append(" |");
                }

                md.Append('\n');
            }
        }

        AppendComparisons(md, report);
        md.Append("\n## Training time\n\nNot in report.csv: it depends on the machine and on interruptions, not only on the configs.\n\n");
        md.Append("| setting | strategy | ρ | n | train seconds | images / s | device |\n| --- | --- | ---: | ---: | ---: | ---: | --- |\n");
        foreach (var g in report.Groups)
        {
            md.Append("| ").Append(Escape(g.Group.Setting)).Append(" | ").Append(Escape(g.Group.Identity.Strategy)).Append(" | ")
                .Append(Ratio(g.Group.Identity.ImbalanceRatio)).Append(" | ").Append(g.Group.Runs.Count.ToString(CultureInfo.InvariantCulture)).Append(" | ")
                .Append(MeanStd(g.TrainSeconds, 1)).Append(" | ").Append(MeanStd(g.TrainImagesPerSecond, 0)).Append(" | ")
                .Append(g.Devices.Length == 0 ? "–" : Escape(g.Devices)).Append(" |\n");
        }

        if (report.Skipped.Count > 0)
        {
            md.Append("\n## Skipped run directories\n\n");
            foreach (var s in report.Skipped)
            {
                md.Append("- `").Append(s.Location.Replace("`", "'", StringComparison.Ordinal)).Append("`: ").Append(Escape(s.Reason)).Append('\n');
            }
        }

        if (report.RunsWithUnknownKeys.Count > 0)
        {
            md.Append("\n## Config keys unknown to this version\n\nRead leniently (made by another version of imbfair); the keys are kept as text and still tell groups apart.\n\n");
            foreach (var r in report.RunsWithUnknownKeys)
            {
                md.Append("- `").Append(r.Location.Replace("`", "'", StringComparison.Ordinal)).Append("`: ").Append(Escape(string.Join(", ", r.UnknownConfigKeys))).Append('\n');
            }
        }

        return md.ToString();
    }

    /// <summary>The columns of the paired-comparison table (report.md and report.html).</summary>
    public static IReadOnlyList<string> CompareTitles { get; } =
        ["comparison", "ρ", "A", "B", "metric", "n", "mean A", "mean B", "A − B", "95% bootstrap CI", "p (t)", "p (t, Holm)", "p (sign-flip)", "p (sign-flip, Holm)"];

    public const string CompareExplanation =
        "A − B over the seeds both ran (same seed = same split), per metric; lower is better for dpd, eod, ece and alignment_gap. " +
        "CI: percentile bootstrap of the mean difference (10000 resamples, seeded). p: two-sided paired t-test and exact sign-flip " +
        "permutation test (whose smallest p with n seeds is 2/2^n: 0.25 for 3); Holm-adjusted over every p of the table. Full precision: report_compare.csv.";

    /// <summary>One row of the paired-comparison table as text cells, in <see cref="CompareTitles"/> order.</summary>
    public static string[] CompareCells(ComparisonRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var s = row.Stats;
        string Side(RunGroup g, RunGroup other)
        {
            var label = g.Identity.Loss == other.Identity.Loss ? g.Identity.Strategy : $"{g.Identity.Strategy} · {g.Identity.Loss}";
            return g.Variant.Length == 0 ? label : $"{label} · {g.Variant}";
        }

        return
        [
            row.Comparison, Ratio(row.A.Group.Identity.ImbalanceRatio), Side(row.A.Group, row.B.Group), Side(row.B.Group, row.A.Group), row.Metric,
            s.N.ToString(CultureInfo.InvariantCulture), Fixed(row.MeanA, 3), Fixed(row.MeanB, 3), Fixed(s.MeanDiff, 3),
            $"[{Fixed(s.CiLow, 3)}, {Fixed(s.CiHigh, 3)}]", Fixed(s.PTTest, 4), Fixed(row.PTTestHolm, 4), Fixed(s.PSignFlip, 4), Fixed(row.PSignFlipHolm, 4),
        ];
    }

    private static void AppendComparisons(StringBuilder md, ReportModel report)
    {
        if (report.Comparisons.Count == 0)
        {
            return;
        }

        md.Append("\n## Paired comparisons\n\n").Append(CompareExplanation).Append("\n\n| ").Append(string.Join(" | ", CompareTitles)).Append(" |\n|")
            .Append(string.Concat(CompareTitles.Select((_, i) => i is 0 or 2 or 3 or 4 ? " --- |" : " ---: |"))).Append('\n');
        foreach (var row in report.Comparisons)
        {
            md.Append("| ").Append(string.Join(" | ", CompareCells(row).Select(Escape))).Append(" |\n");
        }
    }

    private static string Fixed(double value, int decimals) =>
        double.IsNaN(value) ? "–" : value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>"mean ± std" with a fixed number of decimals; the mean alone for one value; "–" for none.</summary>
    public static string MeanStd(MetricStats stats, int decimals)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var format = "F" + decimals.ToString(CultureInfo.InvariantCulture);
        if (stats.N == 0)
        {
            return "–";
        }

        var mean = stats.Mean.ToString(format, CultureInfo.InvariantCulture);
        return double.IsNaN(stats.Std) ? mean : $"{mean} ± {stats.Std.ToString(format, CultureInfo.InvariantCulture)}";
    }

    public static string Ratio(double ratio) => ratio.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
