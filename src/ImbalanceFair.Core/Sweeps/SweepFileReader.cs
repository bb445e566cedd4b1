using System.Text.Json;
using System.Text.RegularExpressions;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Runs;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ImbalanceFair.Core.Sweeps;

/// <summary>
/// Reads a sweep file strictly, as <see cref="RunConfigReader"/> reads a run config: unknown keys, keys that are not
/// run-config keys, and malformed values are errors naming the file, the line and the fix.
/// </summary>
public static partial class SweepFileReader
{
    public static SweepDefinition Load(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!File.Exists(file))
        {
            throw new ConfigException($"{file}: sweep file not found");
        }

        return Parse(File.ReadAllText(file), file);
    }

    public static SweepDefinition Parse(string text, string file)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(file);
        var y = YamlObject.Parse(text, file);
        y.Allow("name", "base", "set", "grid", "variants");
        var name = y.GetString("name") ?? throw new ConfigException($"{file}: 'name' is missing: the sweep's name names its folder, <output.dir>/<name>/");
        if (name.Length == 0 || name.IndexOfAny(['/', '\\', '\0']) >= 0 || name is "." or "..")
        {
            throw y.Error("name", $"'{name}' cannot name a folder (no slashes)");
        }

        var basePath = y.GetString("base") ?? throw new ConfigException($"{file}: 'base' is missing: the run config every trial starts from, e.g. base: ../quickstart.yaml");
        var baseConfig = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".", basePath));
        if (!File.Exists(baseConfig))
        {
            throw y.Error("base", $"'{basePath}' does not exist (looked for {baseConfig}; a relative path is relative to the sweep file)");
        }

        var set = Assignments(y.GetNode("set"), file, "set");
        var grid = Grid(y.GetNode("grid"), file);
        var variants = Variants(y.GetNode("variants"), file);
        CheckKeys(file, set, grid, variants);
        return new SweepDefinition(file, name, baseConfig, set, grid, variants);
    }

    private static List<Override> Assignments(YamlNode? node, string file, string where)
    {
        switch (node)
        {
            case null:
            case YamlScalarNode { Value: null or "" or "~" or "null" }:
                return [];
            case YamlMappingNode map:
                return map.Children.Select(kv => new Override(Key(kv.Key, file, where), Flow(kv.Value), (int)kv.Key.Start.Line)).ToList();
            default:
                throw new ConfigException($"{file}:{node.Start.Line}: {where}: expected a mapping of dotted keys to values, e.g. {{train.epochs: 10}}");
        }
    }

    private static List<GridAxis> Grid(YamlNode? node, string file)
    {
        switch (node)
        {
            case null:
            case YamlScalarNode { Value: null or "" or "~" or "null" }:
                return [];
            case YamlMappingNode map:
                var axes = new List<GridAxis>();
                foreach (var (k, v) in map.Children)
                {
                    var key = Key(k, file, "grid");
                    if (v is not YamlSequenceNode { Children.Count: > 0 } values)
                    {
                        throw new ConfigException($"{file}:{k.Start.Line}: grid: '{key}' needs a non-empty list of values, e.g. {key}: [a, b]");
                    }

                    axes.Add(new GridAxis(key, values.Children.Select(Flow).ToList(), (int)k.Start.Line));
                }

                return axes;
            default:
                throw new ConfigException($"{file}:{node.Start.Line}: grid: expected a mapping of dotted keys to lists of values");
        }
    }

    private static List<IReadOnlyList<Override>> Variants(YamlNode? node, string file)
    {
        switch (node)
        {
            case null:
            case YamlScalarNode { Value: null or "" or "~" or "null" }:
                return [];
            case YamlSequenceNode seq:
                return seq.Children.Select((v, i) => v is YamlMappingNode
                    ? (IReadOnlyList<Override>)Assignments(v, file, $"variants[{i}]")
                    : throw new ConfigException($"{file}:{v.Start.Line}: variants[{i}]: expected a mapping of dotted keys to values, e.g. {{augment.strategy: pgd}}")).ToList();
            default:
                throw new ConfigException($"{file}:{node.Start.Line}: variants: expected a list of mappings of dotted keys to values");
        }
    }

    private static string Key(YamlNode key, string file, string where) =>
        key is YamlScalarNode { Value: { Length: > 0 } text } ? text
            : throw new ConfigException($"{file}:{key.Start.Line}: {where}: keys are dotted config keys such as imbalance.ratio");

    /// <summary>
    /// Every key must be a run-config key; the trial's name and output folder belong to the sweep, so that all its runs
    /// and its files share one folder.
    /// </summary>
    private static void CheckKeys(string file, List<Override> set, List<GridAxis> grid, List<IReadOnlyList<Override>> variants)
    {
        var keys = RunConfigWriter.DottedKeys();
        var known = keys.ToHashSet(StringComparer.Ordinal);
        void Check(string key, int line, string where, bool varies)
        {
            if (key == "name")
            {
                throw new ConfigException($"{file}:{line}: {where}: 'name' is set by the sweep (its trials are named after it, so they share <output.dir>/<sweep name>/); rename the sweep instead");
            }

            if (varies && key == "output.dir")
            {
                throw new ConfigException($"{file}:{line}: {where}: output.dir cannot differ between trials (they share one sweep folder); set it under set: instead");
            }

            if (!known.Contains(key) && !key.StartsWith("augment.target.counts.", StringComparison.Ordinal))
            {
                throw new ConfigException($"{file}:{line}: {where}: '{key}' is not a config key.{NearestKey.Suggestion(key, keys)} Config keys are dotted paths of the run config (docs/config.md), e.g. imbalance.ratio, augment.strategy, train.optimizer.lr");
            }
        }

        foreach (var o in set)
        {
            Check(o.Key, o.Line, "set", varies: false);
        }

        foreach (var a in grid)
        {
            Check(a.Key, a.Line, "grid", varies: true);
        }

        for (var i = 0; i < variants.Count; i++)
        {
            foreach (var o in variants[i])
            {
                Check(o.Key, o.Line, $"variants[{i}]", varies: true);
            }
        }

        foreach (var dup in grid.GroupBy(a => a.Key).Where(g => g.Count() > 1))
        {
            throw new ConfigException($"{file}:{dup.Last().Line}: grid: '{dup.Key}' appears twice; give it one list of values");
        }
    }

    /// <summary>
    /// A value as override text that parses back to the same YAML: plain words and numbers as written, anything else
    /// quoted; lists and mappings in flow style.
    /// </summary>
    internal static string Flow(YamlNode node) => node switch
    {
        YamlScalarNode s when s.Style is ScalarStyle.Plain or ScalarStyle.Any && PlainSafe().IsMatch(s.Value ?? string.Empty) => s.Value ?? string.Empty,
        YamlScalarNode s => JsonSerializer.Serialize(s.Value ?? string.Empty),
        YamlSequenceNode seq => "[" + string.Join(", ", seq.Children.Select(Flow)) + "]",
        YamlMappingNode map => "{" + string.Join(", ", map.Children.Select(kv => $"{Flow(kv.Key)}: {Flow(kv.Value)}")) + "}",
        _ => string.Empty,
    };

    [GeneratedRegex(@"^[A-Za-z0-9_.+\-/~]*$")]
    private static partial Regex PlainSafe();
}
