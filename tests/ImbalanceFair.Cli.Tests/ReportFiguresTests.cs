using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImbalanceFair.Cli.Tests.Support;
using ImbalanceFair.Tests.Shared;

namespace ImbalanceFair.Cli.Tests;

/// <summary>scripts/report-figures: the charts of a real report.html as static SVG files, drawn from the page's own specs.</summary>
public sealed partial class ReportFiguresTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-figures-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static (int Exit, string Stdout, string Stderr) Figures(params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(Repo.Root, "scripts", "report-figures")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "report-figures did not finish in 3 minutes");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The chart specs report.html draws (its one-line <c>const CHARTS = {...};</c>).</summary>
    private static JsonDocument Specs(string reportHtml)
    {
        var html = File.ReadAllText(reportHtml);
        var line = html[(html.IndexOf("const CHARTS = ", StringComparison.Ordinal) + "const CHARTS = ".Length)..];
        return JsonDocument.Parse(line[..line.IndexOf(";\n", StringComparison.Ordinal)]);
    }

    [Fact]
    public void Every_chart_of_a_report_becomes_an_svg_with_its_marks_and_one_point_per_data_row()
    {
        var runs = Path.Combine(_dir.FullName, "runs");
        foreach (var strategy in new[] { "none", "smote", "pgd" })
        {
            foreach (var ratio in new[] { 10.0, 100.0 })
            {
                for (var seed = 0; seed < 2; seed++)
                {
                    RunFixtures.Write(runs, strategy, ratio, seed);
                }
            }
        }

        Assert.Equal(0, Imbfair.Run(["report", runs]).ExitCode);
        using var specs = Specs(Path.Combine(runs, "report.html"));
        var outDir = Path.Combine(_dir.FullName, "figures");

        var (exit, stdout, stderr) = Figures(Path.Combine(runs, "report.html"), outDir);

        Assert.True(exit == 0, stderr);
        Assert.Equal(["alignment-gap.svg", "balanced.svg", "per-class.svg", "worst-group.svg"], Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(4, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        foreach (var (name, marks) in new[]
                 {
                     ("worst-group", new[] { "mark-line", "mark-symbol", "mark-rule" }), ("balanced", ["mark-line", "mark-symbol", "mark-rule"]),
                     ("per-class", ["mark-symbol"]), ("alignment-gap", ["mark-rect", "mark-rule"]),
                 })
        {
            var svg = File.ReadAllText(Path.Combine(outDir, $"{name}.svg"));
            Assert.StartsWith("<svg", svg, StringComparison.Ordinal);
            foreach (var mark in marks)
            {
                Assert.True(svg.Contains($"class=\"{mark} role-mark", StringComparison.Ordinal), $"{name}.svg has no {mark}");
            }
        }

        // The per-class chart: one symbol per data row of its spec (3 strategies × 2 ratios × 3 classes).
        var rows = specs.RootElement.GetProperty("chart-per-class").GetProperty("data").GetProperty("values").GetArrayLength();
        Assert.Equal(18, rows);
        var perClass = File.ReadAllText(Path.Combine(outDir, "per-class.svg"));
        var symbols = perClass[perClass.IndexOf("class=\"mark-symbol role-mark", StringComparison.Ordinal)..];
        symbols = symbols[..symbols.IndexOf("</g>", StringComparison.Ordinal)];
        Assert.Equal(rows, PathElement().Count(symbols));
    }

    [Fact]
    public void Runs_of_several_settings_are_drawn_in_one_panel_per_setting_with_one_colour_per_method()
    {
        var runs = Path.Combine(_dir.FullName, "runs");
        foreach (var strategy in new[] { "none", "pgd" })
        {
            for (var seed = 0; seed < 2; seed++)
            {
                RunFixtures.Write(runs, strategy, 10, seed);
                RunFixtures.Write(runs, strategy, 10, seed, lr: 0.0003);
            }
        }

        Assert.Equal(0, Imbfair.Run(["report", runs]).ExitCode);
        using var specs = Specs(Path.Combine(runs, "report.html"));
        var balanced = specs.RootElement.GetProperty("chart-balanced");

        Assert.Equal("panel", balanced.GetProperty("facet").GetProperty("field").GetString());
        Assert.Equal(1, balanced.GetProperty("columns").GetInt32());
        var points = balanced.GetProperty("data").GetProperty("values").EnumerateArray().ToList();
        Assert.Equal(["none", "pgd"], points.Select(p => p.GetProperty("series").GetString()).Distinct().Order(StringComparer.Ordinal));
        var panels = points.Select(p => p.GetProperty("panel").GetString()!).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, panels.Count);
        Assert.Contains("train.optimizer.lr=0.0003", panels);
        Assert.All(panels, p => Assert.StartsWith("train.optimizer.lr=", p, StringComparison.Ordinal));

        var outDir = Path.Combine(_dir.FullName, "figures");
        Assert.Equal(0, Figures(Path.Combine(runs, "report.html"), outDir).Exit);
        var svg = File.ReadAllText(Path.Combine(outDir, "balanced.svg"));
        Assert.All(panels, p => Assert.Contains($">{p}</text>", svg, StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_that_is_not_a_report_or_an_unknown_chart_is_exit_2_naming_it()
    {
        var notReport = Path.Combine(_dir.FullName, "page.html");
        File.WriteAllText(notReport, "<html><body>hello</body></html>");

        var (exit, _, stderr) = Figures(notReport, Path.Combine(_dir.FullName, "out"));

        Assert.Equal(2, exit);
        Assert.Contains("is it a report.html written by imbfair report?", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "out")));
    }

    [GeneratedRegex("<path ")]
    private static partial Regex PathElement();
}
