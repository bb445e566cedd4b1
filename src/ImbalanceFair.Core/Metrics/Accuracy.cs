namespace ImbalanceFair.Core.Metrics;

/// <summary>
/// Accuracy-family metrics over host label arrays (DESIGN §7) for per-epoch validation; the same definitions as
/// <see cref="MetricSuite"/>, which computes the test-set metrics and result files.
/// </summary>
public static class Accuracy
{
    /// <summary>recall_c = correct_c / n_c for each class; NaN for a class without samples.</summary>
    public static double[] PerClassRecall(long[] labels, long[] predicted, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(predicted);
        var total = new long[classes];
        var correct = new long[classes];
        for (var i = 0; i < labels.Length; i++)
        {
            total[labels[i]]++;
            if (predicted[i] == labels[i])
            {
                correct[labels[i]]++;
            }
        }

        return total.Select((n, c) => n == 0 ? double.NaN : (double)correct[c] / n).ToArray();
    }

    /// <summary>Mean per-class recall over the classes present (scikit-learn's balanced_accuracy_score).</summary>
    public static double Balanced(long[] labels, long[] predicted, int classes)
    {
        var recalls = PerClassRecall(labels, predicted, classes).Where(r => !double.IsNaN(r)).ToArray();
        return recalls.Length == 0 ? double.NaN : recalls.Average();
    }

    /// <summary>The lowest accuracy over groups with at least one sample.</summary>
    public static double WorstGroup(long[] groups, long[] labels, long[] predicted)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var byGroup = new Dictionary<long, (long n, long correct)>();
        for (var i = 0; i < groups.Length; i++)
        {
            byGroup.TryGetValue(groups[i], out var g);
            byGroup[groups[i]] = (g.n + 1, g.correct + (predicted[i] == labels[i] ? 1 : 0));
        }

        return byGroup.Count == 0 ? double.NaN : byGroup.Values.Min(g => (double)g.correct / g.n);
    }
}
