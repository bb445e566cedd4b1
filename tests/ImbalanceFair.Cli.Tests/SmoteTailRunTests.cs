using ImbalanceFair.Cli.Tests.Support;
using ImbalanceFair.Tests.Shared;

namespace ImbalanceFair.Cli.Tests;

/// <summary>
/// A new user's extreme imbalance (issue 16): SMOTE on the CI shapes at ρ = 40, whose tail classes have 4, 2 and 1
/// training images, runs to the end instead of failing on k = 5, says so in run.log and records the k in split.csv.
/// </summary>
public sealed class SmoteTailRunTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-smote-tail-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("smote")]
    [InlineData("borderline-smote")]
    [InlineData("adasyn")]
    public void The_smote_family_runs_at_a_ratio_that_leaves_classes_of_fewer_than_k_images(string strategy)
    {
        var env = new Dictionary<string, string> { ["IMBFAIR_CACHE"] = Path.Combine(_dir.FullName, "cache") };
        var result = Imbfair.Run(
            ["run", Path.Combine(Repo.Root, "configs", "ci-shapes.yaml"), $"augment.strategy={strategy}", "imbalance.ratio=40", $"output.dir={_dir.FullName}", "--quiet"], env);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var dir = Directory.GetDirectories(Path.Combine(_dir.FullName, "ci-shapes")).Single();
        var rows = RunFixtures.ReadCsv(Path.Combine(dir, "split.csv"));
        foreach (var row in rows.Where(r => r["smote_k"].Length > 0))
        {
            var (real, k) = (long.Parse(row["n_train_real"], System.Globalization.CultureInfo.InvariantCulture), int.Parse(row["smote_k"], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(Math.Min(5, real - 1), k);
        }

        Assert.Equal("", rows[0]["smote_k"]); // the head class gets nothing
        var log = File.ReadAllText(Path.Combine(dir, "run.log"));
        Assert.Contains("it is over-sampled with k = ", log, StringComparison.Ordinal);
        if (strategy != "borderline-smote")
        {
            // Borderline grows only classes with samples in danger; smote and adasyn grow every tail class.
            Assert.Contains(rows, r => r["smote_k"] == "0" && r["n_train_real"] == "1");
            Assert.Contains("copies of its one image", log, StringComparison.Ordinal);
        }
    }
}
