namespace ImbalanceFair.Core.Metrics;

/// <summary>
/// Groups (DESIGN §7): (class, attribute) when the dataset has an attribute, else the class. A group's id is
/// <c>class_index · attribute_count + attribute</c> with an attribute and <c>class_index</c> without; the same id is
/// written to predictions.csv and per_group.csv, so the two files join on it.
/// </summary>
public static class GroupIds
{
    public static long Of(long label, long attribute, int attributeCount) => (label * attributeCount) + attribute;

    /// <summary>The group id of every sample; the labels themselves (a copy) without attributes.</summary>
    public static long[] Of(long[] labels, long[]? attributes, int attributeCount)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (attributes is null)
        {
            return (long[])labels.Clone();
        }

        if (attributes.Length != labels.Length)
        {
            throw new ArgumentException($"{attributes.Length} attributes for {labels.Length} labels", nameof(attributes));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(attributeCount, 0);
        var groups = new long[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            groups[i] = Of(labels[i], attributes[i], attributeCount);
        }

        return groups;
    }

    /// <summary>How many samples fall in each of the <c>classes · attributeCount</c> groups, indexed by group id.</summary>
    public static long[] Counts(long[] labels, long[] attributes, int classes, int attributeCount)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(classes, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(attributeCount, 0);
        if (attributes.Length != labels.Length)
        {
            throw new ArgumentException($"{attributes.Length} attributes for {labels.Length} labels", nameof(attributes));
        }

        var counts = new long[classes * attributeCount];
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classes || attributes[i] < 0 || attributes[i] >= attributeCount)
            {
                throw new ArgumentException($"sample {i}: class {labels[i]} / attribute {attributes[i]} outside {classes} classes × {attributeCount} attribute values");
            }

            counts[Of(labels[i], attributes[i], attributeCount)]++;
        }

        return counts;
    }
}
