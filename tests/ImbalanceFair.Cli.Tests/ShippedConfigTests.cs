using ImbalanceFair.Tests.Shared;
using ImbalanceFair.Cli.Tests.Support;

namespace ImbalanceFair.Cli.Tests;

/// <summary>The run configs the repository ships (quickstart and studies) stay valid as the schema moves.</summary>
public sealed class ShippedConfigTests
{
    private static readonly string s_root = Repo.Root;

    public static TheoryData<string> Configs() => new(Paths());

    private static IEnumerable<string> Paths() =>
        Directory.EnumerateFiles(Path.Combine(s_root, "configs"), "*.yaml")
            .Concat(Directory.EnumerateFiles(Path.Combine(s_root, "configs", "studies"), "*.yaml"))
            .Select(path => Path.GetRelativePath(s_root, path))
            .Order(StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(Configs))]
    public void A_shipped_config_validates(string config)
    {
        // A study on downloaded weights (model.arch a directory under models/) is checked against a small random
        // checkpoint of the same layout; without the weights, its error must say how to get them.
        string[] overrides = [];
        string? fixture = null;
        if (File.ReadAllText(Path.Combine(s_root, config)).Contains("arch: models/", StringComparison.Ordinal))
        {
            var missing = Imbfair.Run(["validate", Path.Combine(s_root, config)], workingDirectory: Path.GetTempPath());
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains("huggingface-cli download openai/", missing.Stderr, StringComparison.Ordinal);
            fixture = Directory.CreateTempSubdirectory("imbfair-shipped-").FullName;
            Python.Run(File.ReadAllText(Path.Combine(s_root, "tests", "Fixtures", "hf_clip.py")), fixture, "{}");
            overrides = [$"model.arch={Path.Combine(fixture, "model")}"];
        }

        var result = Imbfair.Run(["validate", Path.Combine(s_root, config), .. overrides]);
        if (fixture is not null)
        {
            Directory.Delete(fixture, recursive: true);
        }

        Assert.True(result.ExitCode == 0, $"{config}: {result.Stderr}");
        Assert.Contains("name:", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_quickstart_and_at_least_one_study_are_shipped()
    {
        var configs = Paths().ToList();

        Assert.Contains(Path.Combine("configs", "quickstart.yaml"), configs);
        Assert.Contains(configs, c => c.StartsWith(Path.Combine("configs", "studies"), StringComparison.Ordinal));
    }
}
