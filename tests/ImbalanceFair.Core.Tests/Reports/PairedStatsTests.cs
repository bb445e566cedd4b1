using ImbalanceFair.Core.Reports;

namespace ImbalanceFair.Core.Tests.Reports;

public class PairedStatsTests
{
    [Fact]
    public void Holm_matches_a_hand_computation_and_leaves_missing_p_values_out_of_the_family()
    {
        // m = 4 tests: sorted 0.01, 0.03, 0.04, 0.2 → 4·0.01 = 0.04, 3·0.03 = 0.09, max(0.09, 2·0.04 = 0.08) = 0.09, 1·0.2 = 0.2.
        var adjusted = PairedStats.Holm([0.01, 0.04, 0.03, double.NaN, 0.2]);

        Assert.Equal(0.04, adjusted[0], 15);
        Assert.Equal(0.09, adjusted[1], 15);
        Assert.Equal(0.09, adjusted[2], 15);
        Assert.True(double.IsNaN(adjusted[3]));
        Assert.Equal(0.2, adjusted[4], 15);
        Assert.Equal([1.0, 1.0], PairedStats.Holm([0.6, 0.7]));
    }

    [Fact]
    public void Sign_flip_p_is_the_share_of_patterns_at_least_as_extreme()
    {
        // d = (1, 2, 3): sums of ±1 ±2 ±3 are ±6, ±4, ±2, ±0 (twice); |sum| ≥ 6 in 2 of 8 patterns.
        Assert.Equal(0.25, PairedStats.SignFlipTest([1, 2, 3], 0), 15);
        // d = (1, −2, 3): observed sum 2; |sum| ≥ 2 in 6 of 8.
        Assert.Equal(0.75, PairedStats.SignFlipTest([1, -2, 3], 0), 15);
        Assert.Equal(1.0, PairedStats.SignFlipTest([0, 0, 0], 0));
    }

    [Fact]
    public void T_test_p_matches_known_student_t_tails()
    {
        // d = (1, 2, 3, 4): t = 2.5 / (1.29099/2) = 3.8730, 3 df; P(|T| ≥ t) = 0.0304626 (tables; scipy 0.030466...).
        Assert.Equal(0.030466, PairedStats.PairedTTest([1, 2, 3, 4]), 5);
        // One df: P(|T| ≥ 1) = 1/2 exactly (Cauchy).
        Assert.Equal(0.5, PairedStats.PairedTTest([0, 2]), 12);
        Assert.True(double.IsNaN(PairedStats.PairedTTest([0.3])));
        Assert.True(double.IsNaN(PairedStats.PairedTTest([0, 0])));
        Assert.Equal(0, PairedStats.PairedTTest([2, 2, 2]));
    }

    [Fact]
    public void Bootstrap_ci_of_two_differences_spans_them_and_is_seeded()
    {
        // Resample means are 1, 2 or 3 with probabilities 1/4, 1/2, 1/4: the 2.5 % and 97.5 % percentiles are 1 and 3.
        Assert.Equal((1.0, 3.0), PairedStats.BootstrapCi([1, 3], 5));
        var (low, high) = PairedStats.BootstrapCi([0.1, -0.2, 0.4, 0.05, 0.3], 7);
        Assert.Equal((low, high), PairedStats.BootstrapCi([0.1, -0.2, 0.4, 0.05, 0.3], 7));
        Assert.NotEqual((low, high), PairedStats.BootstrapCi([0.1, -0.2, 0.4, 0.05, 0.3], 8));
        Assert.InRange(low, -0.2, 0.13);
        Assert.InRange(high, 0.13, 0.4);
        Assert.Equal(2.5, PairedStats.Percentile([1, 2, 3, 4], 0.5));
    }

    [Fact]
    public void Above_the_exact_limit_sign_flips_are_drawn_and_agree_with_enumeration()
    {
        var diffs = Enumerable.Range(0, PairedStats.ExactSignFlipLimit + 1).Select(i => Math.Sin(i * 1.7) + 0.25).ToArray();
        var observed = Math.Abs(diffs.Sum());
        var extreme = 0L;
        for (var pattern = 0L; pattern < 1L << diffs.Length; pattern++)
        {
            var sum = 0.0;
            for (var i = 0; i < diffs.Length; i++)
            {
                sum += ((pattern >> i) & 1) == 1 ? -diffs[i] : diffs[i];
            }

            extreme += Math.Abs(sum) >= observed - 1e-12 ? 1 : 0;
        }

        var exact = (double)extreme / (1L << diffs.Length);
        var drawn = PairedStats.SignFlipTest(diffs, 3);

        Assert.InRange(exact, 0.01, 0.9);
        Assert.Equal(exact, drawn, 0.01); // 65 536 draws: standard error below 0.002
        Assert.Equal(drawn, PairedStats.SignFlipTest(diffs, 3));
    }
}
