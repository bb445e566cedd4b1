using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Results;
using ImbalanceFair.Core.Tests.Augmentation;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Outputs;

public class SplitFileTests
{
    private static readonly string[] Names = ["a", "b", "c"];

    /// <summary>Exponential ρ = 16 from n_max = 160 over 3 classes: 160, 40, 10, of which 10% go to validation → 144, 36, 9.</summary>
    private static DataSplit Split() => DataSplit.Build(
        Names,
        new DataSplit.Part([.. Enumerable.Repeat(0L, 200), .. Enumerable.Repeat(1L, 50), .. Enumerable.Repeat(2L, 20)]),
        new DataSplit.Part([.. Enumerable.Repeat(0L, 5), .. Enumerable.Repeat(1L, 6), .. Enumerable.Repeat(2L, 7)]),
        null,
        new ImbalanceOptions { Ratio = 16, NMax = 160 },
        valFraction: 0.1,
        seed: 0);

    /// <summary>b: 3 duplicates; c: 2 duplicates, 1 SMOTE sample, 4 adversarial copies.</summary>
    private static AddedSamples Added()
    {
        long[] labels = [1, 2, 1, 2, 2, 2, 1, 2, 2, 2];
        SampleSource[] source =
        [
            SampleSource.Oversample, SampleSource.Oversample, SampleSource.Oversample, SampleSource.Smote, SampleSource.Adversarial,
            SampleSource.Adversarial, SampleSource.Oversample, SampleSource.Oversample, SampleSource.Adversarial, SampleSource.Adversarial,
        ];
        using var scope = torch.NewDisposeScope();
        return new AddedSamples(torch.zeros([10, 1, 2, 2], ScalarType.UInt8), torch.from_array<long>(labels, [10]), source, Enumerable.Repeat(-1L, 10).ToArray());
    }

    [Fact]
    public void Split_csv_has_the_design_columns_and_counts_each_source()
    {
        using var dir = new TempDir();
        var split = Split();
        using var added = Added();

        SplitFile.Write(dir.File("split.csv"), Names, split, added);

        var (header, rows) = CsvFile.Read(dir.File("split.csv"));
        Assert.Equal(
            ["class_index", "class_name", "bucket", "n_train_real", "n_added_oversample", "n_added_smote", "n_added_synthetic",
                "n_added_adversarial", "n_added_m2m", "n_train_total", "n_val", "n_test", "smote_k"],
            header);
        Assert.Equal(3, rows.Count);
        Assert.Equal(["0", "a", "many", "144", "0", "0", "0", "0", "0", "144", "16", "5", ""], rows[0]);
        Assert.Equal(["1", "b", "medium", "36", "3", "0", "0", "0", "0", "39", "4", "6", ""], rows[1]);
        Assert.Equal(["2", "c", "few", "9", "2", "1", "0", "4", "0", "16", "1", "7", ""], rows[2]);
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void Undersampling_counts_the_kept_real_samples_and_keeps_the_bucket_of_the_split()
    {
        using var dir = new TempDir();
        var split = Split();
        long[] realLabels = [.. Enumerable.Repeat(0L, 144), .. Enumerable.Repeat(1L, 36), .. Enumerable.Repeat(2L, 9)];
        long[] kept = [.. Enumerable.Range(0, 9).Select(i => (long)i), .. Enumerable.Range(144, 9).Select(i => (long)i), .. Enumerable.Range(180, 9).Select(i => (long)i)];

        SplitFile.Write(dir.File("split.csv"), Names, split, keptReal: kept, realLabels: realLabels);

        var (_, rows) = CsvFile.Read(dir.File("split.csv"));
        Assert.Equal(["0", "a", "many", "9", "0", "0", "0", "0", "0", "9", "16", "5", ""], rows[0]);
        Assert.Equal(["1", "b", "medium", "9", "0", "0", "0", "0", "0", "9", "4", "6", ""], rows[1]);
        Assert.Equal(["2", "c", "few", "9", "0", "0", "0", "0", "0", "9", "1", "7", ""], rows[2]);
        Assert.Throws<ArgumentException>(() => SplitFile.Rows(Names, split, keptReal: kept));
        Assert.Throws<ArgumentException>(() => SplitFile.Rows(["a", "b"], split));
    }

    [Fact]
    public void Rows_follow_the_epoch_the_training_source_reports()
    {
        var split = Split();
        var real = AugmentationTestData.LongTailed(144, 36, 9);
        var targets = new AugmentTarget().For(real.Counts, Names);
        using var source = new AugmentedTrainingSource(new RandomOversampling(1), real, targets);
        using (source.ForEpoch(0, null!))
        {
        }

        var rows = SplitFile.Rows(Names, split, source.Latest, real);

        Assert.Equal(new long[] { 144, 144, 144 }, rows.Select(r => r.TrainTotal));
        Assert.Equal(new long[] { 0, 108, 135 }, rows.Select(r => r.AddedOversample));
        Assert.Equal(new long[] { 144, 36, 9 }, rows.Select(r => r.TrainReal));
    }

    [Fact]
    public void Smote_k_records_the_k_each_class_was_over_sampled_with()
    {
        using var dir = new TempDir();
        var split = Split();
        var real = AugmentationTestData.LongTailed(144, 36, 2);
        var targets = new AugmentTarget().For(real.Counts, Names);
        using var source = new AugmentedTrainingSource(new Smote(1, new SmoteOptions { K = 5 }), real, targets);
        using (source.ForEpoch(0, null!))
        {
        }

        SplitFile.Write(dir.File("split.csv"), SplitFile.Rows(Names, split, source.Latest, real));

        var (header, rows) = CsvFile.Read(dir.File("split.csv"));
        var column = header.ToList().IndexOf("smote_k");
        // a: at its target, nothing added; b: k = 5; c: two images, k = 1.
        Assert.Equal(["", "5", "1"], rows.Select(r => r[column]));
    }
}
