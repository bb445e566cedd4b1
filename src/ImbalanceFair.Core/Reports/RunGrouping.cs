using System.Security.Cryptography;
using System.Text;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Runs;
using YamlDotNet.RepresentationModel;

namespace ImbalanceFair.Core.Reports;

/// <summary>
/// Groups runs that differ only by seed. Two runs belong together when their resolved configs are equal once
/// <c>seed</c> is set aside (and <c>output.*</c> and <c>device</c>, which the run id leaves out too): the group id is
/// the run id the config would have with seed 0. summary.csv's description columns are not enough: two runs with the
/// same strategy, ρ, arch, mode, loss and epochs but another learning rate or ε are different experiments, and
/// averaging them would pass a hyper-parameter effect off as seed noise. A run directory without
/// config.resolved.yaml (written by hand, or by an older tool) falls back to those columns.
/// </summary>
public static class RunGrouping
{
    public static IReadOnlyList<RunGroup> Group(IReadOnlyList<ReportRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var byId = runs
            .GroupBy(GroupId, StringComparer.Ordinal)
            .Select(g => (Id: g.Key, Runs: g.OrderBy(r => r.Seed).ThenBy(r => r.RunId, StringComparer.Ordinal).ToList()))
            .ToList();

        var groups = new List<RunGroup>(byId.Count);
        foreach (var sameIdentity in byId.GroupBy(g => g.Runs[0].Identity))
        {
            var members = sameIdentity.ToList();
            var variants = members.Count == 1 ? [[]] : VariantParts(members.Select(m => m.Runs[0].Config).ToList());
            groups.AddRange(members.Select((m, i) => new RunGroup(m.Id, sameIdentity.Key, variants[i], m.Runs)));
        }

        return groups
            .OrderBy(g => g.Identity.Name, StringComparer.Ordinal)
            .ThenBy(g => g.Identity.Dataset, StringComparer.Ordinal)
            .ThenBy(g => g.Identity.Arch, StringComparer.Ordinal)
            .ThenBy(g => g.Identity.TrainMode, StringComparer.Ordinal)
            .ThenBy(g => g.Identity.Loss, StringComparer.Ordinal)
            .ThenBy(g => g.Identity.Epochs)
            .ThenBy(g => g.Variant, StringComparer.Ordinal)
            .ThenBy(g => g.Identity.Strategy, StringComparer.Ordinal)
            .ThenBy(g => g.Identity.ImbalanceRatio)
            .ThenBy(g => g.GroupId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The run id of the run's config with seed 0; without a config, a hash of summary.csv's description columns.</summary>
    public static string GroupId(ReportRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Config is { } config)
        {
            // Keys this version does not know still tell runs apart: they join the hash as text.
            var id = RunConfigWriter.Hash12(config with { Seed = 0 });
            return run.UnknownConfigKeys.Count == 0 ? id
                : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', [id, .. run.UnknownConfigKeys.Order(StringComparer.Ordinal)]))))[..12];
        }

        var i = run.Identity;
        var text = string.Join('\u001f', "summary", i.Name, i.Dataset, i.Strategy, CsvFile.Number(i.ImbalanceRatio), i.Arch, i.TrainMode, i.Loss, CsvFile.Number(i.Epochs));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
    }

    /// <summary>For configs that share the description columns: the dotted keys whose values differ among them, as key=value.</summary>
    internal static string[] Variants(IReadOnlyList<RunConfig?> configs) => VariantParts(configs).Select(p => string.Join(", ", p)).ToArray();

    /// <summary><see cref="Variants"/>, each as its key=value parts.</summary>
    internal static IReadOnlyList<string>[] VariantParts(IReadOnlyList<RunConfig?> configs)
    {
        var flat = configs.Select(c => c is null ? null : Flatten(c)).ToList();
        var keys = flat.Where(f => f is not null).SelectMany(f => f!.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var differing = keys.Where(k => flat.Select(f => f?.GetValueOrDefault(k)).Distinct(StringComparer.Ordinal).Count() > 1).ToList();
        return flat.Select(f => f is null ? ["without config.resolved.yaml"] : Describe(f, differing)).ToArray();
    }

    /// <summary>
    /// The differing keys this config sets, as key=value. A key it lacks is named (<c>key=(absent)</c>) only when it
    /// sets none of them: otherwise another group's string holds that key and this one does not, so they already read
    /// apart, and <c>dataset.attribute=null</c> says more than <c>dataset.attribute.kind=(absent)</c>.
    /// </summary>
    private static IReadOnlyList<string> Describe(Dictionary<string, string> flat, IReadOnlyList<string> differing)
    {
        var set = differing.Where(flat.ContainsKey).Select(k => $"{k}={flat[k]}").ToList();
        return set.Count > 0 ? set : differing.Select(k => $"{k}=(absent)").ToList();
    }

    /// <summary>The canonical YAML of the config as dotted key → scalar text, without the keys that do not define an experiment.</summary>
    internal static Dictionary<string, string> Flatten(RunConfig config)
    {
        var yaml = new YamlStream();
        using (var reader = new StringReader(RunConfigWriter.IdentityYaml(config with { Seed = 0 })))
        {
            yaml.Load(reader);
        }

        var flat = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(YamlNode node, string key)
        {
            switch (node)
            {
                case YamlMappingNode map:
                    foreach (var (k, v) in map.Children)
                    {
                        Walk(v, key.Length == 0 ? ((YamlScalarNode)k).Value! : $"{key}.{((YamlScalarNode)k).Value}");
                    }

                    break;
                case YamlSequenceNode seq:
                    flat[key] = "[" + string.Join(", ", seq.Children.Select(c => (c as YamlScalarNode)?.Value ?? c.ToString())) + "]";
                    break;
                case YamlScalarNode scalar:
                    flat[key] = scalar.Value ?? "null";
                    break;
            }
        }

        if (yaml.Documents.Count > 0)
        {
            Walk(yaml.Documents[0].RootNode, string.Empty);
        }

        // The identity YAML has no device or output.*; the seed is what a group varies over.
        flat.Remove("seed");
        return flat;
    }
}
