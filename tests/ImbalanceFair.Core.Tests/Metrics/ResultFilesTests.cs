using System.Globalization;
using System.Text.Json;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Results;
using ImbalanceFair.Core.Tests.Support;

namespace ImbalanceFair.Core.Tests.Metrics;

public class ResultFilesTests
{
    // The headers exactly as DESIGN §6 lists them: users' scripts read these files by column name.
    private const string PredictionsHeader = "test_index,label,attribute,group,prediction,confidence,margin";

    private const string PerClassHeader =
        "run_id,class_index,class_name,bucket,n_train_real,n_train_total,n_test,accuracy,precision,recall,f1,mean_alignment,mean_margin,robust_accuracy";

    private const string PerGroupHeader = "run_id,group,class_index,attribute,n_train,n_test,accuracy";

    private const string SummaryHeader =
        "run_id,name,dataset,strategy,imbalance_ratio,seed,arch,train_mode,loss,epochs,accuracy,balanced_accuracy,macro_f1," +
        "worst_class_accuracy,class_accuracy_gap,harmonic_mean_accuracy,many_accuracy,medium_accuracy,few_accuracy," +
        "worst_group_accuracy,avg_group_accuracy,dpd,eod,es_accuracy,ece,mean_alignment,worst_class_alignment,alignment_gap," +
        "robust_accuracy,worst_class_robust_accuracy,balanced_accuracy_ci_low,balanced_accuracy_ci_high," +
        "worst_group_accuracy_ci_low,worst_group_accuracy_ci_high,train_seconds,train_images_per_second,device";

    private static readonly RunDescription Run = new()
    {
        RunId = "fmnist-lt100/0123456789ab",
        Name = "fmnist-lt100",
        Dataset = "fashion-mnist",
        Strategy = "pgd",
        ImbalanceRatio = 100,
        Seed = 2,
        Arch = "tiny-clip",
        TrainMode = "text-head",
        Loss = "ce",
        Epochs = 10,
        TrainSeconds = 12.5,
        TrainImagesPerSecond = double.NaN,
        Device = "cpu",
    };

    /// <summary>3 classes, no attribute, no attack, no bootstrap, and no class with 20..100 real images (medium is empty).</summary>
    private static MetricInput Input() => new()
    {
        Labels = [0, 0, 1, 1, 2, 2],
        Predicted = [0, 1, 1, 1, 2, 0],
        Confidence = [0.8f, 0.6f, 0.9f, 0.7f, 1f / 3, 0.5f],
        TrueAlignment = [0.3f, 0.2f, 0.25f, 0.35f, 0.1f, 0.15f],
        AlignmentMargin = [0.1f, -0.05f, 0.2f, 0.05f, 0.01f, -0.1f],
        ClassNames = ["T-shirt/top", "Trouser, long", "Bag \"x\""],
        TrainCounts = [600, 150, 6],
        TrainTotalCounts = [600, 150, 600],
        BootstrapResamples = 0,
    };

    private static MetricInput WithAttribute() => Input() with
    {
        Attributes = [0, 1, 0, 1, 1, 1],
        AttributeCount = 2,
        GroupTrainCounts = [300, 300, 75, 75, 1, 5],
    };

    private static readonly long[] TestIndices = [10, 11, 25, 26, 9000, 3];

    [Fact]
    public void Files_have_exactly_the_documented_headers_and_no_temporary_files_remain()
    {
        using var dir = new TempDir();
        var input = WithAttribute();
        ResultFiles.WriteAll(dir.Path, Run, input, TestIndices, MetricSuite.Compute(input));

        Assert.Equal(PredictionsHeader, File.ReadLines(dir.File("predictions.csv")).First());
        Assert.Equal(PerClassHeader, File.ReadLines(dir.File("per_class.csv")).First());
        Assert.Equal(PerGroupHeader, File.ReadLines(dir.File("per_group.csv")).First());
        Assert.Equal(SummaryHeader, File.ReadLines(dir.File("summary.csv")).First());
        Assert.Equal(SummaryHeader.Split(','), ResultFiles.SummaryColumns);
        Assert.Equal(
            ["metrics.json", "per_class.csv", "per_group.csv", "predictions.csv", "summary.csv"],
            Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Summary_row_has_the_run_description_round_trip_numbers_and_empty_cells_for_what_does_not_apply()
    {
        using var dir = new TempDir();
        var report = MetricSuite.Compute(Input());
        ResultFiles.WriteSummary(dir.File("summary.csv"), Run, report.Summary);
        var (header, rows) = CsvFile.Read(dir.File("summary.csv"));
        var row = Assert.Single(rows);
        var cell = header.Zip(row).ToDictionary(x => x.First, x => x.Second, StringComparer.Ordinal);

        Assert.Equal(("fmnist-lt100/0123456789ab", "fmnist-lt100", "fashion-mnist", "pgd", "100", "2"), (cell["run_id"], cell["name"], cell["dataset"], cell["strategy"], cell["imbalance_ratio"], cell["seed"]));
        Assert.Equal(("tiny-clip", "text-head", "ce", "10", "12.5", "", "cpu"), (cell["arch"], cell["train_mode"], cell["loss"], cell["epochs"], cell["train_seconds"], cell["train_images_per_second"], cell["device"]));

        // Without an attribute, an attack, a bootstrap or a medium class these do not apply.
        foreach (var empty in new[]
        {
            "dpd", "eod", "robust_accuracy", "worst_class_robust_accuracy", "medium_accuracy", "balanced_accuracy_ci_low",
            "balanced_accuracy_ci_high", "worst_group_accuracy_ci_low", "worst_group_accuracy_ci_high",
        })
        {
            Assert.Equal("", cell[empty]);
        }

        // Every metric that applies round-trips exactly (invariant culture, shortest round-trip text).
        foreach (var (name, value) in report.Summary.Columns().Where(kv => !double.IsNaN(kv.Value)))
        {
            Assert.Equal(value, double.Parse(cell[name], CultureInfo.InvariantCulture));
        }

        // accuracy = 4/6 and balanced accuracy = (1/2 + 1 + 1/2)/3 = 2/3: "0.6666666666666666", not a rounded figure.
        Assert.Equal((2.0 / 3).ToString("R", CultureInfo.InvariantCulture), cell["accuracy"]);
        Assert.Equal("0.6666666666666666", cell["balanced_accuracy"]);
    }

    [Fact]
    public void Per_class_and_per_group_rows()
    {
        using var dir = new TempDir();
        var report = MetricSuite.Compute(WithAttribute() with { RobustCorrect = [true, false, true, false, false, false] });
        ResultFiles.WritePerClass(dir.File("per_class.csv"), Run, report);
        ResultFiles.WritePerGroup(dir.File("per_group.csv"), Run, report);

        var (_, classes) = CsvFile.Read(dir.File("per_class.csv"));
        Assert.Equal(3, classes.Count);
        // Class 1: predicted {1, 2, 3} → tp 2 of 3 predictions, 2 of 2 samples: precision 2/3, recall 1, F1 0.8.
        Assert.Equal(
            ["fmnist-lt100/0123456789ab", "1", "Trouser, long", "many", "150", "150", "2", "1", (2.0 / 3).ToString("R", CultureInfo.InvariantCulture), "1", "0.8"],
            classes[1].Take(11));
        Assert.Equal("0.5", classes[1][13]);
        Assert.Equal(["2", "Bag \"x\"", "few", "6", "600"], classes[2][1..6]);

        var (_, groups) = CsvFile.Read(dir.File("per_group.csv"));
        // group = 2·class + attribute; group 0 = (0, 0) has sample 0 (right); group 2 = (1, 0) has sample 2 (right);
        // group 4 = (2, 0) has no test sample: accuracy empty.
        Assert.Equal(6, groups.Count);
        Assert.Equal(["fmnist-lt100/0123456789ab", "0", "0", "0", "300", "1", "1"], groups[0]);
        Assert.Equal(["fmnist-lt100/0123456789ab", "4", "2", "0", "1", "0", ""], groups[4]);
        Assert.Equal(["fmnist-lt100/0123456789ab", "5", "2", "1", "5", "2", "0.5"], groups[5]);

        // Without an attribute the attribute cell is empty and the group is the class.
        var plain = MetricSuite.Compute(Input());
        ResultFiles.WritePerGroup(dir.File("plain.csv"), Run, plain);
        var (_, plainGroups) = CsvFile.Read(dir.File("plain.csv"));
        Assert.Equal(["fmnist-lt100/0123456789ab", "2", "2", "", "6", "2", "0.5"], plainGroups[2]);
    }

    [Fact]
    public void Predictions_rows_with_and_without_an_attribute()
    {
        using var dir = new TempDir();
        ResultFiles.WritePredictions(dir.File("a.csv"), TestIndices, WithAttribute());
        ResultFiles.WritePredictions(dir.File("b.csv"), TestIndices, Input());
        var (_, with) = CsvFile.Read(dir.File("a.csv"));
        var (_, without) = CsvFile.Read(dir.File("b.csv"));

        // Sample 4: test index 9000, label 2, attribute 1 → group 2·2 + 1 = 5, predicted 2; float text is the shortest round trip.
        Assert.Equal(["9000", "2", "1", "5", "2", "0.33333334", "0.01"], with[4]);
        Assert.Equal(["9000", "2", "", "2", "2", "0.33333334", "0.01"], without[4]);
        Assert.Equal(["11", "0", "1", "1", "1", "0.6", "-0.05"], with[1]);
        Assert.Equal(1f / 3, float.Parse(with[4][5], CultureInfo.InvariantCulture));

        Assert.Throws<ArgumentException>(() => ResultFiles.WritePredictions(dir.File("c.csv"), [1, 2], Input()));
    }

    [Fact]
    public void Metrics_json_mirrors_the_csv_columns_with_null_for_what_does_not_apply()
    {
        using var dir = new TempDir();
        var report = MetricSuite.Compute(Input());
        ResultFiles.WriteMetricsJson(dir.File("metrics.json"), Run, report);
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File("metrics.json")));
        var root = doc.RootElement;
        Assert.Equal(["summary", "per_class", "per_group"], root.EnumerateObject().Select(p => p.Name));

        var summary = root.GetProperty("summary");
        Assert.Equal(SummaryHeader.Split(','), summary.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("dpd").ValueKind);
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("medium_accuracy").ValueKind);
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("train_images_per_second").ValueKind);
        Assert.Equal("pgd", summary.GetProperty("strategy").GetString());
        Assert.Equal(10, summary.GetProperty("epochs").GetInt64());
        Assert.Equal(report.Summary.BalancedAccuracy, summary.GetProperty("balanced_accuracy").GetDouble());
        Assert.Equal(report.Summary["ece"], summary.GetProperty("ece").GetDouble());

        var perClass = root.GetProperty("per_class").EnumerateArray().ToArray();
        Assert.Equal(3, perClass.Length);
        Assert.Equal(PerClassHeader.Split(','), perClass[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("Bag \"x\"", perClass[2].GetProperty("class_name").GetString());
        Assert.Equal("few", perClass[2].GetProperty("bucket").GetString());
        Assert.Equal(JsonValueKind.Null, perClass[2].GetProperty("robust_accuracy").ValueKind);

        var perGroup = root.GetProperty("per_group").EnumerateArray().ToArray();
        Assert.Equal(PerGroupHeader.Split(','), perGroup[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, perGroup[0].GetProperty("attribute").ValueKind);
        Assert.Equal(0.5, perGroup[0].GetProperty("accuracy").GetDouble());
    }

    [Fact]
    public void Summary_json_for_the_cli_has_the_summary_columns_as_keys()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            ResultFiles.WriteSummaryJson(json, Run, MetricSuite.Compute(Input()).Summary);
        }

        using var doc = JsonDocument.Parse(stream.ToArray());
        Assert.Equal(ResultFiles.SummaryColumns, doc.RootElement.EnumerateObject().Select(p => p.Name));
    }
}
