using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data.Split;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Data;

/// <summary>The <c>dataset</c> keys of the run config (DESIGN §5).</summary>
public sealed record DatasetConfig
{
    public string Name { get; init; } = "fashion-mnist";

    public AttributeOptions? Attribute { get; init; }

    public double ValFraction { get; init; } = 0.1;

    public static DatasetConfig Read(YamlObject? y)
    {
        var d = new DatasetConfig();
        if (y is null)
        {
            return d;
        }

        y.Allow("name", "attribute", "val_fraction");
        return new DatasetConfig
        {
            Name = y.GetString("name") ?? d.Name,
            Attribute = AttributeOptions.Read(y.GetObject("attribute")),
            ValFraction = ConfigValues.Num(y, "val_fraction", d.ValFraction, 0, 1, maxExclusive: true),
        };
    }

    public ConfigNode Write() => M("dataset",
        S("name", Str(Name)),
        Attribute is { } a ? a.Write() : S("attribute", Null),
        S("val_fraction", Num(ValFraction)));
}
