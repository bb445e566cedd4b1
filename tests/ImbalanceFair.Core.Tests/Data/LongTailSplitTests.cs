using ImbalanceFair.Tests.Shared;
using System.Globalization;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Data;

public class LongTailSplitTests
{
    private static readonly string[] TenClasses = Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray();

    /// <summary>A balanced source: <paramref name="perClass"/> images of each class, interleaved.</summary>
    private static DataSplit.Part Balanced(int classes, int perClass) =>
        new(Enumerable.Range(0, classes * perClass).Select(i => (long)(i % classes)).ToArray());

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(200)]
    public void Exponential_and_step_counts_match_the_formulas(double ratio)
    {
        const long nMax = 6000;
        var exponential = LongTailCounts.For(ImbalanceProfile.Exponential, ratio, nMax, 10);
        var step = LongTailCounts.For(ImbalanceProfile.Step, ratio, nMax, 10);

        for (var i = 0; i < 10; i++)
        {
            // ⌊n_max · ρ^(−i/(C−1))⌋, allowing for the last bit of floating-point rounding.
            var exact = nMax * Math.Pow(ratio, -i / 9.0);
            Assert.InRange(exponential[i], exact - 1 + 1e-9, exact + 1e-9);
            Assert.Equal(i < 5 ? nMax : (long)Math.Floor(nMax / ratio), step[i]);
        }

        Assert.Equal(nMax, exponential[0]);
        Assert.Equal((long)Math.Floor(nMax / ratio), exponential[9]);
    }

    [Fact]
    public void Counts_equal_the_reference_code_of_LDAM_DRW_and_Cui_et_al()
    {
        // The literature's splits come from this expression (int() truncation), for CIFAR-10-LT and friends.
        var script = """
            import json
            out = {}
            for rho in [1, 10, 50, 100, 200]:
                for n_max, C in [(6000, 10), (5000, 10), (500, 100), (4, 3)]:
                    f = 1.0 / rho
                    out[f"{rho},{n_max},{C}"] = [int(n_max * (f ** (i / (C - 1.0)))) for i in range(C)]
            print(json.dumps(out))
            """;
        var reference = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, long[]>>(Python.Run(script))!;

        foreach (var (key, expected) in reference)
        {
            var parts = key.Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(expected, LongTailCounts.For(ImbalanceProfile.Exponential, parts[0], (long)parts[1], (int)parts[2]));
        }
    }

    [Fact]
    public void Step_gives_the_ceiling_half_of_the_classes_n_max()
    {
        var counts = LongTailCounts.For(ImbalanceProfile.Step, 10, 1000, 5);

        Assert.Equal(new long[] { 1000, 1000, 1000, 100, 100 }, counts);
    }

    [Fact]
    public void Split_keeps_the_target_counts_and_takes_validation_from_them()
    {
        var split = DataSplit.Build(TenClasses, Balanced(10, 600), Balanced(10, 100), null,
            new ImbalanceOptions { Ratio = 100, NMax = 500 }, valFraction: 0.1, seed: 3);

        var expected = LongTailCounts.For(ImbalanceProfile.Exponential, 100, 500, 10);
        Assert.Equal(expected, split.TargetCounts);
        for (var c = 0; c < 10; c++)
        {
            Assert.Equal(expected[c], split.TrainCounts[c] + split.ValCounts[c]);
            Assert.Equal(DataSplit.ValCount((int)expected[c], 0.1), split.ValCounts[c]);
            Assert.Equal(100, split.TestCounts[c]);
        }

        Assert.Equal(split.TrainCounts.Sum(), split.TrainIndices.Length);
        Assert.Equal(split.ValCounts.Sum(), split.ValIndices.Length);
    }

    [Fact]
    public void Train_val_and_test_never_overlap_and_the_labels_agree()
    {
        var source = Balanced(10, 600);
        var split = DataSplit.Build(TenClasses, source, Balanced(10, 100), null,
            new ImbalanceOptions { Ratio = 10 }, valFraction: 0.2, seed: 1);

        Assert.Empty(split.TrainIndices.Intersect(split.ValIndices));
        Assert.Equal(split.TrainIndices.Length, split.TrainIndices.Distinct().Count());
        Assert.Equal(split.ValIndices.Length, split.ValIndices.Distinct().Count());
        Assert.Equal(1000, split.TestIndices.Length);
        for (var c = 0; c < 10; c++)
        {
            Assert.Equal(split.TrainCounts[c], split.TrainIndices.Count(i => source.Labels[i] == c));
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_indices_whatever_the_thread_count()
    {
        var options = new ImbalanceOptions { Ratio = 50, Order = "shuffled" };
        var before = torch.get_num_threads();
        try
        {
            torch.set_num_threads(1);
            var one = DataSplit.Build(TenClasses, Balanced(10, 300), Balanced(10, 10), null, options, 0.1, seed: 7);
            torch.set_num_threads(2);
            var two = DataSplit.Build(TenClasses, Balanced(10, 300), Balanced(10, 10), null, options, 0.1, seed: 7);
            var other = DataSplit.Build(TenClasses, Balanced(10, 300), Balanced(10, 10), null, options, 0.1, seed: 8);

            Assert.Equal(one.TrainIndices, two.TrainIndices);
            Assert.Equal(one.ValIndices, two.ValIndices);
            Assert.Equal(one.ClassOrder, two.ClassOrder);
            Assert.NotEqual(one.TrainIndices, other.TrainIndices);
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    [Fact]
    public void Explicit_order_puts_the_named_classes_at_the_head()
    {
        var split = DataSplit.Build(["a", "b", "c"], Balanced(3, 100), Balanced(3, 5), null,
            new ImbalanceOptions { Ratio = 10, ExplicitOrder = ["c", "a", "1"] }, 0, seed: 0);

        Assert.Equal(new[] { 2, 0, 1 }, split.ClassOrder);
        Assert.Equal(new long[] { 31, 10, 100 }, split.TargetCounts);
    }

    [Fact]
    public void A_class_without_enough_images_names_the_class_the_counts_and_the_fix()
    {
        var labels = Enumerable.Repeat(0L, 100).Concat(Enumerable.Repeat(1L, 40)).ToArray();

        var e = Assert.Throws<ConfigException>(() => DataSplit.Build(["big", "small"], new DataSplit.Part(labels), Balanced(2, 5), null,
            new ImbalanceOptions { Profile = ImbalanceProfile.None, NMax = 100 }, 0, 0));

        Assert.Contains("'small'", e.Message, StringComparison.Ordinal);
        Assert.Contains("needs 100", e.Message, StringComparison.Ordinal);
        Assert.Contains("has 40", e.Message, StringComparison.Ordinal);
        Assert.Contains("n_max", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Buckets_follow_the_thresholds()
    {
        Assert.Equal(Bucket.Many, Buckets.Of(101));
        Assert.Equal(Bucket.Medium, Buckets.Of(100));
        Assert.Equal(Bucket.Medium, Buckets.Of(20));
        Assert.Equal(Bucket.Few, Buckets.Of(19));
    }

    [Fact]
    public void Colour_attribute_correlation_is_within_binomial_tolerance_and_test_is_balanced()
    {
        const double correlation = 0.9;
        var split = DataSplit.Build(TenClasses, Balanced(10, 1000), Balanced(10, 200), null,
            new ImbalanceOptions { Profile = ImbalanceProfile.None }, 0.1, seed: 5,
            new AttributeOptions { Kind = "color", Correlation = correlation });
        var source = Balanced(10, 1000);

        var agree = split.TrainIndices.Select((idx, j) => split.TrainAttributes![j] == ColorAttribute.DefaultFor(source.Labels[idx])).Count(x => x);
        var n = split.TrainIndices.Length;
        var sd = Math.Sqrt(n * correlation * (1 - correlation));
        Assert.InRange(agree, (n * correlation) - (4 * sd), (n * correlation) + (4 * sd));

        for (var c = 0; c < 10; c++)
        {
            var ofClass = split.TestIndices.Where(i => i % 10 == c).Select(i => split.TestAttributes![i]).ToArray();
            Assert.Equal(ofClass.Length / 2, ofClass.Count(a => a == 1));
        }
    }

    [Fact]
    public void Reserved_images_are_never_in_the_split_and_n_max_defaults_to_what_is_left()
    {
        var source = Balanced(3, 100);
        var reserved = Enumerable.Range(0, 30).Select(i => (long)i).ToArray();

        var split = DataSplit.Build(["a", "b", "c"], source, Balanced(3, 5), null,
            new ImbalanceOptions { Profile = ImbalanceProfile.None }, 0.1, seed: 0, reserved: reserved);

        Assert.Empty(split.TrainIndices.Intersect(reserved));
        Assert.Empty(split.ValIndices.Intersect(reserved));
        Assert.Equal(new long[] { 90, 90, 90 }, split.TargetCounts);
    }
}
