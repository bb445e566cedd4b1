using ImbalanceFair.Core.Data.Split;

namespace ImbalanceFair.Core.Metrics;

/// <summary>One class's metrics (a row of per_class.csv). NaN: the metric does not apply (an empty cell).</summary>
public sealed record ClassMetrics(
    int ClassIndex,
    string ClassName,
    Bucket Bucket,
    long TrainReal,
    long TrainTotal,
    long Test,
    long PredictedCount,
    double Accuracy,
    double Precision,
    double Recall,
    double F1,
    double MeanAlignment,
    double MeanMargin,
    double RobustAccuracy);

/// <summary>One group's accuracy (a row of per_group.csv); <see cref="Attribute"/> is null without an attribute.</summary>
public sealed record GroupMetrics(long Group, int ClassIndex, long? Attribute, long Train, long Test, double Accuracy);

/// <summary>The summary metrics (DESIGN §6 summary.csv, §7); NaN where a metric does not apply.</summary>
public sealed record SummaryMetrics
{
    public double Accuracy { get; init; } = double.NaN;

    public double BalancedAccuracy { get; init; } = double.NaN;

    public double MacroF1 { get; init; } = double.NaN;

    public double WorstClassAccuracy { get; init; } = double.NaN;

    public double ClassAccuracyGap { get; init; } = double.NaN;

    public double HarmonicMeanAccuracy { get; init; } = double.NaN;

    public double ManyAccuracy { get; init; } = double.NaN;

    public double MediumAccuracy { get; init; } = double.NaN;

    public double FewAccuracy { get; init; } = double.NaN;

    public double WorstGroupAccuracy { get; init; } = double.NaN;

    public double AvgGroupAccuracy { get; init; } = double.NaN;

    public double Dpd { get; init; } = double.NaN;

    public double Eod { get; init; } = double.NaN;

    public double EsAccuracy { get; init; } = double.NaN;

    public double Ece { get; init; } = double.NaN;

    public double MeanAlignment { get; init; } = double.NaN;

    public double WorstClassAlignment { get; init; } = double.NaN;

    public double AlignmentGap { get; init; } = double.NaN;

    public double RobustAccuracy { get; init; } = double.NaN;

    public double WorstClassRobustAccuracy { get; init; } = double.NaN;

    public double BalancedAccuracyCiLow { get; init; } = double.NaN;

    public double BalancedAccuracyCiHigh { get; init; } = double.NaN;

    public double WorstGroupAccuracyCiLow { get; init; } = double.NaN;

    public double WorstGroupAccuracyCiHigh { get; init; } = double.NaN;

    /// <summary>The metric columns of summary.csv, in DESIGN §6's order.</summary>
    public static IReadOnlyList<string> Names { get; } = new SummaryMetrics().Columns().Select(c => c.Key).ToArray();

    /// <summary>(column name, value) in DESIGN §6's order: the one place that maps properties to column names.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Columns() =>
    [
        new("accuracy", Accuracy),
        new("balanced_accuracy", BalancedAccuracy),
        new("macro_f1", MacroF1),
        new("worst_class_accuracy", WorstClassAccuracy),
        new("class_accuracy_gap", ClassAccuracyGap),
        new("harmonic_mean_accuracy", HarmonicMeanAccuracy),
        new("many_accuracy", ManyAccuracy),
        new("medium_accuracy", MediumAccuracy),
        new("few_accuracy", FewAccuracy),
        new("worst_group_accuracy", WorstGroupAccuracy),
        new("avg_group_accuracy", AvgGroupAccuracy),
        new("dpd", Dpd),
        new("eod", Eod),
        new("es_accuracy", EsAccuracy),
        new("ece", Ece),
        new("mean_alignment", MeanAlignment),
        new("worst_class_alignment", WorstClassAlignment),
        new("alignment_gap", AlignmentGap),
        new("robust_accuracy", RobustAccuracy),
        new("worst_class_robust_accuracy", WorstClassRobustAccuracy),
        new("balanced_accuracy_ci_low", BalancedAccuracyCiLow),
        new("balanced_accuracy_ci_high", BalancedAccuracyCiHigh),
        new("worst_group_accuracy_ci_low", WorstGroupAccuracyCiLow),
        new("worst_group_accuracy_ci_high", WorstGroupAccuracyCiHigh),
    ];
}

/// <summary>What <see cref="MetricSuite.Compute"/> returns: the summary, one row per class and one per group.</summary>
public sealed record MetricReport(SummaryMetrics Summary, IReadOnlyList<ClassMetrics> PerClass, IReadOnlyList<GroupMetrics> PerGroup);
