using System.Globalization;
using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Training;
using YamlDotNet.RepresentationModel;

namespace ImbalanceFair.Core.Runs;

/// <summary>
/// Reads a run config strictly: every key typed and range-checked, unknown keys rejected with the nearest valid
/// one, errors naming the file and line (or the command-line override). Missing keys take the defaults of
/// <see cref="RunConfig"/>'s records.
/// </summary>
public static class RunConfigReader
{
    /// <summary>Loads <paramref name="file"/> and applies <c>key=value</c> overrides (values in YAML syntax).</summary>
    public static RunConfig Load(string file, IReadOnlyList<string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!File.Exists(file))
        {
            throw new ConfigException($"{file}: config file not found");
        }

        var root = Parse(File.ReadAllText(file), file);
        var origins = new YamlOrigins { AllKeys = RunConfigWriter.DottedKeys() };
        foreach (var o in overrides ?? [])
        {
            Graft(root, o, origins);
        }

        return Read(YamlObject.Over(root, file, origins));
    }

    /// <summary>
    /// Reads a <c>config.resolved.yaml</c> written by this or another version of imbfair: keys this version does not
    /// know are returned as <c>dotted.key=value</c> instead of failing (a key renamed since keeps old runs readable).
    /// </summary>
    public static (RunConfig Config, IReadOnlyList<string> UnknownKeys) LoadLenient(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var unknown = new List<string>();
        var config = Read(YamlObject.Over(Parse(File.ReadAllText(file), file), file, new YamlOrigins { AllKeys = RunConfigWriter.DottedKeys(), Unknown = unknown }));
        return (config, unknown);
    }

    public static RunConfig FromText(string yaml, string file = "<config>") =>
        Read(YamlObject.Over(Parse(yaml, file), file, new YamlOrigins { AllKeys = RunConfigWriter.DottedKeys() }));

    private static YamlMappingNode Parse(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(text);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigException($"{file}:{e.Start.Line}: YAML syntax error: {e.InnerException?.Message ?? e.Message}", e);
        }

        return stream.Documents.Count == 0 ? new YamlMappingNode()
            : stream.Documents[0].RootNode switch
            {
                YamlMappingNode m => m,
                YamlScalarNode { Value: null or "" } => new YamlMappingNode(),
                var n => throw new ConfigException($"{file}:{n.Start.Line}: a run config is a mapping of keys (name:, dataset:, train:, ...)"),
            };
    }

    /// <summary>Sets <c>a.b.c=value</c> in the tree, creating mappings on the way; the value is parsed as YAML.</summary>
    private static void Graft(YamlMappingNode root, string assignment, YamlOrigins origins)
    {
        var eq = assignment.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new ConfigException($"override '{assignment}' is not key=value (e.g. train.epochs=5 or augment.adversarial.eps=8/255)");
        }

        var path = assignment[..eq].Trim().Split('.');
        if (path.Any(string.IsNullOrWhiteSpace))
        {
            throw new ConfigException($"override '{assignment}': '{assignment[..eq]}' is not a dotted key");
        }

        YamlNode value;
        try
        {
            var doc = new YamlStream();
            doc.Load(new StringReader(assignment[(eq + 1)..]));
            value = doc.Documents.Count == 0 ? new YamlScalarNode(string.Empty) : doc.Documents[0].RootNode;
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigException($"override '{assignment}': the value is not valid YAML ({e.InnerException?.Message ?? e.Message})", e);
        }

        Mark(value, assignment, origins);
        var map = root;
        for (var i = 0; i < path.Length - 1; i++)
        {
            var key = new YamlScalarNode(path[i]);
            if (!map.Children.TryGetValue(key, out var child) || child is not YamlMappingNode childMap)
            {
                childMap = new YamlMappingNode();
                map.Children[key] = childMap;
                origins.Overrides[childMap] = assignment;
            }

            map = childMap;
        }

        var leaf = new YamlScalarNode(path[^1]);
        origins.Overrides[leaf] = assignment;
        map.Children.Remove(leaf);
        map.Children.Add(leaf, value);
    }

    private static void Mark(YamlNode node, string text, YamlOrigins origins)
    {
        origins.Overrides[node] = text;
        foreach (var child in node.AllNodes)
        {
            origins.Overrides[child] = text;
        }
    }

    private static RunConfig Read(YamlObject y)
    {
        y.Allow("hash_schema", "name", "seed", "device", "dataset", "imbalance", "augment", "model", "train", "eval", "output");
        ConfigValues.Int(y, "hash_schema", RunConfigWriter.HashSchema, 1, RunConfigWriter.HashSchema);
        var d = new RunConfig();
        var name = y.GetString("name") ?? d.Name;
        if (name.Length == 0 || name.IndexOfAny(['/', '\\', '\0']) >= 0 || name is "." or "..")
        {
            throw y.Error("name", $"'{name}' cannot name a folder (no slashes)");
        }

        var device = (y.GetString("device") ?? d.Device).ToLowerInvariant();
        if (device is not ("auto" or "cpu" or "cuda") && !(device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw y.Error("device", $"must be auto, cpu, cuda or cuda:N, not '{device}'");
        }

        return new RunConfig
        {
            Name = name,
            Seed = ConfigValues.Int(y, "seed", d.Seed, 0, long.MaxValue),
            Device = device,
            Dataset = DatasetConfig.Read(y.GetObject("dataset")),
            Imbalance = ImbalanceOptions.Read(y.GetObject("imbalance")),
            Augment = AugmentOptions.Read(y.GetObject("augment")),
            Model = ModelConfig.Read(y.GetObject("model")),
            Train = TrainOptions.Read(y.GetObject("train")),
            Eval = EvalConfig.Read(y.GetObject("eval")),
            Output = OutputConfig.Read(y.GetObject("output")),
        };
    }
}
