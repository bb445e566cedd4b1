using System.Globalization;
using System.Text.Json;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Torch.IO;

namespace ImbalanceFair.Core.Results;

/// <summary>
/// The metric files of a run directory (DESIGN §6): predictions.csv, per_class.csv, per_group.csv, summary.csv and
/// metrics.json, with exactly the documented columns in the documented order. Numbers are invariant-culture,
/// round-trip text; a metric that does not apply (NaN) is an empty CSV cell and a JSON null. Every file is written
/// to a temporary name and renamed.
/// </summary>
public static class ResultFiles
{
    public const string PredictionsFile = "predictions.csv";
    public const string PerClassFile = "per_class.csv";
    public const string PerGroupFile = "per_group.csv";
    public const string SummaryFile = "summary.csv";
    public const string MetricsFile = "metrics.json";

    public static IReadOnlyList<string> PredictionsColumns { get; } =
        ["test_index", "label", "attribute", "group", "prediction", "confidence", "margin"];

    public static IReadOnlyList<string> PerClassColumns { get; } =
    [
        "run_id", "class_index", "class_name", "bucket", "n_train_real", "n_train_total", "n_test", "accuracy", "precision",
        "recall", "f1", "mean_alignment", "mean_margin", "robust_accuracy",
    ];

    public static IReadOnlyList<string> PerGroupColumns { get; } = ["run_id", "group", "class_index", "attribute", "n_train", "n_test", "accuracy"];

    /// <summary>summary.csv's columns: the run's description, the metrics (<see cref="SummaryMetrics.Names"/>), training speed and device.</summary>
    public static IReadOnlyList<string> SummaryColumns { get; } = SummaryRecord(Placeholder, new SummaryMetrics()).Select(kv => kv.Key).ToArray();

    private static RunDescription Placeholder => new()
    {
        RunId = "", Name = "", Dataset = "", Strategy = "", ImbalanceRatio = double.NaN, Seed = 0, Arch = "", TrainMode = "",
        Loss = "", Epochs = 0, TrainSeconds = double.NaN, TrainImagesPerSecond = double.NaN, Device = "",
    };

    /// <summary>
    /// summary.csv's one row as (column, value) pairs in column order; values are string, long or double (NaN: does
    /// not apply). The same record is metrics.json's "summary" and the "summary" of <c>imbfair run --json</c>.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> SummaryRecord(RunDescription run, SummaryMetrics summary)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(summary);
        var record = new List<KeyValuePair<string, object?>>
        {
            new("run_id", run.RunId),
            new("name", run.Name),
            new("dataset", run.Dataset),
            new("strategy", run.Strategy),
            new("imbalance_ratio", run.ImbalanceRatio),
            new("seed", run.Seed),
            new("arch", run.Arch),
            new("train_mode", run.TrainMode),
            new("loss", run.Loss),
            new("epochs", (long)run.Epochs),
        };
        record.AddRange(summary.Columns().Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value)));
        record.Add(new("train_seconds", run.TrainSeconds));
        record.Add(new("train_images_per_second", run.TrainImagesPerSecond));
        record.Add(new("device", run.Device));
        return record;
    }

    private static object?[] PerClassRecord(RunDescription run, ClassMetrics c) =>
    [
        run.RunId, (long)c.ClassIndex, c.ClassName, c.Bucket.Name(), c.TrainReal, c.TrainTotal, c.Test, c.Accuracy, c.Precision,
        c.Recall, c.F1, c.MeanAlignment, c.MeanMargin, c.RobustAccuracy,
    ];

    private static object?[] PerGroupRecord(RunDescription run, GroupMetrics g) =>
        [run.RunId, g.Group, (long)g.ClassIndex, g.Attribute, g.Train, g.Test, g.Accuracy];

    /// <summary>
    /// predictions.csv: one row per test sample; <paramref name="testIndices"/> are the images' indices in the
    /// dataset's original test file (the split's TestIndices), aligned with the input's samples.
    /// </summary>
    public static void WritePredictions(string path, long[] testIndices, MetricInput input)
    {
        ArgumentNullException.ThrowIfNull(testIndices);
        ArgumentNullException.ThrowIfNull(input);
        input.Validate();
        if (testIndices.Length != input.Count)
        {
            throw new ArgumentException($"{testIndices.Length} test indices for {input.Count} predictions", nameof(testIndices));
        }

        var groups = GroupIds.Of(input.Labels, input.Attributes, input.AttributeCount);
        CsvFile.Write(path, PredictionsColumns, Enumerable.Range(0, input.Count).Select(i => (IReadOnlyList<string>)
        [
            CsvFile.Number(testIndices[i]),
            CsvFile.Number(input.Labels[i]),
            input.Attributes is null ? string.Empty : CsvFile.Number(input.Attributes[i]),
            CsvFile.Number(groups[i]),
            CsvFile.Number(input.Predicted[i]),
            Number(input.Confidence[i]),
            Number(input.AlignmentMargin[i]),
        ]));
    }

    public static void WritePerClass(string path, RunDescription run, MetricReport report)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(report);
        CsvFile.Write(path, PerClassColumns, report.PerClass.Select(c => Cells(PerClassRecord(run, c))));
    }

    public static void WritePerGroup(string path, RunDescription run, MetricReport report)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(report);
        CsvFile.Write(path, PerGroupColumns, report.PerGroup.Select(g => Cells(PerGroupRecord(run, g))));
    }

    public static void WriteSummary(string path, RunDescription run, SummaryMetrics summary)
    {
        var record = SummaryRecord(run, summary);
        CsvFile.Write(path, SummaryColumns, [Cells(record.Select(kv => kv.Value).ToArray())]);
    }

    /// <summary>metrics.json: {"summary": {...}, "per_class": [{...}], "per_group": [{...}]}, keys as the CSV columns.</summary>
    public static void WriteMetricsJson(string path, RunDescription run, MetricReport report)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(report);
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WritePropertyName("summary");
            WriteSummaryJson(json, run, report.Summary);
            json.WriteStartArray("per_class");
            foreach (var c in report.PerClass)
            {
                WriteObject(json, PerClassColumns, PerClassRecord(run, c));
            }

            json.WriteEndArray();
            json.WriteStartArray("per_group");
            foreach (var g in report.PerGroup)
            {
                WriteObject(json, PerGroupColumns, PerGroupRecord(run, g));
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    /// <summary>The summary as one JSON object keyed by summary.csv's columns (NaN → null).</summary>
    public static void WriteSummaryJson(Utf8JsonWriter json, RunDescription run, SummaryMetrics summary)
    {
        ArgumentNullException.ThrowIfNull(json);
        var record = SummaryRecord(run, summary);
        WriteObject(json, record.Select(kv => kv.Key).ToArray(), record.Select(kv => kv.Value).ToArray());
    }

    /// <summary>All five metric files into <paramref name="runDir"/>.</summary>
    public static void WriteAll(string runDir, RunDescription run, MetricInput input, long[] testIndices, MetricReport report)
    {
        ArgumentNullException.ThrowIfNull(runDir);
        ArgumentNullException.ThrowIfNull(report);
        WritePredictions(Path.Combine(runDir, PredictionsFile), testIndices, input);
        WritePerClass(Path.Combine(runDir, PerClassFile), run, report);
        WritePerGroup(Path.Combine(runDir, PerGroupFile), run, report);
        WriteSummary(Path.Combine(runDir, SummaryFile), run, report.Summary);
        WriteMetricsJson(Path.Combine(runDir, MetricsFile), run, report);
    }

    private static void WriteObject(Utf8JsonWriter json, IReadOnlyList<string> keys, object?[] values)
    {
        json.WriteStartObject();
        for (var i = 0; i < keys.Count; i++)
        {
            json.WritePropertyName(keys[i]);
            switch (values[i])
            {
                case null:
                    json.WriteNullValue();
                    break;
                case string s:
                    json.WriteStringValue(s);
                    break;
                case long l:
                    json.WriteNumberValue(l);
                    break;
                case double d when double.IsFinite(d):
                    json.WriteNumberValue(d);
                    break;
                case double:
                    json.WriteNullValue();
                    break;
                case var other:
                    throw new InvalidOperationException($"no JSON form for a {other.GetType().Name} ({keys[i]})");
            }
        }

        json.WriteEndObject();
    }

    private static string[] Cells(object?[] values) => values.Select(Cell).ToArray();

    private static string Cell(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        long l => CsvFile.Number(l),
        double d => CsvFile.Number(d),
        _ => throw new InvalidOperationException($"no CSV form for a {value.GetType().Name}"),
    };

    /// <summary>A float as its shortest round-trip text; empty for NaN.</summary>
    private static string Number(float value) =>
        float.IsNaN(value) ? string.Empty : value.ToString("R", CultureInfo.InvariantCulture);
}
