using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Data;

namespace ImbalanceFair.Core.Reports;

/// <summary>
/// One side of a comparison: a strategy name (<c>pgd</c>), optionally narrowed by resolved-config keys joined with
/// <c>+</c> (<c>diffusion+augment.diffusion.mode=ffr</c>, <c>none+train.loss=balanced-softmax</c>). Keys are the
/// dotted keys of config.resolved.yaml, values as written there.
/// </summary>
public sealed record CompareSelector(string Text, string Strategy, IReadOnlyList<KeyValuePair<string, string>> Keys)
{
    public bool Matches(RunGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Identity.Strategy != Strategy)
        {
            return false;
        }

        if (Keys.Count == 0)
        {
            return true;
        }

        var config = group.Runs[0].Config;
        if (config is null)
        {
            return false;
        }

        var flat = RunGrouping.Flatten(config);
        return Keys.All(k => flat.TryGetValue(k.Key, out var value) && value == k.Value);
    }
}

/// <summary>A requested comparison A:B, as the user wrote it.</summary>
public sealed record ComparePair(string Text, CompareSelector A, CompareSelector B)
{
    /// <summary>
    /// <c>A:B[,A:B...]</c>, e.g. <c>pgd:smote,pgd:diffusion+augment.diffusion.mode=ffr</c>. Every problem is a
    /// <see cref="ReportException"/> (exit 2) naming the part and the fix.
    /// </summary>
    public static IReadOnlyList<ComparePair> Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var pairs = new List<ComparePair>();
        foreach (var text in spec.Split(',', StringSplitOptions.TrimEntries))
        {
            var sides = text.Split(':', StringSplitOptions.TrimEntries);
            if (sides.Length != 2 || sides[0].Length == 0 || sides[1].Length == 0)
            {
                throw new ReportException($"--compare: '{text}' is not A:B (two strategies, e.g. pgd:smote; several pairs separated by commas)");
            }

            pairs.Add(new ComparePair(text, Selector(sides[0], text), Selector(sides[1], text)));
        }

        var repeated = pairs.GroupBy(p => p.Text, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return repeated is null ? pairs : throw new ReportException($"--compare: '{repeated.Key}' is asked for twice");
    }

    private static CompareSelector Selector(string text, string pair)
    {
        var terms = text.Split('+', StringSplitOptions.TrimEntries);
        var strategy = terms[0];
        if (!AugmentationStrategies.Names.Contains(strategy))
        {
            throw new ReportException(
                $"--compare: '{pair}': '{strategy}' is not a strategy (known: {string.Join(", ", AugmentationStrategies.Names)}); a side is a strategy, optionally +key=value, e.g. diffusion+augment.diffusion.mode=ffr");
        }

        var keys = new List<KeyValuePair<string, string>>();
        foreach (var term in terms.Skip(1))
        {
            var eq = term.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == term.Length - 1)
            {
                throw new ReportException($"--compare: '{pair}': '{term}' is not key=value (a dotted key of config.resolved.yaml, e.g. train.loss=balanced-softmax)");
            }

            keys.Add(new(term[..eq], term[(eq + 1)..]));
        }

        return new CompareSelector(text, strategy, keys);
    }
}

/// <summary>One row of report_compare.csv: comparison × paired groups × metric.</summary>
/// <param name="MeanA">A's mean over the paired seeds (those where both have the metric).</param>
public sealed record ComparisonRow(
    string Comparison, GroupStats A, GroupStats B, string Metric, IReadOnlyList<long> Seeds, double MeanA, double MeanB, PairedStats Stats,
    double PTTestHolm, double PSignFlipHolm);

/// <summary>
/// The paired comparisons of <c>imbfair report --compare</c>. A group of A pairs with a group of B when their resolved
/// configs agree on every key except the run name, the <c>augment</c> section and the keys the two selectors name
/// (so <c>pgd</c> at ρ = 100 with the coloured attribute pairs with <c>smote</c> at ρ = 100 with it, and
/// <c>none+train.loss=balanced-softmax</c> pairs across the loss). Runs without config.resolved.yaml pair on
/// summary.csv's description columns. A group of A may pair with several of B (diffusion in mix and ffr mode under
/// a bare <c>diffusion</c>): one row each, told apart by their variants. Each metric of <see cref="Metrics"/> that
/// both have on at least one shared seed gives a row; Holm's adjustment runs over every p-value of the table.
/// </summary>
public static class Comparisons
{
    /// <summary>The summary metrics compared: the study's (docs/study.md).</summary>
    public static IReadOnlyList<string> Metrics { get; } =
    [
        "balanced_accuracy", "worst_class_accuracy", "few_accuracy", "worst_group_accuracy", "dpd", "eod", "ece",
        "mean_alignment", "alignment_gap", "robust_accuracy",
    ];

    public static IReadOnlyList<ComparisonRow> Build(IReadOnlyList<GroupStats> groups, IReadOnlyList<ComparePair> pairs)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(pairs);
        var rows = new List<ComparisonRow>();
        foreach (var pair in pairs)
        {
            var a = groups.Where(g => pair.A.Matches(g.Group)).ToList();
            var b = groups.Where(g => pair.B.Matches(g.Group)).ToList();
            foreach (var (side, matched) in new[] { (pair.A, a), (pair.B, b) })
            {
                if (matched.Count == 0)
                {
                    throw new ReportException(
                        $"--compare {pair.Text}: no finished group of runs matches '{side.Text}' (strategies found: {string.Join(", ", groups.Select(g => g.Group.Identity.Strategy).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))})");
                }
            }

            var excluded = pair.A.Keys.Concat(pair.B.Keys).Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
            var before = rows.Count;
            foreach (var ga in a)
            {
                var key = PairKey(ga.Group, excluded);
                foreach (var gb in b.Where(gb => !ReferenceEquals(gb, ga) && PairKey(gb.Group, excluded) == key))
                {
                    rows.AddRange(Rows(pair.Text, ga, gb));
                }
            }

            if (rows.Count == before)
            {
                throw new ReportException(
                    $"--compare {pair.Text}: no group of '{pair.A.Text}' has a counterpart of '{pair.B.Text}' with the same settings and a shared seed (they may differ only in augment.*, the run name and the keys the sides name)");
            }
        }

        var holmT = PairedStats.Holm(rows.Select(r => r.Stats.PTTest).ToList());
        var holmFlip = PairedStats.Holm(rows.Select(r => r.Stats.PSignFlip).ToList());
        return rows.Select((r, i) => r with { PTTestHolm = holmT[i], PSignFlipHolm = holmFlip[i] }).ToList();
    }

    private static IEnumerable<ComparisonRow> Rows(string comparison, GroupStats a, GroupStats b)
    {
        var bySeed = b.Group.Runs.GroupBy(r => r.Seed).ToDictionary(g => g.Key, g => g.First());
        foreach (var metric in Metrics)
        {
            var seeds = new List<long>();
            var (xs, ys, diffs) = (new List<double>(), new List<double>(), new List<double>());
            foreach (var ra in a.Group.Runs.GroupBy(r => r.Seed).Select(g => g.First()))
            {
                if (bySeed.TryGetValue(ra.Seed, out var rb)
                    && ra.Metrics.GetValueOrDefault(metric, double.NaN) is var x && !double.IsNaN(x)
                    && rb.Metrics.GetValueOrDefault(metric, double.NaN) is var y && !double.IsNaN(y))
                {
                    seeds.Add(ra.Seed);
                    xs.Add(x);
                    ys.Add(y);
                    diffs.Add(x - y);
                }
            }

            if (diffs.Count > 0)
            {
                var stats = PairedStats.Of(diffs, StreamSeed(comparison, a.Group.GroupId, b.Group.GroupId, metric));
                yield return new ComparisonRow(comparison, a, b, metric, seeds, xs.Sum() / xs.Count, ys.Sum() / ys.Count, stats, double.NaN, double.NaN);
            }
        }
    }

    /// <summary>What must agree for two groups to pair: the flattened config without name, augment.* and the excluded keys; else the description columns.</summary>
    private static string PairKey(RunGroup group, HashSet<string> excluded)
    {
        if (group.Runs[0].Config is { } config)
        {
            var flat = RunGrouping.Flatten(config)
                .Where(kv => kv.Key != "name" && !kv.Key.StartsWith("augment.", StringComparison.Ordinal) && !excluded.Contains(kv.Key))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => $"{kv.Key}={kv.Value}");
            return "config\u001f" + string.Join('\u001f', flat);
        }

        var i = group.Identity;
        return string.Join('\u001f', "summary", i.Dataset, CsvFile.Number(i.ImbalanceRatio), i.Arch, i.TrainMode, excluded.Contains("train.loss") ? string.Empty : i.Loss, CsvFile.Number(i.Epochs));
    }

    /// <summary>A bootstrap seed that depends on what the row compares, not on its position: adding a pair leaves the other rows' bytes alone.</summary>
    private static long StreamSeed(params string[] parts) =>
        BinaryPrimitives.ReadInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', parts)))) & long.MaxValue;
}
