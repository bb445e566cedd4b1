using System.Text.RegularExpressions;
using ImbalanceFair.Tests.Shared;

namespace ImbalanceFair.Core.Tests;

/// <summary>
/// Core's folders follow the data flow (DESIGN §3): the folder graph read from every file's <c>using</c> lines and
/// fully qualified <c>ImbalanceFair.Core.X.</c> names has no cycle, and Config (the YAML primitives) uses no other folder.
/// </summary>
public sealed partial class FolderDependencyTests
{
    private static readonly string CoreDir = Path.Combine(Repo.Root, "src", "ImbalanceFair.Core");

    private static Dictionary<string, HashSet<string>> Graph()
    {
        var folders = Directory.GetDirectories(CoreDir).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).ToHashSet()!;
        var graph = folders.ToDictionary(f => f!, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var folder in graph.Keys)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(CoreDir, folder), "*.cs", SearchOption.AllDirectories))
            {
                foreach (Match m in CoreReference().Matches(File.ReadAllText(file)))
                {
                    var target = m.Groups[1].Value;
                    if (target != folder && graph.ContainsKey(target))
                    {
                        graph[folder].Add(target);
                    }
                }
            }
        }

        return graph;
    }

    [Fact]
    public void Core_folders_have_no_dependency_cycle()
    {
        var graph = Graph();
        Assert.True(graph.Count >= 10, $"expected Core's folders, found {string.Join(", ", graph.Keys)}");
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();

        string? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph[node].Order(StringComparer.Ordinal))
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return string.Join(" → ", path.SkipWhile(p => p != next).Append(next));
                }

                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }

        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle)
            {
                Assert.Fail($"Core folders form a cycle: {cycle}");
            }
        }
    }

    [Fact]
    public void Config_holds_primitives_that_use_no_other_folder_and_attacks_do_not_use_augmentation()
    {
        var graph = Graph();

        Assert.Empty(graph["Config"]);
        Assert.DoesNotContain("Augmentation", graph["Attacks"]);
        Assert.DoesNotContain("Training", graph["Models"]);
        Assert.Contains("Attacks", graph["Metrics"]);
        Assert.Contains("Attacks", graph["Augmentation"]);
    }

    [Fact]
    public void The_cycle_check_sees_a_qualified_reference()
    {
        Assert.Matches(CoreReference(), "var x = ImbalanceFair.Core.Training.Trainer.Run();");
        Assert.Matches(CoreReference(), "using ImbalanceFair.Core.Runs;");
        Assert.Matches(CoreReference(), "Runs.RunPhase.ThrowIfStopped();");
        Assert.DoesNotMatch(CoreReference(), "// ImbalanceFairXCore");
        Assert.DoesNotMatch(CoreReference(), "var n = report.Runs.Count;");
    }

    // Fully qualified (ImbalanceFair.Core.Runs.X) or qualified from inside Core (Runs.RunPhase.X: a folder name not
    // preceded by a member access, followed by a type name).
    [GeneratedRegex(@"(?:\bImbalanceFair\.Core\.|(?<![\w.])(?=[A-Z][A-Za-z]+\.[A-Z]))([A-Z][A-Za-z]+)\b")]
    private static partial Regex CoreReference();
}
