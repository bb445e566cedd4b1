using System.Globalization;
using System.Text.Json;
using ImbalanceFair.Cli.Tests.Support;
using ImbalanceFair.Tests.Shared;

namespace ImbalanceFair.Cli.Tests;

/// <summary>The real `imbfair run` twice (seeds 0 and 1) on the shipped CI config, then `imbfair report` on its output folder.</summary>
public sealed class ReportEndToEndTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-report-e2e-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Report_of_two_real_runs_is_one_group_of_two_seeds()
    {
        var runs = Path.Combine(_dir.FullName, "runs");
        var config = Path.Combine(Repo.Root, "configs", "ci-shapes.yaml");
        var env = new Dictionary<string, string> { ["IMBFAIR_CACHE"] = Path.Combine(_dir.FullName, "cache") };
        var summaries = new List<JsonElement>();
        foreach (var seed in new[] { "seed=0", "seed=1" })
        {
            var run = Imbfair.Run(["run", config, seed, "augment.strategy=oversample", $"output.dir={runs}", "--json", "--no-progress"], env);
            Assert.True(run.ExitCode == 0, run.Stderr);
            summaries.Add(JsonDocument.Parse(run.Stdout).RootElement.GetProperty("summary").Clone());
        }

        var result = Imbfair.Run(["report", runs, "--json"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal((2, 1, 0), (json.GetProperty("runs").GetInt32(), json.GetProperty("groups").GetInt32(), json.GetProperty("skipped").GetArrayLength()));
        var lines = File.ReadAllLines(Path.Combine(runs, "report.csv"));
        var header = lines[0].Split(',');
        var balanced = header.Zip(lines.Skip(1).Select(l => l.Split(',')).Single(r => r[Array.IndexOf(header, "metric")] == "balanced_accuracy"))
            .ToDictionary(x => x.First, x => x.Second);
        Assert.Equal(("ci-shapes", "shapes", "oversample", "10", "tiny-clip-conv", "0 1", "2"),
            (balanced["name"], balanced["dataset"], balanced["strategy"], balanced["imbalance_ratio"], balanced["arch"], balanced["seeds"], balanced["n"]));
        var values = summaries.Select(s => s.GetProperty("balanced_accuracy").GetDouble()).ToArray();
        Assert.Equal(values.Average(), double.Parse(balanced["mean"], CultureInfo.InvariantCulture), 12);
        var std = Math.Abs(values[0] - values[1]) / Math.Sqrt(2);
        Assert.Equal(std, double.Parse(balanced["std"], CultureInfo.InvariantCulture), 12);
        Assert.Equal(std / Math.Sqrt(2), double.Parse(balanced["se"], CultureInfo.InvariantCulture), 12);
        Assert.Equal(8, File.ReadAllLines(Path.Combine(runs, "report_per_class.csv")).Length - 1);
        Assert.Contains(File.ReadAllLines(Path.Combine(runs, "report.md")), l => l.StartsWith("| oversample | 10 | 2 |", StringComparison.Ordinal));
        Assert.Contains("id=\"chart-worst-group\"", File.ReadAllText(Path.Combine(runs, "report.html")), StringComparison.Ordinal);
    }
}
