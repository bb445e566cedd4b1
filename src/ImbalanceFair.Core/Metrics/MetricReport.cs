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

/// <summary>One summary metric: its summary.csv column, what it means, and how it is computed.</summary>
public sealed record MetricDefinition(string Name, string Definition, Func<MetricSuite.MetricContext, double> Compute);

/// <summary>
/// The summary metrics of one run (DESIGN §6 summary.csv, §7) by column name, in <see cref="MetricSuite.Table"/>'s
/// order; NaN where a metric does not apply. The properties name the ones code reads directly.
/// </summary>
public sealed record SummaryMetrics
{
    private readonly IReadOnlyDictionary<string, double> _values;

    public SummaryMetrics(IReadOnlyDictionary<string, double>? values = null) => _values = values ?? new Dictionary<string, double>();

    /// <summary>The metric columns of summary.csv, in DESIGN §6's order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. MetricSuite.Table.Select(m => m.Name)];

    public double this[string name] => Names.Contains(name) ? _values.GetValueOrDefault(name, double.NaN)
        : throw new ArgumentException($"unknown summary metric '{name}'", nameof(name));

    public double Accuracy => this["accuracy"];

    public double BalancedAccuracy => this["balanced_accuracy"];

    public double WorstClassAccuracy => this["worst_class_accuracy"];

    public double WorstGroupAccuracy => this["worst_group_accuracy"];

    public double AlignmentGap => this["alignment_gap"];

    public double RobustAccuracy => this["robust_accuracy"];

    /// <summary>Equal when every metric is (NaN equals NaN: a metric that does not apply in both).</summary>
    public bool Equals(SummaryMetrics? other) => other is not null && Names.All(n => this[n].Equals(other[n]));

    public override int GetHashCode() => Names.Aggregate(0, (h, n) => HashCode.Combine(h, this[n]));

    /// <summary>(column name, value) in DESIGN §6's order.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Columns() => [.. Names.Select(n => new KeyValuePair<string, double>(n, this[n]))];
}

/// <summary>What <see cref="MetricSuite.Compute"/> returns: the summary, one row per class and one per group.</summary>
public sealed record MetricReport(SummaryMetrics Summary, IReadOnlyList<ClassMetrics> PerClass, IReadOnlyList<GroupMetrics> PerGroup);
