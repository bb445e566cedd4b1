namespace ImbalanceFair.Core.Reports;

/// <summary>
/// One metric over the seeds of a group: the mean, the sample standard deviation (ddof = 1, as pandas' std), the
/// standard error std/√n, and n, the runs where the metric applies. NaN where undefined: everything for n = 0,
/// std and se for n = 1.
/// </summary>
public sealed record MetricStats(int N, double Mean, double Std, double StdErr)
{
    public static MetricStats Empty { get; } = new(0, double.NaN, double.NaN, double.NaN);

    /// <summary>
    /// Of the values in the order given, NaN (does not apply) left out. Callers pass them in a fixed order, so the
    /// same runs give bit-identical sums however the file system listed them.
    /// </summary>
    public static MetricStats Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var xs = values.Where(v => !double.IsNaN(v)).ToArray();
        if (xs.Length == 0)
        {
            return Empty;
        }

        var mean = xs.Sum() / xs.Length;
        if (xs.Length == 1)
        {
            return new MetricStats(1, mean, double.NaN, double.NaN);
        }

        // Two-pass: the sum of squared deviations from the mean, not E[x²] − mean², which cancels badly for
        // accuracies that agree to several digits.
        var std = Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Length - 1));
        return new MetricStats(xs.Length, mean, std, std / Math.Sqrt(xs.Length));
    }
}
