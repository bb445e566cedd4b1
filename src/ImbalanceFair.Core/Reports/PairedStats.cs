using ImbalanceFair.Core.Data;

namespace ImbalanceFair.Core.Reports;

/// <summary>
/// A paired comparison of two strategies over the seeds both ran (same seed = same split), from the differences
/// d_s = A_s − B_s: their mean, a percentile bootstrap CI of the mean, and two two-sided paired tests.
/// <list type="bullet">
/// <item>Paired t-test (scipy.stats.ttest_rel): t = mean / (sd/√n), n − 1 degrees of freedom. It can reject with
/// three seeds, but leans on the differences being roughly normal, which three values cannot show.</item>
/// <item>Exact sign-flip permutation test (scipy.stats.permutation_test on the differences with np.mean,
/// permutation_type='samples'): under "no difference" every d_s is as likely to be −d_s, so the 2^n sign patterns
/// give the null distribution of the mean. No distributional assumption, but its smallest two-sided p is 2/2^n:
/// 0.25 for three seeds, so it cannot reject below five seeds (1/16 = 0.0625) or six (1/32).</item>
/// </list>
/// Everything is NaN where undefined: the t-test below two differences, or when all differences are 0.
/// </summary>
public sealed record PairedStats(int N, double MeanDiff, double CiLow, double CiHigh, double PTTest, double PSignFlip)
{
    public const int BootstrapResamples = 10000;

    /// <summary>Above this many pairs the sign flips are drawn (this many times) instead of enumerated.</summary>
    public const int ExactSignFlipLimit = 16;

    public const double ConfidenceLevel = 0.95;

    /// <summary>The statistics of <paramref name="diffs"/>; <paramref name="seed"/> drives the bootstrap (and the sign flips above the exact limit).</summary>
    public static PairedStats Of(IReadOnlyList<double> diffs, long seed)
    {
        ArgumentNullException.ThrowIfNull(diffs);
        var n = diffs.Count;
        if (n == 0)
        {
            return new PairedStats(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var mean = Mean(diffs);
        var (low, high) = BootstrapCi(diffs, seed);
        return new PairedStats(n, mean, low, high, PairedTTest(diffs), SignFlipTest(diffs, seed));
    }

    /// <summary>Percentile bootstrap: the mean of n differences drawn with replacement, <see cref="BootstrapResamples"/> times; numpy's linear percentiles.</summary>
    public static (double Low, double High) BootstrapCi(IReadOnlyList<double> diffs, long seed)
    {
        ArgumentNullException.ThrowIfNull(diffs);
        var n = diffs.Count;
        var rng = new SeededRandom(seed, 1);
        var means = new double[BootstrapResamples];
        for (var b = 0; b < means.Length; b++)
        {
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                sum += diffs[(int)rng.NextInt64(n)];
            }

            means[b] = sum / n;
        }

        Array.Sort(means);
        var tail = (1 - ConfidenceLevel) / 2;
        return (Percentile(means, tail), Percentile(means, 1 - tail));
    }

    /// <summary>numpy.percentile's default ("linear") of sorted values, q in [0, 1].</summary>
    public static double Percentile(double[] sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var position = q * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }

    /// <summary>Two-sided p of the paired t-test; NaN below two pairs or for all-zero differences, 0 for equal non-zero ones (as scipy).</summary>
    public static double PairedTTest(IReadOnlyList<double> diffs)
    {
        ArgumentNullException.ThrowIfNull(diffs);
        var n = diffs.Count;
        if (n < 2)
        {
            return double.NaN;
        }

        var mean = Mean(diffs);
        var sd = Math.Sqrt(diffs.Sum(d => (d - mean) * (d - mean)) / (n - 1));
        if (sd == 0)
        {
            return mean == 0 ? double.NaN : 0;
        }

        var t = mean / (sd / Math.Sqrt(n));
        double df = n - 1;
        // P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2).
        return RegularizedIncompleteBeta(df / (df + (t * t)), df / 2, 0.5);
    }

    /// <summary>
    /// Two-sided p of the sign-flip test of the mean, as scipy.stats.permutation_test computes it: 2·min(P(T ≤ t),
    /// P(T ≥ t)) capped at 1, comparisons with a relative slack of 1e-14. Exact (all 2^n patterns) up to
    /// <see cref="ExactSignFlipLimit"/> pairs; above, that many random patterns and (1 + count) / (1 + draws).
    /// </summary>
    public static double SignFlipTest(IReadOnlyList<double> diffs, long seed)
    {
        ArgumentNullException.ThrowIfNull(diffs);
        var n = diffs.Count;
        if (n == 0)
        {
            return double.NaN;
        }

        var observed = Mean(diffs);
        var gamma = Math.Abs(1e-14 * observed);
        long less = 0, greater = 0, total;
        var exact = n <= ExactSignFlipLimit;
        if (exact)
        {
            total = 1L << n;
            for (long pattern = 0; pattern < total; pattern++)
            {
                Count(Flipped(diffs, bit => ((pattern >> bit) & 1) == 1));
            }
        }
        else
        {
            var rng = new SeededRandom(seed, 2);
            total = 1L << ExactSignFlipLimit;
            for (long draw = 0; draw < total; draw++)
            {
                Count(Flipped(diffs, _ => rng.NextInt64(2) == 1));
            }
        }

        double P(long count) => exact ? (double)count / total : (count + 1.0) / (total + 1.0);
        return Math.Min(1, 2 * Math.Min(P(less), P(greater)));

        void Count(double statistic)
        {
            less += statistic <= observed + gamma ? 1 : 0;
            greater += statistic >= observed - gamma ? 1 : 0;
        }
    }

    /// <summary>
    /// Holm's step-down adjustment of a family of p-values (NaN ones are not tests: they stay NaN and do not count):
    /// the i-th smallest of m becomes max over j ≤ i of min(1, (m − j + 1)·p_(j)). It controls the chance of any false
    /// rejection under any dependence between the tests, which metrics of the same runs have.
    /// </summary>
    public static double[] Holm(IReadOnlyList<double> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var adjusted = Enumerable.Repeat(double.NaN, p.Count).ToArray();
        var order = Enumerable.Range(0, p.Count).Where(i => !double.IsNaN(p[i])).OrderBy(i => p[i]).ThenBy(i => i).ToArray();
        var m = order.Length;
        var running = 0.0;
        for (var j = 0; j < m; j++)
        {
            running = Math.Max(running, Math.Min(1, (m - j) * p[order[j]]));
            adjusted[order[j]] = running;
        }

        return adjusted;
    }

    private static double Flipped(IReadOnlyList<double> diffs, Func<int, bool> negate)
    {
        var sum = 0.0;
        for (var i = 0; i < diffs.Count; i++)
        {
            sum += negate(i) ? -diffs[i] : diffs[i];
        }

        return sum / diffs.Count;
    }

    private static double Mean(IReadOnlyList<double> xs) => xs.Sum() / xs.Count;

    /// <summary>I_x(a, b) by its continued fraction (modified Lentz), from the side where it converges fast.</summary>
    internal static double RegularizedIncompleteBeta(double x, double a, double b)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        var front = Math.Exp((a * Math.Log(x)) + (b * Math.Log(1 - x)) - LogBeta(a, b));
        return x < (a + 1) / (a + b + 2)
            ? front * BetaContinuedFraction(x, a, b) / a
            : 1 - (front * BetaContinuedFraction(1 - x, b, a) / b);
    }

    private static double BetaContinuedFraction(double x, double a, double b)
    {
        const double tiny = 1e-300;
        var c = 1.0;
        var d = 1 - ((a + b) * x / (a + 1));
        d = 1 / (Math.Abs(d) < tiny ? tiny : d);
        var h = d;
        for (var m = 1; m <= 10000; m++)
        {
            var m2 = 2 * m;
            var even = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + (even * d);
            d = 1 / (Math.Abs(d) < tiny ? tiny : d);
            c = 1 + (even / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            h *= d * c;
            var odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + (odd * d);
            d = 1 / (Math.Abs(d) < tiny ? tiny : d);
            c = 1 + (odd / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            var step = d * c;
            h *= step;
            if (Math.Abs(step - 1) < 1e-16)
            {
                break;
            }
        }

        return h;
    }

    private static double LogBeta(double a, double b) => LogGamma(a) + LogGamma(b) - LogGamma(a + b);

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, n = 9: about 15 significant digits).</summary>
    private static double LogGamma(double x)
    {
        if (x < 0.5)
        {
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        }

        ReadOnlySpan<double> g =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        var sum = g[0];
        for (var i = 1; i < g.Length; i++)
        {
            sum += g[i] / (x + i);
        }

        var t = x + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }
}
