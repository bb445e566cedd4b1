using System.Text.Json;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Tests.Shared;

namespace ImbalanceFair.Core.Tests.Metrics;

internal static class MetricTestData
{
    /// <summary>
    /// A long-tailed test set: class c drawn with weight ρ^(−c/(C−1)), predicted correctly with probability falling from
    /// 0.9 (head) to 0.3 (tail), otherwise a uniformly random class (which may be right by chance). Attributes, when
    /// asked for, follow the class for 70% of the samples (a spurious correlation) and are uniform otherwise.
    /// </summary>
    public static MetricInput Random(long seed, int classes, int n, double ratio, int attributes = 0, bool robust = false, int bootstrap = 0)
    {
        var rng = new SeededRandom(seed, 4242);
        var weights = Enumerable.Range(0, classes).Select(c => Math.Pow(ratio, -(double)c / Math.Max(1, classes - 1))).ToArray();
        var total = weights.Sum();
        var labels = new long[n];
        var predicted = new long[n];
        var confidence = new float[n];
        var alignment = new float[n];
        var margin = new float[n];
        var attr = attributes > 0 ? new long[n] : null;
        var robustCorrect = robust ? new bool[n] : null;
        for (var i = 0; i < n; i++)
        {
            var u = rng.NextDouble() * total;
            var y = 0;
            while (y < classes - 1 && u >= weights[y])
            {
                u -= weights[y];
                y++;
            }

            labels[i] = y;
            var pCorrect = 0.9 - (0.6 * y / Math.Max(1, classes - 1));
            predicted[i] = rng.NextDouble() < pCorrect ? y : rng.NextInt64(classes);
            confidence[i] = (float)((1.0 / classes) + ((1 - (1.0 / classes)) * rng.NextDouble()));
            alignment[i] = (float)(0.1 + (0.3 * rng.NextDouble()) + (labels[i] == predicted[i] ? 0.1 : 0));
            margin[i] = (float)(rng.NextDouble() - 0.5);
            if (attr is not null)
            {
                attr[i] = rng.NextDouble() < 0.7 ? y % attributes : rng.NextInt64(attributes);
            }

            if (robustCorrect is not null)
            {
                robustCorrect[i] = labels[i] == predicted[i] && rng.NextDouble() < 0.6;
            }
        }

        var trainCounts = Enumerable.Range(0, classes).Select(c => (long)Math.Round(500 * weights[c])).ToArray();
        return new MetricInput
        {
            Labels = labels,
            Predicted = predicted,
            Confidence = confidence,
            TrueAlignment = alignment,
            AlignmentMargin = margin,
            ClassNames = Enumerable.Range(0, classes).Select(c => $"class{c}").ToArray(),
            TrainCounts = trainCounts,
            Attributes = attr,
            AttributeCount = attributes,
            GroupTrainCounts = attributes > 0 ? Enumerable.Range(0, classes * attributes).Select(g => (long)(g * 7 % 50)).ToArray() : null,
            RobustCorrect = robustCorrect,
            BootstrapResamples = bootstrap,
            BootstrapSeed = seed,
        };
    }

    /// <summary>Inputs from hand-written arrays; confidence, alignment and margin default to constants.</summary>
    public static MetricInput Hand(long[] labels, long[] predicted, int classes, long[]? trainCounts = null, float[]? confidence = null)
    {
        var n = labels.Length;
        return new MetricInput
        {
            Labels = labels,
            Predicted = predicted,
            Confidence = confidence ?? Enumerable.Repeat(0.5f, n).ToArray(),
            TrueAlignment = new float[n],
            AlignmentMargin = new float[n],
            ClassNames = Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray(),
            TrainCounts = trainCounts ?? Enumerable.Repeat(500L, classes).ToArray(),
            BootstrapResamples = 0,
        };
    }

    /// <summary>Runs a Python <paramref name="script"/> on the input (as JSON, the path in sys.argv[1]) plus extra fields; returns its JSON output.</summary>
    public static JsonElement RunPython(string script, MetricInput input, Dictionary<string, object>? extra = null)
    {
        var data = new Dictionary<string, object?>
        {
            ["classes"] = input.Classes,
            ["labels"] = input.Labels,
            ["predicted"] = input.Predicted,
            ["confidence"] = input.Confidence,
            ["alignment"] = input.TrueAlignment,
            ["margin"] = input.AlignmentMargin,
            ["attributes"] = input.Attributes,
            ["attribute_count"] = input.AttributeCount,
        };
        foreach (var (k, v) in extra ?? [])
        {
            data[k] = v;
        }

        using var dir = new TempDir();
        var path = dir.Write("input.json", JsonSerializer.Serialize(data));
        using var doc = JsonDocument.Parse(Python.Run(script, path));
        return doc.RootElement.Clone();
    }

    public static double[] Doubles(this JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();
}
