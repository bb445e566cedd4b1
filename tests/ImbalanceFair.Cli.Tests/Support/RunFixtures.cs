using System.Globalization;

namespace ImbalanceFair.Cli.Tests.Support;

/// <summary>
/// Run directories written by hand with DESIGN §6's exact file headers, for report tests that need known values
/// rather than trained models. Metric values come from a seeded generator so every test sees the same numbers.
/// </summary>
public static class RunFixtures
{
    public const string SummaryHeader =
        "run_id,name,dataset,strategy,imbalance_ratio,seed,arch,train_mode,loss,epochs,accuracy,balanced_accuracy,macro_f1," +
        "worst_class_accuracy,class_accuracy_gap,harmonic_mean_accuracy,many_accuracy,medium_accuracy,few_accuracy," +
        "worst_group_accuracy,avg_group_accuracy,dpd,eod,es_accuracy,ece,mean_alignment,worst_class_alignment,alignment_gap," +
        "robust_accuracy,worst_class_robust_accuracy,balanced_accuracy_ci_low,balanced_accuracy_ci_high," +
        "worst_group_accuracy_ci_low,worst_group_accuracy_ci_high,train_seconds,train_images_per_second,device";

    public const string PerClassHeader =
        "run_id,class_index,class_name,bucket,n_train_real,n_train_total,n_test,accuracy,precision,recall,f1,mean_alignment,mean_margin,robust_accuracy";

    /// <summary>The metric columns of summary.csv (between epochs and train_seconds).</summary>
    public static IReadOnlyList<string> MetricColumns { get; } = SummaryHeader.Split(',')[10..^3];

    /// <summary>A report CSV as one column → cell map per row (no quoting: report cells hold no commas here).</summary>
    public static List<Dictionary<string, string>> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        return lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(x => x.First, x => x.Second)).ToList();
    }

    /// <summary>A number cell; NaN for an empty one.</summary>
    public static double Num(string cell) => cell.Length == 0 ? double.NaN : double.Parse(cell, CultureInfo.InvariantCulture);

    public static string Cell(double v) => double.IsNaN(v) ? string.Empty : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// A finished run of strategy × ratio × seed in <c>root/&lt;strategy&gt;-&lt;ratio&gt;-s&lt;seed&gt;</c>. No attribute, so
    /// dpd and eod are empty; robust accuracy only for "pgd"; medium_accuracy empty for seed 2 (a bucket left empty).
    /// </summary>
    public static string Write(string root, string strategy, double ratio, long seed, double? lr = null, bool done = true, bool perClass = true)
    {
        var dir = Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $"{strategy}-{ratio}-s{seed}{(lr is { } l ? $"-lr{l}" : "")}"));
        Directory.CreateDirectory(dir);
        var runId = Guid.NewGuid().ToString("N")[..12];
        var random = new Random(strategy.Sum(ch => ch) * 1009 + (int)ratio * 31 + (int)seed + (lr is null ? 0 : 7));
        var metrics = MetricColumns.Select(m => m switch
        {
            "dpd" or "eod" => double.NaN,
            "robust_accuracy" or "worst_class_robust_accuracy" when strategy != "pgd" => double.NaN,
            "medium_accuracy" when seed == 2 => double.NaN,
            _ => Math.Round(random.NextDouble(), 4),
        }).ToList();
        var summary = new List<string> { runId, "study", "mini-shapes", strategy, Cell(ratio), Cell(seed), "tiny-clip", "text-head", "ce", "2" };
        summary.AddRange(metrics.Select(Cell));
        summary.AddRange([Cell(10 + random.NextDouble()), Cell(1000 * random.NextDouble()), "cpu"]);
        File.WriteAllText(Path.Combine(dir, "summary.csv"), SummaryHeader + "\n" + string.Join(',', summary) + "\n");

        if (perClass)
        {
            var counts = new[] { 500.0, Math.Round(500 / Math.Sqrt(ratio)), Math.Round(500 / ratio) };
            var buckets = counts.Select(c => c > 100 ? "many" : c >= 20 ? "medium" : "few").ToArray();
            var lines = new List<string> { PerClassHeader };
            for (var c = 0; c < 3; c++)
            {
                var total = strategy == "none" ? counts[c] : 500;
                lines.Add(string.Join(',', runId, Cell(c), $"class{c}", buckets[c], Cell(counts[c]), Cell(total), "20",
                    Cell(Math.Round(random.NextDouble(), 4)), "0.5", "0.5", "0.5", "0.3", Cell(Math.Round(random.NextDouble() / 10, 4)),
                    strategy == "pgd" ? Cell(Math.Round(random.NextDouble(), 4)) : ""));
            }

            File.WriteAllText(Path.Combine(dir, "per_class.csv"), string.Join('\n', lines) + "\n");
        }

        // output.dir and device differ between seeds on purpose: like seed, they must not split a group.
        File.WriteAllText(Path.Combine(dir, "config.resolved.yaml"), string.Create(CultureInfo.InvariantCulture, $"""
            name: study
            seed: {seed}
            device: {(seed % 2 == 0 ? "cpu" : "auto")}
            dataset: {"{"}name: mini-shapes{"}"}
            imbalance: {"{"}ratio: {ratio}{"}"}
            augment: {"{"}strategy: {strategy}{"}"}
            model: {"{"}arch: tiny-clip{"}"}
            train: {"{"}epochs: 2, loss: ce{(lr is { } rate ? $", optimizer: {{lr: {rate}}}" : "")}{"}"}
            output: {"{"}dir: /elsewhere/seed{seed}{"}"}
            """));
        if (done)
        {
            File.WriteAllText(Path.Combine(dir, "done"), string.Empty);
        }

        return dir;
    }
}
