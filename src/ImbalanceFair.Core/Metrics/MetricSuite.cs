using ImbalanceFair.Core.Data.Split;

namespace ImbalanceFair.Core.Metrics;

/// <summary>
/// The test-set metrics of DESIGN §7, on the host, from per-sample predictions: O(N·C) counting plus the bootstrap.
/// Definitions, sources and edge cases: docs/metrics.md. A metric that does not apply is NaN (an empty cell).
/// </summary>
public static class MetricSuite
{
    /// <summary>Equal-width bins of top-1 confidence for ECE (Guo et al. 2017 use 15).</summary>
    public const int EceBins = 15;

    /// <summary>
    /// The summary metrics (summary.csv's metric columns, DESIGN §6-7), in column order: each row is a metric's name,
    /// its definition and its computation. Adding a metric is adding a row; summary.csv, metrics.json and reports
    /// follow this table. docs/metrics.md gives sources and edge cases.
    /// </summary>
    public static IReadOnlyList<MetricDefinition> Table { get; } =
    [
        new("accuracy", "share of test samples classified correctly", x => x.Accuracy),
        new("balanced_accuracy", "mean over classes with test samples of recall_c", x => Mean(x.Recalls)),
        new("macro_f1", "mean over classes of F1_c (scikit-learn, zero_division=0)", x => Mean(x.F1s)),
        new("worst_class_accuracy", "min_c recall_c", x => Min(x.Recalls)),
        new("class_accuracy_gap", "max_c recall_c − min_c recall_c", x => Gap(x.Recalls)),
        new("harmonic_mean_accuracy", "harmonic mean of recall_c", x => HarmonicMean(x.Recalls)),
        new("many_accuracy", "mean recall over classes with more than 100 real training images", x => BucketMean(x.TestedClasses, Bucket.Many)),
        new("medium_accuracy", "mean recall over classes with 20 to 100 real training images", x => BucketMean(x.TestedClasses, Bucket.Medium)),
        new("few_accuracy", "mean recall over classes with fewer than 20 real training images", x => BucketMean(x.TestedClasses, Bucket.Few)),
        new("worst_group_accuracy", "min accuracy over (class, attribute) groups with test samples", x => Min(x.GroupAccuracies)),
        new("avg_group_accuracy", "mean accuracy over groups with test samples", x => Mean(x.GroupAccuracies)),
        new("dpd", "mean over classes of the one-vs-rest demographic parity difference across attribute values (fairlearn)",
            x => x.Input.HasAttribute ? DemographicParity(x.Counts, x.Input.Classes, x.Input.AttributeCount) : double.NaN),
        new("eod", "mean over classes of the one-vs-rest equalized odds difference, worst of TPR and FPR gaps (fairlearn)",
            x => x.Input.HasAttribute ? EqualizedOdds(x.Counts, x.Input.Classes, x.Input.AttributeCount) : double.NaN),
        new("es_accuracy", "accuracy / (1 + Σ_g |acc_g − accuracy|) over attribute values, else classes (FairCLIP)",
            x => EquityScaled(x.Accuracy, x.Input.HasAttribute ? AttributeAccuracies(x.Counts, x.Input.AttributeCount) : x.Recalls)),
        new("ece", $"expected calibration error over {EceBins} equal-width bins of top-1 confidence",
            x => ExpectedCalibrationError(x.Input.Confidence, x.Input.Labels, x.Input.Predicted)),
        new("mean_alignment", "mean over test samples of cos(image, true class prompt)", x => Mean(x.Input.TrueAlignment)),
        new("worst_class_alignment", "min_c of the class's mean alignment", x => Min([.. x.TestedClasses.Select(c => c.MeanAlignment)])),
        new("alignment_gap", "max_c − min_c of the class's mean alignment margin", x => Gap([.. x.TestedClasses.Select(c => c.MeanMargin)])),
        new("robust_accuracy", "share of test samples correct both clean and under eval.attack",
            x => x.Input.RobustCorrect is null || x.Input.Count == 0 ? double.NaN : (double)x.Counts.RobustTotal / x.Input.Count),
        new("worst_class_robust_accuracy", "min_c robust accuracy of the class",
            x => x.Input.RobustCorrect is null ? double.NaN : Min([.. x.TestedClasses.Select(c => c.RobustAccuracy)])),
        new("balanced_accuracy_ci_low", "2.5th percentile of balanced accuracy over bootstrap resamples of the test set",
            x => x.Resamples is { } b ? Bootstrap.Percentile(b.Balanced, Bootstrap.LowPercent) : double.NaN),
        new("balanced_accuracy_ci_high", "97.5th percentile of balanced accuracy over bootstrap resamples",
            x => x.Resamples is { } b ? Bootstrap.Percentile(b.Balanced, Bootstrap.HighPercent) : double.NaN),
        new("worst_group_accuracy_ci_low", "2.5th percentile of worst-group accuracy over bootstrap resamples",
            x => x.Resamples is { } b ? Bootstrap.Percentile(b.WorstGroup, Bootstrap.LowPercent) : double.NaN),
        new("worst_group_accuracy_ci_high", "97.5th percentile of worst-group accuracy over bootstrap resamples",
            x => x.Resamples is { } b ? Bootstrap.Percentile(b.WorstGroup, Bootstrap.HighPercent) : double.NaN),
    ];

    public static MetricReport Compute(MetricInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.Validate();
        var counts = Counts.Of(input);
        var perClass = PerClass(input, counts);
        var perGroup = PerGroup(input, counts);
        var context = new MetricContext(input, counts, perClass, perGroup);
        var summary = new SummaryMetrics(Table.ToDictionary(m => m.Name, m => m.Compute(context), StringComparer.Ordinal));
        return new MetricReport(summary, perClass, perGroup);
    }

    /// <summary>What a summary metric is computed from: the input, the counts and the per-class and per-group rows.</summary>
    public sealed class MetricContext
    {
        private readonly Lazy<(double[] Balanced, double[] WorstGroup)?> _bootstrap;

        internal MetricContext(MetricInput input, Counts counts, ClassMetrics[] perClass, GroupMetrics[] perGroup)
        {
            Input = input;
            Counts = counts;

            // Classes with test samples: recall (= per-class accuracy) is defined only for them.
            TestedClasses = [.. perClass.Where(c => c.Test > 0)];
            Recalls = [.. TestedClasses.Select(c => c.Recall)];
            GroupAccuracies = [.. perGroup.Where(g => g.Test > 0).Select(g => g.Accuracy)];
            F1s = [.. perClass.Where(c => !double.IsNaN(c.F1)).Select(c => c.F1)];
            Accuracy = input.Count == 0 ? double.NaN : (double)counts.CorrectTotal / input.Count;
            _bootstrap = new(() => input.BootstrapResamples > 0 && input.Count > 0
                ? Bootstrap.Replicates(counts.GroupOf, counts.Correct, counts.ClassOfGroup, input.Classes, input.BootstrapResamples, input.BootstrapSeed)
                : null);
        }

        public MetricInput Input { get; }

        internal Counts Counts { get; }

        public ClassMetrics[] TestedClasses { get; }

        public double[] Recalls { get; }

        public double[] GroupAccuracies { get; }

        public double[] F1s { get; }

        public double Accuracy { get; }

        /// <summary>Balanced and worst-group accuracy of each bootstrap resample (computed once, when a CI asks); null without resamples.</summary>
        public (double[] Balanced, double[] WorstGroup)? Resamples => _bootstrap.Value;
    }

    /// <summary>
    /// Per class, as scikit-learn's precision_recall_fscore_support(zero_division=0) over the labels present in
    /// y_true or y_pred; recall (= accuracy) is NaN for a class without test samples (balanced_accuracy_score drops
    /// such classes), and a class neither in the test set nor predicted has NaN precision and F1.
    /// </summary>
    private static ClassMetrics[] PerClass(MetricInput input, Counts counts)
    {
        var rows = new ClassMetrics[input.Classes];
        for (var c = 0; c < rows.Length; c++)
        {
            var test = counts.ClassTotal[c];
            var predicted = counts.PredictedTotal[c];
            var tp = counts.ClassCorrect[c];
            var recall = test > 0 ? (double)tp / test : double.NaN;
            double precision, f1;
            if (test == 0 && predicted == 0)
            {
                precision = f1 = double.NaN;
            }
            else
            {
                // scikit-learn: precision = tp / pred_sum, recall = tp / true_sum, 0 where the denominator is 0;
                // f = (1 + β²)·P·R / (β²·P + R) with a zero denominator replaced by 1.
                precision = predicted > 0 ? (double)tp / predicted : 0;
                var r = test > 0 ? (double)tp / test : 0;
                var denominator = precision + r;
                f1 = 2 * precision * r / (denominator == 0 ? 1 : denominator);
            }

            rows[c] = new ClassMetrics(
                c,
                input.ClassNames[c],
                Buckets.Of(input.TrainCounts[c]),
                input.TrainCounts[c],
                (input.TrainTotalCounts ?? input.TrainCounts)[c],
                test,
                predicted,
                recall,
                precision,
                recall,
                f1,
                test > 0 ? counts.AlignmentSum[c] / test : double.NaN,
                test > 0 ? counts.MarginSum[c] / test : double.NaN,
                input.RobustCorrect is not null && test > 0 ? (double)counts.RobustCorrect[c] / test : double.NaN);
        }

        return rows;
    }

    /// <summary>
    /// One row per group id: every (class, attribute) pair with an attribute (accuracy NaN where the group has no test
    /// samples), every class without.
    /// </summary>
    private static GroupMetrics[] PerGroup(MetricInput input, Counts counts)
    {
        var rows = new GroupMetrics[counts.ClassOfGroup.Length];
        for (var g = 0; g < rows.Length; g++)
        {
            var test = counts.GroupTotal[g];
            var accuracy = test > 0 ? (double)counts.GroupCorrect[g] / test : double.NaN;
            rows[g] = input.HasAttribute
                ? new GroupMetrics(g, g / input.AttributeCount, g % input.AttributeCount, input.GroupTrainCounts![g], test, accuracy)
                : new GroupMetrics(g, g, null, input.TrainCounts[g], test, accuracy);
        }

        return rows;
    }

    /// <summary>
    /// fairlearn's demographic_parity_difference (max − min over attribute values present of the selection rate
    /// P(pred = c | a)) for the one-vs-rest problem of each class c, averaged over the C classes (FairCLIP).
    /// </summary>
    private static double DemographicParity(Counts counts, int classes, int attributes)
    {
        var total = 0.0;
        for (var c = 0; c < classes; c++)
        {
            double max = double.NegativeInfinity, min = double.PositiveInfinity;
            for (var a = 0; a < attributes; a++)
            {
                var na = counts.AttributeTotal[a];
                if (na == 0)
                {
                    continue;
                }

                var rate = (double)counts.AttributePredicted[(a * classes) + c] / na;
                max = Math.Max(max, rate);
                min = Math.Min(min, rate);
            }

            if (double.IsInfinity(max))
            {
                return double.NaN;
            }

            total += max - min;
        }

        return total / classes;
    }

    /// <summary>
    /// fairlearn's equalized_odds_difference (agg='worst_case': the larger of the TPR and FPR differences, each max − min
    /// over attribute values present) for the one-vs-rest problem of each class c, averaged over the C classes
    /// (FairCLIP). As in fairlearn (scikit-learn's confusion_matrix(normalize='true') maps 0/0 to 0), a group without
    /// positives has TPR 0 and a group without negatives has FPR 0.
    /// </summary>
    private static double EqualizedOdds(Counts counts, int classes, int attributes)
    {
        var total = 0.0;
        for (var c = 0; c < classes; c++)
        {
            double maxTpr = double.NegativeInfinity, minTpr = double.PositiveInfinity;
            double maxFpr = double.NegativeInfinity, minFpr = double.PositiveInfinity;
            for (var a = 0; a < attributes; a++)
            {
                var na = counts.AttributeTotal[a];
                if (na == 0)
                {
                    continue;
                }

                var positives = counts.AttributeLabelled[(a * classes) + c];
                var truePositives = counts.AttributeTruePositive[(a * classes) + c];
                var negatives = na - positives;
                var falsePositives = counts.AttributePredicted[(a * classes) + c] - truePositives;
                var tpr = positives > 0 ? (double)truePositives / positives : 0;
                var fpr = negatives > 0 ? (double)falsePositives / negatives : 0;
                maxTpr = Math.Max(maxTpr, tpr);
                minTpr = Math.Min(minTpr, tpr);
                maxFpr = Math.Max(maxFpr, fpr);
                minFpr = Math.Min(minFpr, fpr);
            }

            if (double.IsInfinity(maxTpr))
            {
                return double.NaN;
            }

            total += Math.Max(maxTpr - minTpr, maxFpr - minFpr);
        }

        return total / classes;
    }

    private static double[] AttributeAccuracies(Counts counts, int attributes)
    {
        var accuracies = new List<double>(attributes);
        for (var a = 0; a < attributes; a++)
        {
            if (counts.AttributeTotal[a] > 0)
            {
                accuracies.Add((double)counts.AttributeCorrect[a] / counts.AttributeTotal[a]);
            }
        }

        return accuracies.ToArray();
    }

    /// <summary>FairCLIP's equity-scaled accuracy: acc / (1 + Σ_g |acc_g − acc|) (α = 1).</summary>
    private static double EquityScaled(double accuracy, double[] groupAccuracies)
    {
        if (double.IsNaN(accuracy) || groupAccuracies.Length == 0)
        {
            return double.NaN;
        }

        var spread = 0.0;
        foreach (var g in groupAccuracies)
        {
            spread += Math.Abs(g - accuracy);
        }

        return accuracy / (spread + 1);
    }

    /// <summary>
    /// Guo et al. (2017), §2: Σ_m |B_m|/n · |acc(B_m) − conf(B_m)| over <see cref="EceBins"/> equal-width bins
    /// B_m = ((m−1)/M, m/M] of top-1 confidence. A confidence of exactly 0 counts in the first bin (it cannot occur
    /// for a softmax); a NaN confidence in none.
    /// </summary>
    internal static double ExpectedCalibrationError(float[] confidence, long[] labels, long[] predicted)
    {
        var n = confidence.Length;
        if (n == 0)
        {
            return double.NaN;
        }

        var edges = new double[EceBins + 1];
        for (var m = 0; m <= EceBins; m++)
        {
            edges[m] = m / (double)EceBins;
        }

        var count = new long[EceBins];
        var correct = new long[EceBins];
        var confidenceSum = new double[EceBins];
        for (var i = 0; i < n; i++)
        {
            double p = confidence[i];
            if (double.IsNaN(p))
            {
                continue;
            }

            // The bin with edges[m] < p ≤ edges[m + 1]: start from the arithmetic guess, correct at the edges.
            var m = Math.Clamp((int)Math.Ceiling(p * EceBins) - 1, 0, EceBins - 1);
            while (m > 0 && p <= edges[m])
            {
                m--;
            }

            while (m < EceBins - 1 && p > edges[m + 1])
            {
                m++;
            }

            count[m]++;
            confidenceSum[m] += p;
            if (labels[i] == predicted[i])
            {
                correct[m]++;
            }
        }

        var ece = 0.0;
        for (var m = 0; m < EceBins; m++)
        {
            if (count[m] == 0)
            {
                continue;
            }

            var accuracyInBin = (double)correct[m] / count[m];
            var confidenceInBin = confidenceSum[m] / count[m];
            ece += Math.Abs(confidenceInBin - accuracyInBin) * ((double)count[m] / n);
        }

        return ece;
    }

    private static double BucketMean(ClassMetrics[] tested, Bucket bucket) =>
        Mean(tested.Where(c => c.Bucket == bucket).Select(c => c.Recall).ToArray());

    private static double Mean(double[] values)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum / values.Length;
    }

    private static double Mean(float[] values) => Mean(Array.ConvertAll(values, v => (double)v));

    private static double Min(double[] values) => values.Length == 0 ? double.NaN : values.Min();

    private static double Gap(double[] values) => values.Length == 0 ? double.NaN : values.Max() - values.Min();

    /// <summary>n / Σ 1/r; 0 when any recall is 0 (the limit, and scipy.stats.hmean's value).</summary>
    private static double HarmonicMean(double[] recalls)
    {
        if (recalls.Length == 0)
        {
            return double.NaN;
        }

        var inverse = 0.0;
        foreach (var r in recalls)
        {
            if (r == 0)
            {
                return 0;
            }

            inverse += 1 / r;
        }

        return recalls.Length / inverse;
    }

    /// <summary>The counts every metric is computed from: one pass over the test samples.</summary>
    internal sealed class Counts
    {
        public required long[] ClassTotal { get; init; }

        public required long[] ClassCorrect { get; init; }

        public required long[] PredictedTotal { get; init; }

        public required double[] AlignmentSum { get; init; }

        public required double[] MarginSum { get; init; }

        public required long[] RobustCorrect { get; init; }

        public required long[] GroupTotal { get; init; }

        public required long[] GroupCorrect { get; init; }

        /// <summary>Per group id: its class.</summary>
        public required int[] ClassOfGroup { get; init; }

        /// <summary>Per test sample: its group id and whether it is classified correctly (for the bootstrap).</summary>
        public required int[] GroupOf { get; init; }

        public required bool[] Correct { get; init; }

        public long CorrectTotal { get; init; }

        public long RobustTotal { get; init; }

        // With an attribute: per attribute value a, and per (a, class c) at a·C + c.
        public required long[] AttributeTotal { get; init; }

        public required long[] AttributeCorrect { get; init; }

        /// <summary>Samples with attribute a predicted as c.</summary>
        public required long[] AttributePredicted { get; init; }

        /// <summary>Samples with attribute a labelled c.</summary>
        public required long[] AttributeLabelled { get; init; }

        /// <summary>Samples with attribute a labelled and predicted c.</summary>
        public required long[] AttributeTruePositive { get; init; }

        public static Counts Of(MetricInput input)
        {
            var n = input.Count;
            var classes = input.Classes;
            var attributes = input.HasAttribute ? input.AttributeCount : 0;
            var groups = input.HasAttribute ? classes * attributes : classes;
            var classTotal = new long[classes];
            var classCorrect = new long[classes];
            var predictedTotal = new long[classes];
            var alignmentSum = new double[classes];
            var marginSum = new double[classes];
            var robustCorrect = new long[classes];
            var groupTotal = new long[groups];
            var groupCorrect = new long[groups];
            var groupOf = new int[n];
            var correct = new bool[n];
            var attributeTotal = new long[attributes];
            var attributeCorrect = new long[attributes];
            var attributePredicted = new long[attributes * classes];
            var attributeLabelled = new long[attributes * classes];
            var attributeTruePositive = new long[attributes * classes];
            long correctTotal = 0, robustTotal = 0;
            for (var i = 0; i < n; i++)
            {
                var y = (int)input.Labels[i];
                var p = (int)input.Predicted[i];
                var ok = y == p;
                correct[i] = ok;
                classTotal[y]++;
                predictedTotal[p]++;
                alignmentSum[y] += input.TrueAlignment[i];
                marginSum[y] += input.AlignmentMargin[i];
                var g = y;
                if (input.Attributes is { } attr)
                {
                    var a = (int)attr[i];
                    g = (int)GroupIds.Of(y, a, attributes);
                    attributeTotal[a]++;
                    attributePredicted[(a * classes) + p]++;
                    attributeLabelled[(a * classes) + y]++;
                    if (ok)
                    {
                        attributeCorrect[a]++;
                        attributeTruePositive[(a * classes) + y]++;
                    }
                }

                groupOf[i] = g;
                groupTotal[g]++;
                if (ok)
                {
                    correctTotal++;
                    classCorrect[y]++;
                    groupCorrect[g]++;
                }

                if (input.RobustCorrect is { } robust && robust[i])
                {
                    robustTotal++;
                    robustCorrect[y]++;
                }
            }

            var classOfGroup = new int[groups];
            for (var g = 0; g < groups; g++)
            {
                classOfGroup[g] = input.HasAttribute ? g / attributes : g;
            }

            return new Counts
            {
                ClassTotal = classTotal,
                ClassCorrect = classCorrect,
                PredictedTotal = predictedTotal,
                AlignmentSum = alignmentSum,
                MarginSum = marginSum,
                RobustCorrect = robustCorrect,
                GroupTotal = groupTotal,
                GroupCorrect = groupCorrect,
                ClassOfGroup = classOfGroup,
                GroupOf = groupOf,
                Correct = correct,
                CorrectTotal = correctTotal,
                RobustTotal = robustTotal,
                AttributeTotal = attributeTotal,
                AttributeCorrect = attributeCorrect,
                AttributePredicted = attributePredicted,
                AttributeLabelled = attributeLabelled,
                AttributeTruePositive = attributeTruePositive,
            };
        }
    }
}
