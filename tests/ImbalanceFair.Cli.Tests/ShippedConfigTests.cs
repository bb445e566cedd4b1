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
        var result = Imbfair.Run(["validate", Path.Combine(s_root, config)]);

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
