using System.Globalization;
using System.Text.Json;
using ImbalanceFair.Cli.Tests.Support;
using ImbalanceFair.Tests.Shared;

namespace ImbalanceFair.Cli.Tests;

/// <summary>`imbfair report --compare` on hand-written run directories, its statistics checked against SciPy.</summary>
public sealed class ReportCompareTests : IDisposable
{
    private static readonly double[] Ratios = [10, 100];

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-compare-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Runs => Path.Combine(_dir.FullName, "runs");

    /// <summary>pgd, smote and none at ρ 10 and 100 over seeds 0–4; pgd also has seed 9, which smote lacks.</summary>
    private void WriteStudy()
    {
        foreach (var strategy in new[] { "pgd", "smote", "none" })
        {
            foreach (var ratio in Ratios)
            {
                for (var seed = 0; seed < 5; seed++)
                {
                    RunFixtures.Write(Runs, strategy, ratio, seed);
                }
            }
        }

        RunFixtures.Write(Runs, "pgd", 10, seed: 9);
    }

    private static List<Dictionary<string, string>> ReadCsv(string path) => RunFixtures.ReadCsv(path);

    private static double Num(string cell) => RunFixtures.Num(cell);

    /// <summary>
    /// For each row of report_compare.csv, from the runs' own summary.csv files: the paired differences over the row's
    /// seeds, scipy's ttest_rel and exact sign-flip permutation_test p-values, and Holm over the whole column written
    /// out by hand (sorted, (m − j)·p, running maximum, capped at 1).
    /// </summary>
    private const string ScipyCheck = """
        import csv, json, os, sys
        import numpy as np
        from scipy import stats
        runs = {}
        for root, dirs, files in os.walk(sys.argv[1]):
            if 'done' in files and 'summary.csv' in files:
                with open(os.path.join(root, 'summary.csv'), newline='') as f:
                    row = next(csv.DictReader(f))
                with open(os.path.join(root, 'config.resolved.yaml')) as f:
                    lr = '0.0003' if 'lr: 0.0003' in f.read() else 'default'
                runs[(row['strategy'], float(row['imbalance_ratio']), int(row['seed']), lr)] = row
        with open(sys.argv[2], newline='') as f:
            rows = list(csv.DictReader(f))
        def holm(p):
            idx = [i for i in range(len(p)) if p[i] is not None]
            idx.sort(key=lambda i: (p[i], i))
            out, running, m = [None] * len(p), 0.0, len(idx)
            for j, i in enumerate(idx):
                running = max(running, min(1.0, (m - j) * p[i]))
                out[i] = running
            return out
        result = []
        for r in rows:
            lr_a = '0.0003' if 'lr=0.0003' in r['a_variant'] else 'default'
            lr_b = '0.0003' if 'lr=0.0003' in r['b_variant'] else 'default'
            seeds = [int(s) for s in r['seeds'].split()]
            ratio = float(r['imbalance_ratio'])
            a = np.array([float(runs[(r['a_strategy'], ratio, s, lr_a)][r['metric']]) for s in seeds])
            b = np.array([float(runs[(r['b_strategy'], ratio, s, lr_b)][r['metric']]) for s in seeds])
            d = a - b
            t = stats.ttest_rel(a, b).pvalue if len(d) > 1 else float('nan')
            perm = stats.permutation_test((d,), np.mean, permutation_type='samples', n_resamples=np.inf, alternative='two-sided').pvalue
            result.append({'mean_a': a.mean(), 'mean_b': b.mean(), 'mean_diff': d.mean(), 'min': d.min(), 'max': d.max(),
                           'p_ttest': None if np.isnan(t) else float(t), 'p_signflip': float(perm)})
        for key in ['p_ttest', 'p_signflip']:
            for r, h in zip(result, holm([x[key] for x in result])):
                r[key + '_holm'] = h
        print(json.dumps(result))
        """;

    [Fact]
    public void Paired_rows_match_scipy_and_a_hand_written_holm()
    {
        WriteStudy();

        var result = Imbfair.Run(["report", Runs, "--compare", "pgd:smote,pgd:none", "--json"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var path = Path.Combine(Runs, "report_compare.csv");
        var rows = ReadCsv(path);
        // 2 comparisons × 2 ratios × 7 metrics (dpd and eod never apply here; robust accuracy only for pgd).
        Assert.Equal(28, rows.Count);
        Assert.Equal(28, JsonDocument.Parse(result.Stdout).RootElement.GetProperty("comparisons").GetInt32());
        Assert.DoesNotContain(rows, r => r["metric"] is "dpd" or "eod" or "robust_accuracy");
        // Seed 9 of pgd has no smote or none partner: every row pairs seeds 0–4.
        Assert.All(rows, r => Assert.Equal(("5", "0 1 2 3 4"), (r["n"], r["seeds"])));
        Assert.Equal(["pgd:smote", "pgd:none"], rows.Select(r => r["comparison"]).Distinct());

        var expected = JsonDocument.Parse(Python.Run(ScipyCheck, Runs, path)).RootElement.EnumerateArray().ToList();
        Assert.Equal(rows.Count, expected.Count);
        var rejected = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var (row, e) = (rows[i], expected[i]);
            foreach (var column in new[] { "mean_a", "mean_b", "mean_diff", "p_ttest", "p_ttest_holm", "p_signflip", "p_signflip_holm" })
            {
                var want = e.GetProperty(column).GetDouble();
                Assert.True(Math.Abs(want - Num(row[column])) <= 1e-9 * Math.Max(1, Math.Abs(want)), $"row {i} {column}: scipy {want}, report {row[column]}");
            }

            // The bootstrap CI of a mean lies within the differences' range and around their mean.
            var (low, high) = (Num(row["ci_low"]), Num(row["ci_high"]));
            Assert.InRange(low, e.GetProperty("min").GetDouble(), Num(row["mean_diff"]));
            Assert.InRange(high, Num(row["mean_diff"]), e.GetProperty("max").GetDouble());
            rejected += Num(row["p_ttest"]) < 0.05 ? 1 : 0;
        }

        // Five seeds: the sign-flip test's smallest p is 2/32.
        Assert.All(rows, r => Assert.True(Num(r["p_signflip"]) >= 0.0625 - 1e-12));
        Assert.Contains(rows, r => Num(r["p_signflip"]) < 0.1);
        Assert.True(rows.Select(r => r["p_ttest"]).Distinct().Count() > 20, "the data should give varied p-values");

        var md = File.ReadAllText(Path.Combine(Runs, "report.md"));
        Assert.Contains("## Paired comparisons", md, StringComparison.Ordinal);
        Assert.Equal(28, md.Split('\n').Count(l => l.StartsWith("| pgd:", StringComparison.Ordinal)));
        var html = File.ReadAllText(Path.Combine(Runs, "report.html"));
        Assert.Contains("<table id=\"compare-table\">", html, StringComparison.Ordinal);
        Assert.Equal(28, html.Split("<tr><td>pgd:").Length - 1);
    }

    [Fact]
    public void Report_compare_csv_is_byte_identical_across_runs_and_other_pairs_do_not_move_its_ci()
    {
        WriteStudy();
        var (a, b, c) = (Path.Combine(_dir.FullName, "a"), Path.Combine(_dir.FullName, "b"), Path.Combine(_dir.FullName, "c"));

        Assert.Equal(0, Imbfair.Run(["report", Runs, "--out", a, "--compare", "pgd:smote"]).ExitCode);
        Assert.Equal(0, Imbfair.Run(["report", Runs, "--out", b, "--compare", "pgd:smote"]).ExitCode);
        Assert.Equal(0, Imbfair.Run(["report", Runs, "--out", c, "--compare", "pgd:none,pgd:smote"]).ExitCode);

        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "report_compare.csv")), File.ReadAllBytes(Path.Combine(b, "report_compare.csv")));
        string Ci(string dir, string metric) =>
            ReadCsv(Path.Combine(dir, "report_compare.csv")).Where(r => r["comparison"] == "pgd:smote" && r["metric"] == metric)
                .Select(r => $"{r["imbalance_ratio"]} {r["ci_low"]} {r["ci_high"]}").Aggregate((x, y) => $"{x}; {y}");
        Assert.Equal(Ci(a, "balanced_accuracy"), Ci(c, "balanced_accuracy"));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir.FullName, "a"), "*.tmp"));
    }

    [Fact]
    public void A_side_with_a_config_key_pairs_across_that_key_only()
    {
        for (var seed = 0; seed < 3; seed++)
        {
            RunFixtures.Write(Runs, "pgd", 10, seed);
            RunFixtures.Write(Runs, "pgd", 10, seed, lr: 0.0003);
            RunFixtures.Write(Runs, "smote", 10, seed);
        }

        Assert.Equal(0, Imbfair.Run(["report", Runs, "--compare", "pgd+train.optimizer.lr=0.0003:smote,pgd:smote"]).ExitCode);

        var rows = ReadCsv(Path.Combine(Runs, "report_compare.csv")).Where(r => r["metric"] == "balanced_accuracy").ToList();
        // pgd+lr=0.0003 pairs with smote across the learning rate; bare pgd pairs only with the smote of its own rate.
        Assert.Equal(2, rows.Count);
        Assert.Equal(("pgd+train.optimizer.lr=0.0003:smote", "train.optimizer.lr=0.0003"), (rows[0]["comparison"], rows[0]["a_variant"]));
        Assert.Equal(("pgd:smote", "train.optimizer.lr=0.001"), (rows[1]["comparison"], rows[1]["a_variant"]));
        var expected = JsonDocument.Parse(Python.Run(ScipyCheck, Runs, Path.Combine(Runs, "report_compare.csv"))).RootElement.EnumerateArray().ToList();
        var all = ReadCsv(Path.Combine(Runs, "report_compare.csv"));
        for (var i = 0; i < all.Count; i++)
        {
            Assert.Equal(expected[i].GetProperty("mean_diff").GetDouble(), Num(all[i]["mean_diff"]), 12);
        }
    }

    [Theory]
    [InlineData("pgd", "is not A:B")]
    [InlineData("pgd:smoet", "'smoet' is not a strategy")]
    [InlineData("pgd:smote+train.loss", "is not key=value")]
    [InlineData("pgd:m2m", "no finished group of runs matches 'm2m'")]
    [InlineData("pgd:smote+train.loss=focal", "no finished group of runs matches 'smote+train.loss=focal'")]
    [InlineData("pgd:smote,pgd:smote", "asked for twice")]
    public void Bad_compare_specs_exit_2_and_write_nothing(string spec, string message)
    {
        for (var seed = 0; seed < 2; seed++)
        {
            RunFixtures.Write(Runs, "pgd", 10, seed);
            RunFixtures.Write(Runs, "smote", 10, seed);
        }

        var result = Imbfair.Run(["report", Runs, "--compare", spec]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Runs, "report*"));
    }

    [Fact]
    public void Groups_without_a_shared_setting_are_an_error_naming_the_pair()
    {
        for (var seed = 0; seed < 2; seed++)
        {
            RunFixtures.Write(Runs, "pgd", 10, seed);
            RunFixtures.Write(Runs, "smote", 100, seed);
        }

        var result = Imbfair.Run(["report", Runs, "--compare", "pgd:smote"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no group of 'pgd' has a counterpart of 'smote'", result.Stderr, StringComparison.Ordinal);
    }
}
