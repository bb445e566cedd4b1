namespace ImbalanceFair.Core.Data;

public static class ClassCounts
{
    /// <summary>How many of <paramref name="labels"/> fall in each of <paramref name="classes"/> classes.</summary>
    public static long[] Of(IEnumerable<long> labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var counts = new long[classes];
        foreach (var l in labels)
        {
            counts[l]++;
        }

        return counts;
    }
}
