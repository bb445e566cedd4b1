using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Data.Split;

namespace ImbalanceFair.Core.Results;

/// <summary>One class's row of split.csv.</summary>
/// <param name="TrainReal">Real training images this run uses (after undersampling, when the strategy drops some).</param>
/// <param name="Bucket">By the real training count of the split, before any resampling (DESIGN §7).</param>
/// <param name="SmoteK">SMOTE family: the neighbours the class was over-sampled with (k, or n_c − 1 for a class too small
/// for k; 0: copies of its one image); null (an empty cell) when it received nothing or the strategy has no k.</param>
public sealed record SplitRow(
    int ClassIndex,
    string ClassName,
    Bucket Bucket,
    long TrainReal,
    long AddedOversample,
    long AddedSmote,
    long AddedSynthetic,
    long AddedAdversarial,
    long AddedM2m,
    long Val,
    long Test,
    int? SmoteK = null)
{
    /// <summary>What the model trains on: the real images used plus every added one.</summary>
    public long TrainTotal => TrainReal + AddedOversample + AddedSmote + AddedSynthetic + AddedAdversarial + AddedM2m;
}

/// <summary>split.csv (DESIGN §6): per class, the real, added, validation and test counts of the run.</summary>
public static class SplitFile
{
    public const string FileName = "split.csv";

    public static IReadOnlyList<string> Header { get; } =
    [
        "class_index", "class_name", "bucket", "n_train_real", "n_added_oversample", "n_added_smote", "n_added_synthetic",
        "n_added_adversarial", "n_added_m2m", "n_train_total", "n_val", "n_test", "smote_k",
    ];

    /// <summary>
    /// The rows for a split and what the strategy did to it: <paramref name="added"/> the samples it added (null:
    /// none), <paramref name="keptReal"/> the positions of the real training samples kept (null: all of them), which
    /// then needs <paramref name="realLabels"/>, the labels of the real training set in that order.
    /// </summary>
    /// <remarks>
    /// With <c>diffusion</c> in ffr mode, pass the synthetic stage's additions: the counts then describe the whole run
    /// (the model trained on the synthetic images, then on the real ones).
    /// </remarks>
    public static IReadOnlyList<SplitRow> Rows(IReadOnlyList<string> classNames, DataSplit split, AddedSamples? added = null,
        long[]? keptReal = null, IReadOnlyList<long>? realLabels = null, IReadOnlyList<int?>? smoteK = null)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(split);
        var classes = classNames.Count;
        if (split.TrainCounts.Length != classes)
        {
            throw new ArgumentException($"the split has {split.TrainCounts.Length} classes, {classes} class names were given", nameof(classNames));
        }

        var real = split.TrainCounts;
        if (keptReal is not null)
        {
            if (realLabels is null)
            {
                throw new ArgumentException("keptReal are positions in the real training set: its labels (realLabels) are needed to count them", nameof(realLabels));
            }

            real = ClassCounts.Of(keptReal.Select(i => i >= 0 && i < realLabels.Count
                ? realLabels[(int)i]
                : throw new ArgumentOutOfRangeException(nameof(keptReal), i, $"a kept position outside the {realLabels.Count} real training samples")), classes);
        }

        long[] Added(SampleSource s) => added?.CountsOf(s, classes) ?? new long[classes];
        var oversample = Added(SampleSource.Oversample);
        var smote = Added(SampleSource.Smote);
        var synthetic = Added(SampleSource.Synthetic);
        var adversarial = Added(SampleSource.Adversarial);
        var m2m = Added(SampleSource.M2m);
        return Enumerable.Range(0, classes)
            .Select(c => new SplitRow(c, classNames[c], split.BucketOf(c), real[c], oversample[c], smote[c], synthetic[c], adversarial[c], m2m[c],
                split.ValCounts[c], split.TestCounts[c], smoteK is not null && c < smoteK.Count ? smoteK[c] : null))
            .ToList();
    }

    /// <summary>The rows for an epoch's training set as <see cref="AugmentedTrainingSource.Latest"/> gives it.</summary>
    public static IReadOnlyList<SplitRow> Rows(IReadOnlyList<string> classNames, DataSplit split, EpochAugmentation? epoch, RealTrainingData real)
    {
        ArgumentNullException.ThrowIfNull(real);
        return Rows(classNames, split, epoch?.Added, epoch?.KeptReal, real.LabelsHost, epoch?.SmoteK);
    }

    /// <summary>Writes split.csv (atomically) with <see cref="Rows(IReadOnlyList{string}, DataSplit, AddedSamples?, long[]?, IReadOnlyList{long}?, IReadOnlyList{int?}?)"/>.</summary>
    public static void Write(string path, IReadOnlyList<string> classNames, DataSplit split, AddedSamples? added = null,
        long[]? keptReal = null, IReadOnlyList<long>? realLabels = null) =>
        Write(path, Rows(classNames, split, added, keptReal, realLabels));

    public static void Write(string path, IReadOnlyList<SplitRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        CsvFile.Write(path, Header, rows.Select(r => (IReadOnlyList<string>)
        [
            CsvFile.Number(r.ClassIndex), r.ClassName, r.Bucket.Name(), CsvFile.Number(r.TrainReal), CsvFile.Number(r.AddedOversample),
            CsvFile.Number(r.AddedSmote), CsvFile.Number(r.AddedSynthetic), CsvFile.Number(r.AddedAdversarial), CsvFile.Number(r.AddedM2m),
            CsvFile.Number(r.TrainTotal), CsvFile.Number(r.Val), CsvFile.Number(r.Test),
            r.SmoteK is { } k ? CsvFile.Number(k) : string.Empty,
        ]));
    }
}
