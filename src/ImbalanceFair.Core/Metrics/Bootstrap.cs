using ImbalanceFair.Core.Data;

namespace ImbalanceFair.Core.Metrics;

/// <summary>
/// Percentile bootstrap over test samples (Efron &amp; Tibshirani, An Introduction to the Bootstrap, 1993, ch. 13):
/// B resamples of N indices drawn uniformly with replacement from a <see cref="SeededRandom"/> stream of their own,
/// the statistic on each, and the 2.5th and 97.5th percentiles of the B values (numpy's default 'linear' percentile)
/// as the 95% interval.
/// </summary>
public static class Bootstrap
{
    /// <summary>The <see cref="SeededRandom"/> stream the resamples are drawn from ("BOOT"), apart from the split's and training's.</summary>
    public const long Stream = 0x424F4F54;

    public const double LowPercent = 2.5;

    public const double HighPercent = 97.5;

    /// <summary>
    /// The resample indices the metric suite uses for <paramref name="seed"/>: row b (entries [b·n, (b+1)·n)) is
    /// resample b. Exported so that other tools (and the tests) can recompute the same replicates.
    /// </summary>
    public static int[] Indices(int n, int resamples, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(resamples);
        var all = new int[checked(n * resamples)];
        if (n == 0)
        {
            return all;
        }

        var rng = new SeededRandom(seed, Stream);
        for (var b = 0; b < resamples; b++)
        {
            Draw(rng, all.AsSpan(b * n, n));
        }

        return all;
    }

    private static void Draw(SeededRandom rng, Span<int> row)
    {
        var n = row.Length;
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = (int)rng.NextInt64(n);
        }
    }

    /// <summary>
    /// numpy.percentile(values, percent) with its default 'linear' method: the sorted values at virtual index
    /// (n − 1)·q, q = percent / 100, interpolated as numpy's _lerp does. NaN for no values or when a value is NaN.
    /// </summary>
    public static double Percentile(ReadOnlySpan<double> values, double percent)
    {
        if (values.Length == 0 || percent is < 0 or > 100)
        {
            return double.NaN;
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        if (double.IsNaN(sorted[^1]) || double.IsNaN(sorted[0]))
        {
            return double.NaN;
        }

        var n = sorted.Length;
        var q = percent / 100;
        var virtualIndex = (n - 1) * q;
        if (virtualIndex >= n - 1)
        {
            return sorted[n - 1];
        }

        var previous = (int)Math.Floor(virtualIndex);
        var gamma = virtualIndex - previous;
        var a = sorted[previous];
        var b = sorted[previous + 1];
        var diff = b - a;
        return gamma >= 0.5 ? b - (diff * (1 - gamma)) : a + (diff * gamma);
    }

    /// <summary>
    /// Balanced accuracy (mean recall over the classes present in the resample, as scikit-learn) and worst-group
    /// accuracy (over the groups present) on each of <paramref name="resamples"/> resamples. Array-based: one pass
    /// over the drawn indices per resample into per-group counts, from which the class counts follow.
    /// </summary>
    internal static (double[] Balanced, double[] WorstGroup) Replicates(
        int[] groupOf, bool[] correct, int[] classOfGroup, int classes, int resamples, long seed)
    {
        var n = groupOf.Length;
        var groups = classOfGroup.Length;
        var balanced = new double[resamples];
        var worstGroup = new double[resamples];
        if (n == 0)
        {
            Array.Fill(balanced, double.NaN);
            Array.Fill(worstGroup, double.NaN);
            return (balanced, worstGroup);
        }

        var rng = new SeededRandom(seed, Stream);
        var row = new int[n];
        var groupTotal = new int[groups];
        var groupCorrect = new int[groups];
        var classTotal = new int[classes];
        var classCorrect = new int[classes];
        for (var b = 0; b < resamples; b++)
        {
            Draw(rng, row);
            Array.Clear(groupTotal);
            Array.Clear(groupCorrect);
            for (var i = 0; i < row.Length; i++)
            {
                var j = row[i];
                var g = groupOf[j];
                groupTotal[g]++;
                if (correct[j])
                {
                    groupCorrect[g]++;
                }
            }

            Array.Clear(classTotal);
            Array.Clear(classCorrect);
            var worst = double.PositiveInfinity;
            for (var g = 0; g < groups; g++)
            {
                if (groupTotal[g] == 0)
                {
                    continue;
                }

                classTotal[classOfGroup[g]] += groupTotal[g];
                classCorrect[classOfGroup[g]] += groupCorrect[g];
                worst = Math.Min(worst, (double)groupCorrect[g] / groupTotal[g]);
            }

            var sum = 0.0;
            var present = 0;
            for (var c = 0; c < classes; c++)
            {
                if (classTotal[c] > 0)
                {
                    sum += (double)classCorrect[c] / classTotal[c];
                    present++;
                }
            }

            balanced[b] = sum / present;
            worstGroup[b] = worst;
        }

        return (balanced, worstGroup);
    }
}
