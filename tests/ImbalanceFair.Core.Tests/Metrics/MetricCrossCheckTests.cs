using ImbalanceFair.Core.Metrics;

namespace ImbalanceFair.Core.Tests.Metrics;

/// <summary>
/// Side by side with independent implementations in Debian's python3 on the same predictions: scikit-learn for the
/// accuracy family, fairlearn's code path (re-traced with scikit-learn's confusion_matrix, as fairlearn itself computes
/// its rates) for dpd/eod, FairCLIP's equity_scaled_accuracy and the usual numpy ECE loop.
/// </summary>
public class MetricCrossCheckTests
{
    private const double Tolerance = 1e-12;

    private const string SklearnScript = """
        import json, sys, warnings
        import numpy as np
        from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, precision_recall_fscore_support
        warnings.simplefilter("ignore")
        d = json.load(open(sys.argv[1]))
        y = np.array(d["labels"], dtype=np.int64)
        p = np.array(d["predicted"], dtype=np.int64)
        C = d["classes"]
        pr, rc, f1, support = precision_recall_fscore_support(y, p, labels=list(range(C)), zero_division=0)
        print(json.dumps({
            "accuracy": accuracy_score(y, p),
            "balanced_accuracy": balanced_accuracy_score(y, p),
            "macro_f1": f1_score(y, p, average="macro", zero_division=0),
            "precision": pr.tolist(), "recall": rc.tolist(), "f1": f1.tolist(), "support": support.tolist(),
            "present": sorted(set(y.tolist()) | set(p.tolist())),
        }))
        """;

    public static TheoryData<long, int, int, double> Cases => new()
    {
        { 0, 10, 2000, 100 },
        { 1, 10, 500, 10 },
        { 2, 5, 300, 50 },
        { 3, 20, 3000, 200 },
        { 4, 2, 100, 5 },
        { 5, 37, 1500, 100 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Accuracy_family_matches_scikit_learn(long seed, int classes, int n, double ratio)
    {
        var input = MetricTestData.Random(seed, classes, n, ratio);
        var report = MetricSuite.Compute(input);
        var sk = MetricTestData.RunPython(SklearnScript, input);

        Assert.Equal(sk.GetProperty("accuracy").GetDouble(), report.Summary.Accuracy, Tolerance);
        Assert.Equal(sk.GetProperty("balanced_accuracy").GetDouble(), report.Summary.BalancedAccuracy, Tolerance);
        Assert.Equal(sk.GetProperty("macro_f1").GetDouble(), report.Summary["macro_f1"], Tolerance);
        AssertPerClassMatches(sk, report);
    }

    /// <summary>
    /// Classes absent from the test set: class 3 is predicted but has no test samples, class 2 appears nowhere.
    /// scikit-learn's balanced_accuracy_score drops class 3 (with a warning), f1_score(average='macro') averages over
    /// the labels in y_true ∪ y_pred = {0, 1, 3}: we agree with both; per class we leave recall empty where sklearn
    /// writes its zero_division placeholder 0, and leave class 2 (outside sklearn's labels) empty altogether.
    /// </summary>
    [Fact]
    public void Classes_absent_from_the_test_set_follow_scikit_learn()
    {
        var input = MetricTestData.Hand([0, 0, 1, 1, 4, 4, 4], [0, 3, 1, 0, 4, 4, 1], 5);
        var report = MetricSuite.Compute(input);
        var sk = MetricTestData.RunPython(SklearnScript, input);

        Assert.Equal(sk.GetProperty("balanced_accuracy").GetDouble(), report.Summary.BalancedAccuracy, Tolerance);
        Assert.Equal(sk.GetProperty("macro_f1").GetDouble(), report.Summary["macro_f1"], Tolerance);
        AssertPerClassMatches(sk, report);
        Assert.True(double.IsNaN(report.PerClass[2].Precision) && double.IsNaN(report.PerClass[2].F1) && double.IsNaN(report.PerClass[2].Recall));
        Assert.True(double.IsNaN(report.PerClass[3].Recall) && double.IsNaN(report.PerClass[3].Accuracy));
        Assert.Equal(0.0, report.PerClass[3].Precision);
        Assert.Equal(0.0, report.PerClass[3].F1);
    }

    private static void AssertPerClassMatches(System.Text.Json.JsonElement sk, MetricReport report)
    {
        var precision = sk.GetProperty("precision").Doubles();
        var recall = sk.GetProperty("recall").Doubles();
        var f1 = sk.GetProperty("f1").Doubles();
        var support = sk.GetProperty("support").Doubles();
        var present = sk.GetProperty("present").EnumerateArray().Select(e => e.GetInt32()).ToHashSet();
        foreach (var c in report.PerClass)
        {
            Assert.Equal((long)support[c.ClassIndex], c.Test);
            if (c.Test > 0)
            {
                Assert.Equal(recall[c.ClassIndex], c.Recall, Tolerance);
                Assert.Equal(c.Recall, c.Accuracy);
            }
            else
            {
                Assert.True(double.IsNaN(c.Recall), $"class {c.ClassIndex}: recall on no test samples is empty");
                Assert.Equal(0.0, recall[c.ClassIndex]);
            }

            if (present.Contains(c.ClassIndex))
            {
                Assert.Equal(precision[c.ClassIndex], c.Precision, Tolerance);
                Assert.Equal(f1[c.ClassIndex], c.F1, Tolerance);
            }
            else
            {
                Assert.True(double.IsNaN(c.Precision) && double.IsNaN(c.F1), $"class {c.ClassIndex} is neither in the test set nor predicted");
            }
        }
    }

    private const string FairnessScript = """
        import json, sys
        import numpy as np
        from sklearn.metrics import confusion_matrix
        d = json.load(open(sys.argv[1]))
        y = np.array(d["labels"], dtype=np.int64)
        p = np.array(d["predicted"], dtype=np.int64)
        a = np.array(d["attributes"], dtype=np.int64)
        C = d["classes"]
        values = np.unique(a)

        # fairlearn: selection_rate = mean(y_pred == 1); true/false_positive_rate from
        # skm.confusion_matrix(y_true, y_pred, labels=[neg, pos], normalize="true").ravel() = tnr, fpr, fnr, tpr;
        # MetricFrame.difference(method="between_groups") = max - min over the groups present;
        # equalized_odds_difference(agg="worst_case") = max(tpr difference, fpr difference).
        dpds, eods = [], []
        for c in range(C):
            yt = (y == c).astype(np.int64)
            yp = (p == c).astype(np.int64)
            sel = [np.mean(yp[a == v] == 1) for v in values]
            tprs, fprs = [], []
            for v in values:
                tnr, fpr, fnr, tpr = confusion_matrix(yt[a == v], yp[a == v], labels=[0, 1], normalize="true").ravel()
                tprs.append(tpr); fprs.append(fpr)
            dpds.append(max(sel) - min(sel))
            eods.append(max(max(tprs) - min(tprs), max(fprs) - min(fprs)))

        # FairCLIP's equity_scaled_accuracy (alpha = 1) over attribute values.
        overall = np.sum(p == y) / y.shape[0]
        tmp = 0.0
        for v in values:
            tmp += np.abs(np.sum(p[a == v] == y[a == v]) / np.sum(a == v) - overall)
        es = overall / (tmp + 1)

        # Without an attribute: the same over classes.
        tmp_c = 0.0
        for c in np.unique(y):
            tmp_c += np.abs(np.sum(p[y == c] == c) / np.sum(y == c) - overall)
        es_classes = overall / (tmp_c + 1)

        # Guo et al. ECE, 15 equal-width bins (lo, hi].
        conf = np.array(d["confidence"], dtype=np.float32).astype(np.float64)
        correct = (y == p).astype(np.float64)
        edges = np.arange(16) / 15
        ece = 0.0
        for lo, hi in zip(edges[:-1], edges[1:]):
            inb = (conf > lo) & (conf <= hi)
            if inb.any():
                ece += abs(conf[inb].mean() - correct[inb].mean()) * inb.mean()

        print(json.dumps({"dpd": float(np.mean(dpds)), "eod": float(np.mean(eods)), "es": float(es),
                          "es_classes": float(es_classes), "ece": float(ece)}))
        """;

    [Theory]
    [InlineData(0, 10, 2000, 2)]
    [InlineData(1, 5, 400, 3)]
    [InlineData(2, 2, 120, 2)]
    [InlineData(3, 12, 300, 4)]
    public void Fairness_and_calibration_match_reference_implementations(long seed, int classes, int n, int attributes)
    {
        var input = MetricTestData.Random(seed, classes, n, 20, attributes);
        var report = MetricSuite.Compute(input);
        var reference = MetricTestData.RunPython(FairnessScript, input);
        Assert.Equal(reference.GetProperty("dpd").GetDouble(), report.Summary["dpd"], Tolerance);
        Assert.Equal(reference.GetProperty("eod").GetDouble(), report.Summary["eod"], Tolerance);
        Assert.Equal(reference.GetProperty("es").GetDouble(), report.Summary["es_accuracy"], Tolerance);
        Assert.Equal(reference.GetProperty("ece").GetDouble(), report.Summary["ece"], Tolerance);

        var withoutAttribute = MetricSuite.Compute(input with { Attributes = null, AttributeCount = 0, GroupTrainCounts = null });
        Assert.Equal(reference.GetProperty("es_classes").GetDouble(), withoutAttribute.Summary["es_accuracy"], Tolerance);
        Assert.True(double.IsNaN(withoutAttribute.Summary["dpd"]) && double.IsNaN(withoutAttribute.Summary["eod"]));
    }
}
