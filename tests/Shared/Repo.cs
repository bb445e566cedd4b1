namespace ImbalanceFair.Tests.Shared;

/// <summary>The repository checkout the tests run from (found by walking up to ImbalanceFair.sln).</summary>
public static class Repo
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ImbalanceFair.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("the tests are not inside the imbfair checkout");
    }
}
