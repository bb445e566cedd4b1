namespace ImbalanceFair.Core.Data.Split;

/// <summary>Per-rank image counts of a long-tailed training set (rank 0 = head class).</summary>
public static class LongTailCounts
{
    /// <summary>
    /// exponential: n_i = ⌊n_max · ρ^(−i/(C−1))⌋, computed as LDAM-DRW's and Cui et al.'s code does
    /// (n_max · (1/ρ)^(i/(C−1)), truncated), so splits match the published ones; step: the first ⌈C/2⌉ ranks get
    /// n_max, the rest ⌊n_max/ρ⌋; none: n_max for every class.
    /// </summary>
    public static long[] For(ImbalanceProfile profile, double ratio, long nMax, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ratio, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(nMax, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        var counts = new long[classes];
        for (var i = 0; i < classes; i++)
        {
            counts[i] = profile switch
            {
                ImbalanceProfile.Exponential => classes == 1 ? nMax : (long)(nMax * Math.Pow(1.0 / ratio, i / (classes - 1.0))),
                ImbalanceProfile.Step => i < (classes + 1) / 2 ? nMax : (long)Math.Floor(nMax / ratio),
                ImbalanceProfile.None => nMax,
                _ => throw new ArgumentOutOfRangeException(nameof(profile)),
            };
        }

        return counts;
    }
}
