using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Training;

namespace ImbalanceFair.Core.Tests.Augmentation;

public class BaselineTests
{
    [Fact]
    public void Targets_fill_classes_below_them_only()
    {
        long[] real = [100, 40, 10];
        string[] names = ["a", "b", "c"];

        Assert.Equal(new long[] { 100, 100, 100 }, new AugmentTarget().For(real, names));
        Assert.Equal(new long[] { 100, 50, 50 }, new AugmentTarget { Kind = "ratio", Ratio = 2 }.For(real, names));
        Assert.Equal(new long[] { 100, 40, 30 }, new AugmentTarget { Kind = "counts", Counts = new Dictionary<string, long> { ["c"] = 30, ["b"] = 5 } }.For(real, names));
    }

    [Fact]
    public void Oversampling_adds_duplicates_of_the_same_class_with_their_parents()
    {
        var real = AugmentationTestData.LongTailed(20, 5, 2);
        var targets = new AugmentTarget().For(real.Counts, ["a", "b", "c"]);

        using var epoch = new RandomOversampling(seed: 1).Generate(0, real, targets, null!);
        var added = epoch.Added;

        Assert.Equal(new long[] { 0, 15, 18 }, added.CountsOf(SampleSource.Oversample, 3));
        var pixels = added.Images.ToArray<byte>();
        for (var i = 0; i < added.Count; i++)
        {
            var position = added.Parent[i] - 1000;
            Assert.Equal(real.LabelsHost[position], added.LabelsHost[i]);
            Assert.Equal(real.Images.select(0, position).ToArray<byte>(), pixels.AsSpan(i * 16, 16).ToArray());
        }
    }

    [Fact]
    public void Undersampling_keeps_the_smallest_class_count_of_each_class()
    {
        var real = AugmentationTestData.LongTailed(20, 5, 3);

        using var epoch = new RandomUndersampling(1, new AugmentTarget(), ["a", "b", "c"]).Generate(0, real, real.Counts, null!);

        Assert.Equal(0, epoch.Added.Count);
        Assert.Equal(new long[] { 3, 3, 3 }, ImbalanceFair.Core.Data.ClassCounts.Of(epoch.KeptReal!.Select(i => real.LabelsHost[i]), 3));
    }

    [Fact]
    public void The_epoch_set_is_the_real_samples_plus_the_added_ones()
    {
        var real = AugmentationTestData.LongTailed(6, 2);
        var targets = new AugmentTarget().For(real.Counts, ["a", "b"]);
        using var source = new AugmentedTrainingSource(new RandomOversampling(3), real, targets);

        using var set = source.ForEpoch(0, null!);

        Assert.Equal(12, set.Count);
        Assert.Equal(new long[] { 6, 6 }, set.ClassCounts);
        Assert.Equal(4, source.Latest!.Added.Count);
    }
}
