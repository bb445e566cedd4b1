using System.Text.Json;
using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Tests.Shared;

namespace ImbalanceFair.Core.Tests.Metrics;

public class BootstrapTests
{
    [Fact]
    public void Intervals_are_deterministic_for_a_seed_and_change_with_it()
    {
        var input = MetricTestData.Random(7, 10, 800, 50, attributes: 2, bootstrap: 200);
        var a = MetricSuite.Compute(input).Summary;
        var b = MetricSuite.Compute(input).Summary;
        Assert.Equal(a, b);
        Assert.Equal(Bootstrap.Indices(50, 20, 3), Bootstrap.Indices(50, 20, 3));

        var other = MetricSuite.Compute(input with { BootstrapSeed = 8 }).Summary;
        Assert.NotEqual(a["balanced_accuracy_ci_low"], other["balanced_accuracy_ci_low"]);
        Assert.Equal(a.BalancedAccuracy, other.BalancedAccuracy);
    }

    [Fact]
    public void Intervals_contain_the_point_estimate_and_are_ordered()
    {
        var s = MetricSuite.Compute(MetricTestData.Random(11, 10, 2000, 10, bootstrap: 500)).Summary;
        Assert.InRange(s.BalancedAccuracy, s["balanced_accuracy_ci_low"], s["balanced_accuracy_ci_high"]);
        Assert.InRange(s.WorstGroupAccuracy, s["worst_group_accuracy_ci_low"], s["worst_group_accuracy_ci_high"]);
        Assert.True(s["balanced_accuracy_ci_high"] - s["balanced_accuracy_ci_low"] is > 0 and < 0.2, $"[{s["balanced_accuracy_ci_low"]}, {s["balanced_accuracy_ci_high"]}]");
    }

    [Fact]
    public void No_resamples_leave_the_intervals_empty()
    {
        var s = MetricSuite.Compute(MetricTestData.Random(1, 4, 100, 10, bootstrap: 0)).Summary;
        Assert.True(double.IsNaN(s["balanced_accuracy_ci_low"]) && double.IsNaN(s["balanced_accuracy_ci_high"]));
        Assert.True(double.IsNaN(s["worst_group_accuracy_ci_low"]) && double.IsNaN(s["worst_group_accuracy_ci_high"]));
    }

    [Fact]
    public void Resample_indices_are_uniform_over_the_test_samples()
    {
        // 200 000 draws over 10 samples: each count ~ Binomial(200000, 0.1), sd ≈ 134; 6 sd = 805.
        var counts = new int[10];
        foreach (var i in Bootstrap.Indices(10, 20000, 5))
        {
            counts[i]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 20000 - 805, 20000 + 805));
    }

    private const string BootstrapScript = """
        import json, sys, warnings
        import numpy as np
        from sklearn.metrics import balanced_accuracy_score
        warnings.simplefilter("ignore")
        d = json.load(open(sys.argv[1]))
        y = np.array(d["labels"], dtype=np.int64)
        p = np.array(d["predicted"], dtype=np.int64)
        a = np.array(d["attributes"], dtype=np.int64) if d["attributes"] is not None else None
        g = y * d["attribute_count"] + a if a is not None else y
        idx = np.array(d["indices"], dtype=np.int64).reshape(d["resamples"], len(y))
        balanced, worst = [], []
        for row in idx:
            yy, pp, gg = y[row], p[row], g[row]
            balanced.append(balanced_accuracy_score(yy, pp))
            worst.append(min(np.mean(yy[gg == v] == pp[gg == v]) for v in np.unique(gg)))
        print(json.dumps([np.percentile(balanced, 2.5), np.percentile(balanced, 97.5),
                          np.percentile(worst, 2.5), np.percentile(worst, 97.5)]))
        """;

    [Theory]
    [InlineData(0, 10, 300, 0, 200)]
    [InlineData(1, 6, 250, 3, 150)]
    [InlineData(2, 3, 40, 2, 101)]
    public void Intervals_match_a_numpy_percentile_bootstrap_on_the_same_resamples(long seed, int classes, int n, int attributes, int resamples)
    {
        var input = MetricTestData.Random(seed, classes, n, 20, attributes, bootstrap: resamples);
        var s = MetricSuite.Compute(input).Summary;
        var reference = MetricTestData.RunPython(BootstrapScript, input, new()
        {
            ["indices"] = Bootstrap.Indices(n, resamples, input.BootstrapSeed),
            ["resamples"] = resamples,
        }).Doubles();
        Assert.Equal(reference[0], s["balanced_accuracy_ci_low"], 1e-12);
        Assert.Equal(reference[1], s["balanced_accuracy_ci_high"], 1e-12);
        Assert.Equal(reference[2], s["worst_group_accuracy_ci_low"], 1e-12);
        Assert.Equal(reference[3], s["worst_group_accuracy_ci_high"], 1e-12);
    }

    [Fact]
    public void Percentile_is_numpys_linear_method()
    {
        var rng = new ImbalanceFair.Core.Data.SeededRandom(3, 9);
        var sizes = new[] { 1, 2, 3, 7, 40, 41, 1000 };
        var percents = new[] { 0, 2.5, 10, 33.3, 50, 97.5, 100 };
        var arrays = sizes.Select(n => Enumerable.Range(0, n).Select(_ => Math.Round(rng.NextDouble(), 2)).ToArray()).ToArray();
        using var dir = new TempDir();
        var path = dir.Write("in.json", JsonSerializer.Serialize(new { arrays, percents }));
        var script = """
            import json, sys
            import numpy as np
            d = json.load(open(sys.argv[1]))
            print(json.dumps([[float(np.percentile(np.array(a), q)) for q in d["percents"]] for a in d["arrays"]]))
            """;
        var expected = JsonSerializer.Deserialize<double[][]>(Python.Run(script, path))!;
        for (var i = 0; i < arrays.Length; i++)
        {
            for (var j = 0; j < percents.Length; j++)
            {
                Assert.Equal(expected[i][j], Bootstrap.Percentile(arrays[i], percents[j]), 1e-15);
            }
        }

        Assert.True(double.IsNaN(Bootstrap.Percentile([], 50)));
        Assert.True(double.IsNaN(Bootstrap.Percentile([1, double.NaN], 50)));
    }
}
