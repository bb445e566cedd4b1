using ImbalanceFair.Core.Metrics;

namespace ImbalanceFair.Core.Tests.Metrics;

/// <summary>The summary metrics are one table: each row's name, definition and computation (DESIGN §6-7).</summary>
public sealed class MetricTableTests
{
    // summary.csv's metric columns as DESIGN §6 lists them.
    private const string DesignColumns =
        "accuracy, balanced_accuracy, macro_f1, worst_class_accuracy, class_accuracy_gap, harmonic_mean_accuracy, many_accuracy, " +
        "medium_accuracy, few_accuracy, worst_group_accuracy, avg_group_accuracy, dpd, eod, es_accuracy, ece, mean_alignment, " +
        "worst_class_alignment, alignment_gap, robust_accuracy, worst_class_robust_accuracy, balanced_accuracy_ci_low, " +
        "balanced_accuracy_ci_high, worst_group_accuracy_ci_low, worst_group_accuracy_ci_high";

    [Fact]
    public void The_table_has_one_defined_row_per_design_column_in_order()
    {
        Assert.Equal(DesignColumns.Split(", "), MetricSuite.Table.Select(m => m.Name));
        Assert.All(MetricSuite.Table, m => Assert.True(m.Definition.Length > 10, m.Name));
        Assert.Equal(MetricSuite.Table.Select(m => m.Name), SummaryMetrics.Names);
    }

    [Fact]
    public void An_unknown_metric_name_is_an_error_not_a_silent_nan()
    {
        var summary = new SummaryMetrics(new Dictionary<string, double> { ["accuracy"] = 0.5 });

        Assert.Equal(0.5, summary["accuracy"]);
        Assert.True(double.IsNaN(summary["dpd"]));
        Assert.Throws<ArgumentException>(() => summary["acuracy"]);
    }
}
