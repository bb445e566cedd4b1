using System.Globalization;
using System.Text.Json;
using ImbalanceFair.Cli.Tests.Support;
using ImbalanceFair.Tests.Shared;

namespace ImbalanceFair.Cli.Tests;

/// <summary>`imbfair report` on hand-written run directories (2 strategies × 2 ratios × 3 seeds), checked against numpy.</summary>
public sealed class ReportCommandTests : IDisposable
{
    private static readonly string[] Strategies = ["none", "pgd"];
    private static readonly double[] Ratios = [10, 100];

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-report-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Runs => Path.Combine(_dir.FullName, "runs");

    private void WriteStudy()
    {
        foreach (var strategy in Strategies)
        {
            foreach (var ratio in Ratios)
            {
                for (var seed = 0; seed < 3; seed++)
                {
                    // Nested folders, as sweeps make them: the report searches recursively.
                    RunFixtures.Write(Path.Combine(Runs, strategy), strategy, ratio, seed);
                }
            }
        }
    }

    private static List<Dictionary<string, string>> ReadCsv(string path) => RunFixtures.ReadCsv(path);

    private static double Num(string cell) => RunFixtures.Num(cell);

    /// <summary>numpy's mean, std(ddof=1), std/√n and n per strategy × ratio × metric, reading the summary.csv files itself.</summary>
    private const string NumpyAggregate = """
        import csv, math, os, sys
        import numpy as np
        groups = {}
        for root, dirs, files in os.walk(sys.argv[1]):
            if not {'done', 'summary.csv', 'per_class.csv'} <= set(files):
                continue
            with open(os.path.join(root, 'summary.csv'), newline='') as f:
                row = next(csv.DictReader(f))
            groups.setdefault((row['strategy'], float(row['imbalance_ratio'])), []).append(row)
        metrics = sys.argv[2].split(',')
        for (strategy, ratio), rows in sorted(groups.items()):
            for m in metrics:
                xs = np.array([float(r[m]) for r in rows if r[m] != ''])
                n = len(xs)
                mean = xs.mean() if n else float('nan')
                std = xs.std(ddof=1) if n > 1 else float('nan')
                se = std / math.sqrt(n) if n > 1 else float('nan')
                print(f"{strategy},{ratio!r},{m},{n},{mean!r},{std!r},{se!r}")
        """;

    [Fact]
    public void Report_aggregates_over_seeds_as_numpy_does_and_lists_unfinished_runs()
    {
        WriteStudy();
        RunFixtures.Write(Path.Combine(Runs, "none"), "none", 10, seed: 7, done: false);
        RunFixtures.Write(Path.Combine(Runs, "pgd"), "pgd", 10, seed: 8, perClass: false);

        var result = Imbfair.Run(["report", Runs, "--json"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal(12, json.GetProperty("runs").GetInt32());
        Assert.Equal(4, json.GetProperty("groups").GetInt32());
        var skipped = json.GetProperty("skipped").EnumerateArray().Select(s => (s.GetProperty("location").GetString()!, s.GetProperty("reason").GetString()!)).ToList();
        Assert.Equal(2, skipped.Count);
        Assert.Contains(skipped, s => s.Item1.EndsWith("none-10-s7", StringComparison.Ordinal) && s.Item2.Contains("unfinished", StringComparison.Ordinal));
        Assert.Contains(skipped, s => s.Item1.EndsWith("pgd-10-s8", StringComparison.Ordinal) && s.Item2.Contains("per_class.csv is missing", StringComparison.Ordinal));
        Assert.Contains("none-10-s7: unfinished", result.Stderr, StringComparison.Ordinal);

        var report = ReadCsv(Path.Combine(Runs, "report.csv"));
        Assert.Equal("group_id,name,dataset,strategy,imbalance_ratio,arch,train_mode,loss,epochs,variant,seeds,metric,n,mean,std,se",
            File.ReadLines(Path.Combine(Runs, "report.csv")).First());
        Assert.Equal(4 * RunFixtures.MetricColumns.Count, report.Count);
        Assert.Equal(RunFixtures.MetricColumns, report.Take(RunFixtures.MetricColumns.Count).Select(r => r["metric"]));
        Assert.All(report, r => Assert.Equal("0 1 2", r["seeds"]));
        Assert.All(report, r => Assert.Equal(string.Empty, r["variant"]));
        Assert.Equal(4, report.Select(r => r["group_id"]).Distinct().Count());

        var expected = Python.Run(NumpyAggregate, Runs, string.Join(',', RunFixtures.MetricColumns))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(',')).ToList();
        Assert.Equal(report.Count, expected.Count);
        foreach (var e in expected)
        {
            var row = report.Single(r => r["strategy"] == e[0] && Num(r["imbalance_ratio"]) == Num(e[1]) && r["metric"] == e[2]);
            Assert.Equal(e[3], row["n"]);
            foreach (var (column, value) in new[] { ("mean", e[4]), ("std", e[5]), ("se", e[6]) })
            {
                var want = value == "nan" ? double.NaN : Num(value);
                var got = Num(row[column]);
                Assert.True(double.IsNaN(want) ? double.IsNaN(got) : Math.Abs(want - got) <= 1e-12, $"{e[0]} ρ={e[1]} {e[2]} {column}: numpy {value}, report {row[column]}");
            }
        }

        // An empty bucket in one seed: aggregated over the two seeds that have it; robust accuracy only where it applies.
        Assert.Equal("2", report.First(r => r["metric"] == "medium_accuracy")["n"]);
        Assert.All(report.Where(r => r["metric"] is "dpd" or "eod"), r => Assert.Equal(("0", "", "", ""), (r["n"], r["mean"], r["std"], r["se"])));
        Assert.All(report.Where(r => r["metric"] == "robust_accuracy"), r => Assert.Equal(r["strategy"] == "pgd" ? "3" : "0", r["n"]));
    }

    [Fact]
    public void Report_runs_csv_holds_each_runs_own_summary_row_under_its_run_id_and_group()
    {
        WriteStudy();
        RunFixtures.Write(Path.Combine(Runs, "none"), "none", 10, seed: 7, done: false);

        var result = Imbfair.Run(["report", Runs]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var rows = ReadCsv(Path.Combine(Runs, "report_runs.csv"));
        Assert.Equal("group_id,name,dataset,strategy,imbalance_ratio,arch,train_mode,loss,epochs,variant,run_id,seed," + string.Join(',', RunFixtures.MetricColumns),
            File.ReadLines(Path.Combine(Runs, "report_runs.csv")).First());
        Assert.Equal(12, rows.Count);
        Assert.DoesNotContain(rows, r => r["seed"] == "7");
        var groups = ReadCsv(Path.Combine(Runs, "report.csv"));
        foreach (var dir in Directory.GetDirectories(Runs, "*", SearchOption.AllDirectories).Where(d => File.Exists(Path.Combine(d, "done"))))
        {
            var summary = ReadCsv(Path.Combine(dir, "summary.csv")).Single();
            var row = rows.Single(r => r["run_id"] == summary["run_id"]);
            Assert.Equal((summary["strategy"], summary["seed"]), (row["strategy"], row["seed"]));
            Assert.Equal(Num(summary["imbalance_ratio"]), Num(row["imbalance_ratio"]));
            foreach (var m in RunFixtures.MetricColumns)
            {
                Assert.Equal(Num(summary[m]), Num(row[m]));
            }

            // The row's group is the report.csv group whose mean it enters.
            Assert.Contains(groups, g => g["group_id"] == row["group_id"] && g["strategy"] == row["strategy"] && g["seeds"].Split(' ').Contains(row["seed"]));
        }
    }

    [Fact]
    public void Report_md_has_one_row_per_strategy_and_ratio_with_mean_and_std()
    {
        WriteStudy();

        var result = Imbfair.Run(["report", Runs]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var md = File.ReadAllLines(Path.Combine(Runs, "report.md"));
        Assert.Contains("## study · mini-shapes · tiny-clip · text-head · ce · 2 epochs", md);
        Assert.Contains("| strategy | ρ | n | balanced acc. | worst class | worst group | many | medium | few | alignment gap | robust acc. |", md);
        var rows = md.Where(l => l.StartsWith("| none |", StringComparison.Ordinal) || l.StartsWith("| pgd |", StringComparison.Ordinal)).ToList();
        Assert.Equal(["| none | 10 | 3 |", "| none | 100 | 3 |", "| pgd | 10 | 3 |", "| pgd | 100 | 3 |"], rows.Select(r => string.Join('|', r.Split('|')[..4]) + "|"));

        var report = ReadCsv(Path.Combine(Runs, "report.csv"));
        string Cell(string strategy, double ratio, string metric)
        {
            var r = report.Single(x => x["strategy"] == strategy && Num(x["imbalance_ratio"]) == ratio && x["metric"] == metric);
            return r["n"] == "0" ? "–" : r["std"] == "" ? Num(r["mean"]).ToString("F3", CultureInfo.InvariantCulture)
                : $"{Num(r["mean"]).ToString("F3", CultureInfo.InvariantCulture)} ± {Num(r["std"]).ToString("F3", CultureInfo.InvariantCulture)}";
        }

        foreach (var strategy in Strategies)
        {
            foreach (var ratio in Ratios)
            {
                var cells = new[] { "balanced_accuracy", "worst_class_accuracy", "worst_group_accuracy", "many_accuracy", "medium_accuracy", "few_accuracy", "alignment_gap", "robust_accuracy" }
                    .Select(m => Cell(strategy, ratio, m));
                Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"| {strategy} | {ratio} | 3 | {string.Join(" | ", cells)} |"), md);
            }
        }

        Assert.Contains(md, l => l.StartsWith("| none | 10 | 3 |", StringComparison.Ordinal) && l.EndsWith("| – |", StringComparison.Ordinal));
        Assert.Contains("## Training time", md);
        Assert.DoesNotContain(md, l => l.Contains("Skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void Old_runs_with_keys_this_version_does_not_know_are_read_leniently_and_named_in_the_report()
    {
        WriteStudy();
        foreach (var config in Directory.GetFiles(Path.Combine(Runs, "pgd"), "config.resolved.yaml", SearchOption.AllDirectories)
                     .Where(f => f.Contains("pgd-10-", StringComparison.Ordinal)))
        {
            // A key renamed since (augment.adversarial.iterations) and a removed section, as an older imbfair wrote them.
            File.AppendAllText(config, "\nsampler_v0: {kind: square-root}\n");
            File.WriteAllText(config, File.ReadAllText(config).Replace("augment: {strategy: pgd}", "augment: {strategy: pgd, adversarial: {iterations: 7}}", StringComparison.Ordinal));
        }

        var result = Imbfair.Run(["report", Runs]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var md = File.ReadAllText(Path.Combine(Runs, "report.md"));
        Assert.DoesNotContain("Skipped", md, StringComparison.Ordinal);
        Assert.Contains("## Config keys unknown to this version", md, StringComparison.Ordinal);
        Assert.Contains("augment.adversarial.iterations=", md, StringComparison.Ordinal);
        Assert.Contains("sampler_v0=", md, StringComparison.Ordinal);
        Assert.Equal(3, md.Split('\n').Count(l => l.StartsWith("- `", StringComparison.Ordinal) && l.Contains("iterations", StringComparison.Ordinal)));
        var report = ReadCsv(Path.Combine(Runs, "report.csv"));
        Assert.Equal(4, report.Select(r => r["group_id"]).Distinct().Count());
        Assert.All(report, r => Assert.Equal("0 1 2", r["seeds"]));
        Assert.Contains("Config keys unknown to this version", File.ReadAllText(Path.Combine(Runs, "report.html")), StringComparison.Ordinal);
    }

    [Fact]
    public void Same_inputs_give_byte_identical_reports_and_report_csv_holds_no_timing_or_paths()
    {
        WriteStudy();
        var a = Path.Combine(_dir.FullName, "a");
        var b = Path.Combine(_dir.FullName, "b");

        Assert.Equal(0, Imbfair.Run(["report", Runs, "--out", a]).ExitCode);
        // A copy of the runs made in another order, found under another path, gives the same report.csv.
        var copy = Path.Combine(_dir.FullName, "copy");
        foreach (var dir in Directory.GetDirectories(Runs, "*", SearchOption.AllDirectories).Where(d => File.Exists(Path.Combine(d, "done"))).Reverse())
        {
            var target = Path.Combine(copy, Path.GetRelativePath(Runs, dir));
            Directory.CreateDirectory(target);
            foreach (var f in Directory.GetFiles(dir))
            {
                File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
            }
        }

        Assert.Equal(0, Imbfair.Run(["report", Runs, "--out", b]).ExitCode);
        var c = Path.Combine(_dir.FullName, "c");
        Assert.Equal(0, Imbfair.Run(["report", copy, "--out", c]).ExitCode);

        foreach (var file in new[] { "report.csv", "report_per_class.csv", "report.md", "report.html" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, file)), File.ReadAllBytes(Path.Combine(b, file)));
        }

        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "report.csv")), File.ReadAllBytes(Path.Combine(c, "report.csv")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "report_per_class.csv")), File.ReadAllBytes(Path.Combine(c, "report_per_class.csv")));
        var csv = File.ReadAllText(Path.Combine(a, "report.csv"));
        Assert.DoesNotContain("train_seconds", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("images_per_second", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(_dir.FullName, csv, StringComparison.Ordinal);
        Assert.DoesNotContain("cpu", csv, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(a, "*.tmp"));
    }

    [Fact]
    public void Runs_that_differ_in_more_than_the_seed_are_separate_groups_named_by_what_differs()
    {
        for (var seed = 0; seed < 2; seed++)
        {
            RunFixtures.Write(Runs, "none", 10, seed);
            RunFixtures.Write(Runs, "none", 10, seed, lr: 0.0003);
        }

        var result = Imbfair.Run(["report", Runs]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var groups = ReadCsv(Path.Combine(Runs, "report.csv")).Where(r => r["metric"] == "balanced_accuracy").ToList();
        Assert.Equal(2, groups.Count);
        Assert.All(groups, g => Assert.Equal(("2", "0 1"), (g["n"], g["seeds"])));
        Assert.Equal(["train.optimizer.lr=0.0003", "train.optimizer.lr=0.001"], groups.Select(g => g["variant"]).Order(StringComparer.Ordinal));
        Assert.Contains(File.ReadAllLines(Path.Combine(Runs, "report.md")), l => l.StartsWith("## study", StringComparison.Ordinal) && l.EndsWith("train.optimizer.lr=0.0003", StringComparison.Ordinal));
    }

    [Fact]
    public void Per_class_report_averages_each_class_over_seeds()
    {
        WriteStudy();

        Assert.Equal(0, Imbfair.Run(["report", Runs]).ExitCode);

        var rows = ReadCsv(Path.Combine(Runs, "report_per_class.csv"));
        Assert.Equal(4 * 3, rows.Count);
        var few = rows.Single(r => r["strategy"] == "none" && r["imbalance_ratio"] == "100" && r["class_index"] == "2");
        var accuracies = Directory.GetDirectories(Path.Combine(Runs, "none"), "none-100-s*")
            .Select(d => Num(File.ReadAllLines(Path.Combine(d, "per_class.csv"))[3].Split(',')[7])).ToArray();
        Assert.Equal(("few", "3", "5"), (few["bucket"], few["n"], few["n_train_total"]));
        Assert.Equal(accuracies.Average(), Num(few["accuracy_mean"]), 12);
    }

    [Fact]
    public void No_finished_runs_exits_2_and_writes_nothing()
    {
        RunFixtures.Write(Runs, "none", 10, 0, done: false);

        var result = Imbfair.Run(["report", Runs]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no finished runs", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("unfinished", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Runs, "report*"));

        var missing = Imbfair.Run(["report", Path.Combine(_dir.FullName, "nowhere")]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no such folder", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Per_class_chart_plots_accuracy_against_the_real_training_count_coloured_by_strategy()
    {
        WriteStudy();
        var model = Core.Reports.ReportModel.Build(Core.Reports.RunCollector.Collect([Runs]));

        var spec = Core.Reports.ReportCharts.All(model).Single(c => c.Id == "chart-per-class").Spec;

        Assert.Equal("n_train_real", spec["encoding"]!["x"]!["field"]!.GetValue<string>());
        Assert.Equal("series", spec["encoding"]!["color"]!["field"]!.GetValue<string>());
        var points = spec["data"]!["values"]!.AsArray().Select(v => (Series: v!["series"]!.GetValue<string>(), Real: v["n_train_real"]!.GetValue<double>(), Total: v["n_train_total"]!.GetValue<double>())).ToList();
        // pgd fills every class to 500 (n_train_total), but its tail classes sit at their real counts: 5 at ρ = 100.
        Assert.Contains(points, p => p.Series == "pgd" && p.Real == 5 && p.Total == 500);
        Assert.Equal(points.Where(p => p.Series == "none").Select(p => p.Real).Order(), points.Where(p => p.Series == "pgd").Select(p => p.Real).Order());
    }
}
