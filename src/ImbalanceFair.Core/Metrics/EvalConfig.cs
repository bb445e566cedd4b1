using ImbalanceFair.Core.Config;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Metrics;

/// <summary>The <c>eval</c> keys of the run config (DESIGN §5).</summary>
public sealed record EvalConfig
{
    /// <summary>The eval attack for robust accuracy (torchattacks' defaults); null: none.</summary>
    public EvalAttackOptions? Attack { get; init; }

    public int Bootstrap { get; init; } = 1000;

    public static EvalConfig Read(YamlObject? y)
    {
        var d = new EvalConfig();
        if (y is null)
        {
            return d;
        }

        y.Allow("attack", "bootstrap");
        return new EvalConfig { Attack = EvalAttackOptions.Read(y.GetObject("attack")), Bootstrap = ConfigValues.Int32(y, "bootstrap", d.Bootstrap, 0, 1_000_000) };
    }

    public ConfigNode Write() => M("eval", Attack is { } a ? a.Write() : S("attack", Null), S("bootstrap", Num(Bootstrap)));
}
