using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Results;
using ImbalanceFair.Core.Training;
using Serilog;

namespace ImbalanceFair.Core.Runs;

/// <summary>Everything a finished run reports from.</summary>
public sealed record RunResults(
    RunPlan Plan,
    DataSplit Split,
    RealTrainingData Real,
    RunPart Test,
    Predictions Predictions,
    bool[]? RobustCorrect,
    TrainResult Training,
    EpochAugmentation? Augmentation,
    int AttributeCount);

/// <summary>Writes a run's result files (DESIGN §6) from its results, and reads a finished run's summary back.</summary>
public static class RunFiles
{
    public static IReadOnlyDictionary<string, string> WriteAll(RunResults r, ILogger log, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(log);
        var c = r.Plan.Config;
        var classes = r.Plan.Dataset.Classes;
        var dir = r.Plan.RunDir;
        var rows = SplitFile.Rows(classes, r.Split, r.Augmentation, r.Real);
        SplitFile.Write(Path.Combine(dir, SplitFile.FileName), rows);
        RunPhase.Enter("results", cancel);

        var input = MetricInput.From(r.Predictions, classes, r.Split.TrainCounts) with
        {
            TrainTotalCounts = rows.Select(x => x.TrainTotal).ToArray(),
            Attributes = r.Test.Attributes,
            AttributeCount = r.AttributeCount,
            GroupTrainCounts = r.Split.TrainAttributes is { } trainAttributes
                ? GroupIds.Counts(r.Split.TrainIndices.Select((_, j) => r.Real.LabelsHost[j]).ToArray(), trainAttributes, classes.Count, r.AttributeCount)
                : null,
            RobustCorrect = r.RobustCorrect,
            BootstrapResamples = c.Eval.Bootstrap,
            BootstrapSeed = c.Seed,
        };
        var report = MetricSuite.Compute(input);
        var state = r.Training.State;
        var run = new RunDescription
        {
            RunId = r.Plan.Hash,
            Name = c.Name,
            Dataset = r.Plan.Dataset.Name,
            Strategy = c.Augment.Strategy,
            ImbalanceRatio = c.Imbalance.Ratio,
            Seed = c.Seed,
            Arch = c.Model.Arch,
            TrainMode = RunConfigNames.Mode(c.Train.Mode),
            Loss = c.Train.Loss,
            Epochs = c.Train.Epochs,
            TrainSeconds = state.TrainSeconds,
            TrainImagesPerSecond = state.TrainSeconds > 0 ? state.ImagesSeen / state.TrainSeconds : double.NaN,
            Device = r.Plan.Device.ToString(),
        };
        cancel.ThrowIfCancellationRequested();
        ResultFiles.WriteAll(dir, run, input, r.Split.TestIndices, report);
        cancel.ThrowIfCancellationRequested();
        if (c.Output.SaveAugmented && r.Augmentation is { } augmentation)
        {
            AugmentedFile.Write(dir, augmentation.Added, r.Real);
        }

        var augmentedFiles = r.Augmentation?.Added.Embeddings == true
            ? ", augmented.safetensors (embedding-space samples have no pixels, so no augmented_preview.png)"
            : ", augmented.safetensors, augmented_preview.png";
        log.Information("Wrote split.csv, predictions.csv, per_class.csv, per_group.csv, summary.csv, metrics.json{Augmented}",
            c.Output.SaveAugmented ? augmentedFiles : string.Empty);
        return ReadSummary(dir);
    }

    /// <summary>summary.csv's one row as column → cell text.</summary>
    public static IReadOnlyDictionary<string, string> ReadSummary(string dir)
    {
        var (header, rows) = CsvFile.Read(Path.Combine(dir, ResultFiles.SummaryFile));
        return rows.Count == 0 ? new Dictionary<string, string>() : header.Zip(rows[0]).ToDictionary(x => x.First, x => x.Second, StringComparer.Ordinal);
    }
}

/// <summary>The config's names for enum values, as written in YAML and in the result files.</summary>
public static class RunConfigNames
{
    public static string Mode(TrainMode mode) => mode switch
    {
        TrainMode.ZeroShot => "zero-shot",
        TrainMode.LinearProbe => "linear-probe",
        TrainMode.Lora => "lora",
        _ => "text-head",
    };
}
