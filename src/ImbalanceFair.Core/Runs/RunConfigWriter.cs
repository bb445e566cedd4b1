using System.Security.Cryptography;
using System.Text;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Metrics;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Runs;

/// <summary>
/// The resolved config as canonical YAML (every key, fixed order, round-trip numbers): written into the run
/// directory, and — only what changes the experiment — hashed to name it (DESIGN §6). Each section writes itself
/// (its owner's <c>Write</c>) and marks the keys that do not apply: another strategy's section, a loss's or
/// optimizer's hyper-parameters under another one, <c>output.*</c> and <c>device</c>.
/// </summary>
public static class RunConfigWriter
{
    /// <summary>
    /// The version of the rule that turns a config into its run hash. 1: every key but output.* and device (runs
    /// before issue 14); 2: only the keys that apply. A change of rule bumps it, so an old hash never names a new experiment.
    /// </summary>
    public const int HashSchema = 2;

    public static string ToYaml(RunConfig config) => Emit(Tree(config));

    /// <summary>The canonical YAML of only the keys that define the experiment: what <see cref="Hash12"/> hashes.</summary>
    public static string IdentityYaml(RunConfig config) => Emit(Tree(config), applyingOnly: true);

    /// <summary>The first 12 hex digits of SHA-256 of the canonical config's applying keys (hash_schema included).</summary>
    public static string Hash12(RunConfig config) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(IdentityYaml(config))))[..12];

    /// <summary>Every valid dotted key (for "did you mean" across levels).</summary>
    public static IReadOnlyList<string> DottedKeys()
    {
        var full = new RunConfig
        {
            Dataset = new Data.DatasetConfig { Attribute = new AttributeOptions() },
            Eval = new EvalConfig { Attack = new EvalAttackOptions() },
        };
        return [.. ConfigNode.DottedKeys(Tree(full)), "augment.target.ratio", "augment.target.counts"];
    }

    private static List<ConfigNode> Tree(RunConfig c) =>
    [
        S("hash_schema", Num(HashSchema)),
        S("name", Str(c.Name)),
        S("seed", Num(c.Seed)),
        S("device", Str(c.Device)).When(false),
        c.Dataset.Write(),
        c.Imbalance.Write(),
        c.Augment.Write(),
        c.Model.Write(),
        c.Train.Write(),
        c.Eval.Write(),
        c.Output.Write(),
    ];
}
