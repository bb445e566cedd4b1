using System.Text.RegularExpressions;
using ImbalanceFair.Cli.Tests.Support;
using ImbalanceFair.Tests.Shared;

namespace ImbalanceFair.Cli.Tests;

/// <summary>report.html opened in headless Chromium: every chart drawn as SVG with marks, pixels on screen, and no request leaving the file.</summary>
public sealed partial class ReportHtmlTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-html-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>Skipped, with the reason, only where Chromium is missing (scripts/test installs it as root and says why it could not).</summary>
    private sealed class ChromiumFactAttribute : FactAttribute
    {
        public ChromiumFactAttribute()
        {
            if (Chromium.Executable is null)
            {
                Skip = Environment.GetEnvironmentVariable("IMBFAIR_CHROMIUM_SKIP") is { Length: > 0 } why
                    ? $"no chromium: {why}"
                    : "no chromium on PATH (scripts/test installs it as root: apt-get install -y --no-install-recommends chromium)";
            }
        }
    }

    private string MakeReport()
    {
        var runs = Path.Combine(_dir.FullName, "runs");
        foreach (var strategy in new[] { "none", "smote", "pgd" })
        {
            foreach (var ratio in new[] { 10.0, 100.0 })
            {
                for (var seed = 0; seed < 3; seed++)
                {
                    RunFixtures.Write(runs, strategy, ratio, seed);
                }
            }
        }

        var result = Imbfair.Run(["report", runs]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return Path.Combine(runs, "report.html");
    }

    [ChromiumFact]
    public void Every_chart_is_drawn_as_svg_with_marks_and_the_page_requests_nothing()
    {
        var page = MakeReport();
        var netLog = Path.Combine(_dir.FullName, "net.json");

        var dom = Chromium.Run(page, netLog, "--dump-dom");

        Assert.Matches("<body[^>]*data-charts=\"done\"", dom);
        Assert.DoesNotContain("data-csp-violations", dom, StringComparison.Ordinal);
        var sections = dom.Split("<section>").Skip(1).ToList();
        Assert.Equal(4, sections.Count);
        foreach (var (id, marks) in new[]
                 {
                     ("chart-worst-group", new[] { "mark-line", "mark-symbol", "mark-rule" }),
                     ("chart-balanced", ["mark-line", "mark-symbol", "mark-rule"]),
                     ("chart-per-class", ["mark-symbol"]),
                     ("chart-alignment-gap", ["mark-rect", "mark-rule"]),
                 })
        {
            var section = sections.Single(s => s.Contains($"id=\"{id}\"", StringComparison.Ordinal));
            Assert.Matches($"id=\"{id}\"[^>]*data-rendered=\"true\"", section);
            Assert.Contains("<svg", section, StringComparison.Ordinal);
            Assert.DoesNotContain("data-error", section, StringComparison.Ordinal);
            foreach (var mark in marks)
            {
                Assert.True(section.Contains($"class=\"{mark} role-mark", StringComparison.Ordinal), $"{id} has no {mark}");
            }

            // 3 strategies × 2 ratios: at least 6 drawn marks (paths) beyond axes and legend.
            Assert.True(PathElement().Count(section) >= 6, $"{id}: only {PathElement().Count(section)} paths");
        }

        Assert.Empty(Chromium.PageRequests(netLog));
    }

    [ChromiumFact]
    public void The_net_log_check_sees_a_page_that_does_request_something()
    {
        // The control for the check above: a page that loads from the network is caught by the same net-log reading.
        var leaky = Path.Combine(_dir.FullName, "leaky.html");
        File.WriteAllText(leaky, "<!DOCTYPE html><html><body><img src=\"http://example.com/x.png\"></body></html>");
        var netLog = Path.Combine(_dir.FullName, "leaky.json");

        Chromium.Run(leaky, netLog, "--dump-dom");

        Assert.Contains("http://example.com/x.png", Chromium.PageRequests(netLog));
    }

    [ChromiumFact]
    public void A_screenshot_shows_the_strategy_colours_in_the_charts()
    {
        var page = MakeReport();
        var shot = Path.Combine(_dir.FullName, "shot.png");

        Chromium.Run(page, Path.Combine(_dir.FullName, "net.json"), $"--screenshot={shot}", "--window-size=1200,2600", "--hide-scrollbars");

        // Pixels near Vega's first three category colours (tableau10: none, pgd, smote) and the number of distinct colours.
        var counts = Python.Run("""
            import sys
            from PIL import Image
            im = Image.open(sys.argv[1]).convert('RGB')
            px = list(im.getdata())
            colours = [(0x4c, 0x78, 0xa8), (0xf5, 0x85, 0x18), (0xe4, 0x57, 0x56)]
            near = [sum(1 for p in px if sum(abs(a - b) for a, b in zip(p, c)) < 40) for c in colours]
            print(' '.join(map(str, near + [len(set(px))])))
            """, shot).Trim().Split(' ').Select(int.Parse).ToArray();
        Assert.True(counts[..3].All(c => c >= 100), $"strategy colours on screen: {string.Join(", ", counts[..3])} pixels");
        Assert.True(counts[3] >= 50, $"{counts[3]} distinct colours: a blank or text-only page");
    }

    [GeneratedRegex("<path ")]
    private static partial Regex PathElement();
}
