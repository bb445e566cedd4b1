using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Metrics;

namespace ImbalanceFair.Core.Tests.Metrics;

/// <summary>Small cases worked out by hand (the arithmetic is in the comments).</summary>
public class MetricHandComputedTests
{
    private const double Tolerance = 1e-12;

    /// <summary>
    /// 2 classes × 3 attribute values (value 2 never occurs in the test set), group id = 3·class + attribute.
    ///
    ///   i  y  a  pred  correct   group
    ///   0  0  0  0     yes       0
    ///   1  0  0  0     yes       0
    ///   2  0  1  1     no        1
    ///   3  0  1  0     yes       1
    ///   4  1  0  1     yes       3
    ///   5  1  0  1     yes       3
    ///   6  1  1  1     yes       4
    ///   7  1  1  1     yes       4
    /// </summary>
    private static MetricInput AttributeCase() => MetricTestData.Hand([0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 0, 1, 1, 1, 1], 2) with
    {
        Attributes = [0, 0, 1, 1, 0, 0, 1, 1],
        AttributeCount = 3,
        GroupTrainCounts = [50, 5, 0, 30, 3, 0],
    };

    [Fact]
    public void Worst_and_average_group_accuracy_over_class_attribute_groups_with_test_samples()
    {
        var report = MetricSuite.Compute(AttributeCase());

        // Groups: 0 = (0,0): 2/2 = 1; 1 = (0,1): 1/2 = 0.5; 3 = (1,0): 2/2 = 1; 4 = (1,1): 2/2 = 1;
        // groups 2 and 5 (attribute 2) have no test samples and take no part.
        // worst = 0.5; average = (1 + 0.5 + 1 + 1) / 4 = 0.875.
        Assert.Equal(0.5, report.Summary.WorstGroupAccuracy, Tolerance);
        Assert.Equal(0.875, report.Summary["avg_group_accuracy"], Tolerance);

        // Every (class, attribute) pair has a row, in group-id order; n_train from the group train counts.
        Assert.Equal(
            new (long, int, long, long, long, double)[]
            {
                (0, 0, 0, 50, 2, 1.0), (1, 0, 1, 5, 2, 0.5), (2, 0, 2, 0, 0, double.NaN),
                (3, 1, 0, 30, 2, 1.0), (4, 1, 1, 3, 2, 1.0), (5, 1, 2, 0, 0, double.NaN),
            },
            report.PerGroup.Select(g => (g.Group, g.ClassIndex, g.Attribute!.Value, g.Train, g.Test, g.Accuracy)));
    }

    [Fact]
    public void Demographic_parity_and_equalized_odds_one_vs_rest_averaged_over_classes()
    {
        var s = MetricSuite.Compute(AttributeCase()).Summary;

        // Attribute 0 = samples {0, 1, 4, 5} with predictions (0, 0, 1, 1); attribute 1 = {2, 3, 6, 7} with (1, 0, 1, 1).
        // dpd, class 0: P(pred=0 | a=0) = 2/4, P(pred=0 | a=1) = 1/4 → 0.25.
        //      class 1: P(pred=1 | a=0) = 2/4, P(pred=1 | a=1) = 3/4 → 0.25.      mean = 0.25.
        Assert.Equal(0.25, s["dpd"], Tolerance);

        // eod, class 0: a=0: positives {0,1} both predicted 0 → TPR 1; negatives {4,5} never predicted 0 → FPR 0.
        //               a=1: positives {2,3}, one predicted 0 → TPR 0.5; negatives {6,7} → FPR 0.
        //               max(TPR gap 0.5, FPR gap 0) = 0.5.
        //      class 1: a=0: positives {4,5} → TPR 1; negatives {0,1} → FPR 0.
        //               a=1: positives {6,7} → TPR 1; negatives {2,3}, one predicted 1 → FPR 0.5.
        //               max(0, 0.5) = 0.5.                                       mean = 0.5.
        Assert.Equal(0.5, s["eod"], Tolerance);
    }

    [Fact]
    public void Equalized_odds_gives_a_group_without_positives_a_true_positive_rate_of_zero_as_fairlearn_does()
    {
        //   i  y  a  pred
        //   0  0  0  0
        //   1  1  0  1
        //   2  2  0  2
        //   3  0  1  0
        //   4  1  1  0
        var input = MetricTestData.Hand([0, 1, 2, 0, 1], [0, 1, 2, 0, 0], 3) with
        {
            Attributes = [0, 0, 0, 1, 1],
            AttributeCount = 2,
            GroupTrainCounts = new long[6],
        };
        var s = MetricSuite.Compute(input).Summary;

        // dpd: class 0: P(pred=0|a=0) = 1/3, P(pred=0|a=1) = 2/2 → 2/3; class 1: 1/3 vs 0 → 1/3; class 2: 1/3 vs 0 → 1/3.
        //      mean = (2/3 + 1/3 + 1/3) / 3 = 4/9.
        Assert.Equal(4.0 / 9, s["dpd"], Tolerance);

        // eod: class 0: TPR 1 vs 1 → 0; FPR: a=0 negatives {1,2} → 0, a=1 negatives {4} predicted 0 → 1; → 1.
        //      class 1: TPR a=0 1, a=1 0 → 1; FPR 0 vs 0 → 1.
        //      class 2: TPR a=0 1; a=1 has no sample of class 2 → TPR 0 (fairlearn: confusion_matrix normalize='true'
        //               maps 0/0 to 0) → gap 1; FPR 0 vs 0.  → 1.  (Skipping the empty group would give 0.)
        //      mean = 1.
        Assert.Equal(1.0, s["eod"], Tolerance);
    }

    [Fact]
    public void Equity_scaled_accuracy_over_attribute_values_or_over_classes()
    {
        // With the attribute (AttributeCase): accuracy = 7/8 = 0.875; a=0: 4/4 = 1; a=1: 3/4 = 0.75 (value 2: no samples).
        // es = 0.875 / (1 + |1 − 0.875| + |0.75 − 0.875|) = 0.875 / 1.25 = 0.7.
        Assert.Equal(0.7, MetricSuite.Compute(AttributeCase()).Summary["es_accuracy"], Tolerance);

        // Without: y = (0, 0, 0, 1), pred = (0, 0, 1, 1): accuracy 3/4; recall_0 = 2/3, recall_1 = 1.
        // es = 0.75 / (1 + |2/3 − 3/4| + |1 − 3/4|) = 0.75 / (1 + 1/12 + 3/12) = 0.75 / (4/3) = 0.5625.
        Assert.Equal(0.5625, MetricSuite.Compute(MetricTestData.Hand([0, 0, 0, 1], [0, 0, 1, 1], 2)).Summary["es_accuracy"], Tolerance);
    }

    [Fact]
    public void Without_an_attribute_groups_are_classes_and_dpd_eod_do_not_apply()
    {
        // y = (0, 0, 0, 1, 1), pred = (0, 1, 1, 1, 1): recall_0 = 1/3, recall_1 = 1.
        var report = MetricSuite.Compute(MetricTestData.Hand([0, 0, 0, 1, 1], [0, 1, 1, 1, 1], 2, trainCounts: [300, 7]));
        Assert.True(double.IsNaN(report.Summary["dpd"]));
        Assert.True(double.IsNaN(report.Summary["eod"]));
        Assert.Equal(1.0 / 3, report.Summary.WorstGroupAccuracy, Tolerance);
        Assert.Equal((1.0 / 3 + 1) / 2, report.Summary["avg_group_accuracy"], Tolerance);
        Assert.Equal(
            new (long, int, long?, long, long)[] { (0, 0, null, 300, 3), (1, 1, null, 7, 2) },
            report.PerGroup.Select(g => (g.Group, g.ClassIndex, g.Attribute, g.Train, g.Test)));
    }

    [Fact]
    public void Expected_calibration_error_uses_15_equal_width_bins()
    {
        // Dyadic confidences (exact in float). Bins are ((m−1)/15, m/15]:
        //   0.9375, 0.96875 → (14/15, 1] (14/15 ≈ 0.9333); correct yes, no   → acc 0.5, conf 0.953125, |Δ| 0.453125
        //   0.875           → (13/15, 14/15]                  ; correct no   → |0.875 − 0| = 0.875
        //   0.5625          → (8/15, 9/15]                    ; correct yes  → |0.5625 − 1| = 0.4375
        //   0.5             → (7/15, 8/15]                    ; correct no   → |0.5 − 0| = 0.5
        // ECE = 2/5 · 0.453125 + 1/5 · (0.875 + 0.4375 + 0.5) = 0.18125 + 0.3625 = 0.54375.
        var input = MetricTestData.Hand([0, 0, 0, 0, 0], [0, 1, 1, 0, 1], 2, confidence: [0.9375f, 0.96875f, 0.875f, 0.5625f, 0.5f]);
        Assert.Equal(0.54375, MetricSuite.Compute(input).Summary["ece"], Tolerance);

        // Perfect calibration in one bin: confidence 1 (the last bin's closed upper edge), always right → 0.
        Assert.Equal(0.0, MetricSuite.Compute(MetricTestData.Hand([0, 1], [0, 1], 2, confidence: [1f, 1f])).Summary["ece"]);
    }

    [Fact]
    public void Alignment_metrics_per_class_and_overall()
    {
        var input = MetricTestData.Hand([0, 0, 1, 1], [0, 0, 1, 1], 2) with
        {
            TrueAlignment = [0.25f, 0.5f, 0.125f, 0.375f],
            AlignmentMargin = [0.0625f, 0.1875f, -0.125f, 0.25f],
        };
        var report = MetricSuite.Compute(input);

        // mean_alignment: class 0 = (0.25 + 0.5)/2 = 0.375, class 1 = (0.125 + 0.375)/2 = 0.25.
        // mean_margin:    class 0 = (0.0625 + 0.1875)/2 = 0.125, class 1 = (−0.125 + 0.25)/2 = 0.0625.
        Assert.Equal([0.375, 0.25], report.PerClass.Select(c => c.MeanAlignment));
        Assert.Equal([0.125, 0.0625], report.PerClass.Select(c => c.MeanMargin));

        // Over the test samples: (0.25 + 0.5 + 0.125 + 0.375)/4 = 0.3125; worst class 0.25; gap of margins 0.125 − 0.0625.
        Assert.Equal(0.3125, report.Summary["mean_alignment"], Tolerance);
        Assert.Equal(0.25, report.Summary["worst_class_alignment"], Tolerance);
        Assert.Equal(0.0625, report.Summary.AlignmentGap, Tolerance);
    }

    [Fact]
    public void Buckets_by_real_train_count_and_an_empty_bucket_is_NaN()
    {
        // Boundaries: many > 100, medium 20..100, few < 20.
        // Recalls: class 0: 1/1, class 1: 0/1, class 2: 1/2, class 3: 1/1, class 4: 0/1, class 5: 1/1.
        var labels = new long[] { 0, 1, 2, 2, 3, 4, 5 };
        var predicted = new long[] { 0, 0, 2, 0, 3, 0, 5 };
        var report = MetricSuite.Compute(MetricTestData.Hand(labels, predicted, 6, trainCounts: [500, 101, 100, 20, 19, 1]));
        Assert.Equal(
            [Bucket.Many, Bucket.Many, Bucket.Medium, Bucket.Medium, Bucket.Few, Bucket.Few],
            report.PerClass.Select(c => c.Bucket));

        // many = (1 + 0)/2, medium = (0.5 + 1)/2, few = (0 + 1)/2.
        Assert.Equal(0.5, report.Summary["many_accuracy"], Tolerance);
        Assert.Equal(0.75, report.Summary["medium_accuracy"], Tolerance);
        Assert.Equal(0.5, report.Summary["few_accuracy"], Tolerance);

        // No class with 20..100 real images: medium does not apply.
        var gap = MetricSuite.Compute(MetricTestData.Hand([0, 1, 2], [0, 1, 0], 3, trainCounts: [500, 300, 10])).Summary;
        Assert.Equal(1.0, gap["many_accuracy"]);
        Assert.True(double.IsNaN(gap["medium_accuracy"]));
        Assert.Equal(0.0, gap["few_accuracy"]);

        // A bucket whose only class has no test samples does not apply either (its recall is undefined).
        var untested = MetricSuite.Compute(MetricTestData.Hand([0, 0], [0, 0], 2, trainCounts: [500, 5])).Summary;
        Assert.True(double.IsNaN(untested["few_accuracy"]));
    }

    [Fact]
    public void Worst_class_gap_and_harmonic_mean()
    {
        // Recalls: class 0: 4/4 = 1, class 1: 1/2, class 2: 1/4.
        var labels = new long[] { 0, 0, 0, 0, 1, 1, 2, 2, 2, 2 };
        var predicted = new long[] { 0, 0, 0, 0, 1, 0, 2, 0, 0, 0 };
        var s = MetricSuite.Compute(MetricTestData.Hand(labels, predicted, 3)).Summary;
        Assert.Equal(0.25, s.WorstClassAccuracy, Tolerance);
        Assert.Equal(0.75, s["class_accuracy_gap"], Tolerance);

        // 3 / (1/1 + 1/0.5 + 1/0.25) = 3 / 7.
        Assert.Equal(3.0 / 7, s["harmonic_mean_accuracy"], Tolerance);

        // A class with recall 0 makes the harmonic mean 0 (its limit), not NaN.
        var zero = MetricSuite.Compute(MetricTestData.Hand([0, 1, 1], [0, 0, 0], 2)).Summary;
        Assert.Equal(0.0, zero["harmonic_mean_accuracy"]);
        Assert.Equal(0.0, zero.WorstClassAccuracy);
    }

    [Fact]
    public void Robust_accuracy_from_the_eval_attack_or_NaN_without_one()
    {
        // y = (0, 0, 1, 1); robust-correct = (yes, yes, no, yes): class 0: 2/2 = 1, class 1: 1/2; overall 3/4; worst 0.5.
        var input = MetricTestData.Hand([0, 0, 1, 1], [0, 0, 1, 1], 2);
        var report = MetricSuite.Compute(input with { RobustCorrect = [true, true, false, true] });
        Assert.Equal([1.0, 0.5], report.PerClass.Select(c => c.RobustAccuracy));
        Assert.Equal(0.75, report.Summary.RobustAccuracy, Tolerance);
        Assert.Equal(0.5, report.Summary["worst_class_robust_accuracy"], Tolerance);

        var none = MetricSuite.Compute(input);
        Assert.True(double.IsNaN(none.Summary.RobustAccuracy) && double.IsNaN(none.Summary["worst_class_robust_accuracy"]));
        Assert.All(none.PerClass, c => Assert.True(double.IsNaN(c.RobustAccuracy)));
    }

    [Fact]
    public void Per_class_rows_carry_names_counts_and_f1()
    {
        // y = (0, 0, 1, 1), pred = (0, 1, 1, 1): class 0: tp 1, predicted 1 → P 1, R 1/2, F1 = 2·1·0.5/1.5 = 2/3;
        // class 1: tp 2, predicted 3 → P 2/3, R 1, F1 = 2·(2/3)·1/(5/3) = 4/5.
        var input = MetricTestData.Hand([0, 0, 1, 1], [0, 1, 1, 1], 2, trainCounts: [120, 8]) with { TrainTotalCounts = [120, 120] };
        var report = MetricSuite.Compute(input);
        var (c0, c1) = (report.PerClass[0], report.PerClass[1]);
        Assert.Equal(("c0", Bucket.Many, 120L, 120L, 2L, 1L), (c0.ClassName, c0.Bucket, c0.TrainReal, c0.TrainTotal, c0.Test, c0.PredictedCount));
        Assert.Equal(("c1", Bucket.Few, 8L, 120L, 2L, 3L), (c1.ClassName, c1.Bucket, c1.TrainReal, c1.TrainTotal, c1.Test, c1.PredictedCount));
        Assert.Equal([1.0, 2.0 / 3], report.PerClass.Select(c => c.Precision), new ToleranceComparer(Tolerance));
        Assert.Equal([0.5, 1.0], report.PerClass.Select(c => c.Recall));
        Assert.Equal([2.0 / 3, 0.8], report.PerClass.Select(c => c.F1), new ToleranceComparer(Tolerance));
        Assert.Equal((2.0 / 3 + 0.8) / 2, report.Summary["macro_f1"], Tolerance);
    }

    [Fact]
    public void An_empty_test_set_gives_NaN_everywhere_and_no_exception()
    {
        var input = MetricTestData.Hand([], [], 3) with { BootstrapResamples = 100 };
        var report = MetricSuite.Compute(input);
        Assert.All(report.Summary.Columns(), kv => Assert.True(double.IsNaN(kv.Value), kv.Key));
        Assert.All(report.PerClass, c => Assert.Equal(0, c.Test));
    }

    [Fact]
    public void Inconsistent_inputs_are_rejected_with_the_reason()
    {
        var ok = MetricTestData.Hand([0, 1], [0, 1], 2);
        Assert.Contains("label 2", Assert.Throws<ArgumentException>(() => MetricSuite.Compute(ok with { Labels = [0, 2] })).Message, StringComparison.Ordinal);
        Assert.Contains("Confidence", Assert.Throws<ArgumentException>(() => MetricSuite.Compute(ok with { Confidence = [1f] })).Message, StringComparison.Ordinal);
        Assert.Contains("GroupTrainCounts", Assert.Throws<ArgumentException>(() => MetricSuite.Compute(ok with { Attributes = [0, 1], AttributeCount = 2 })).Message, StringComparison.Ordinal);
        Assert.Contains("attribute 2", Assert.Throws<ArgumentException>(() => MetricSuite.Compute(ok with { Attributes = [0, 2], AttributeCount = 2, GroupTrainCounts = new long[4] })).Message, StringComparison.Ordinal);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
