using ImbalanceFair.Core.Config;
using YamlDotNet.RepresentationModel;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Data.Split;

public enum ImbalanceProfile
{
    Exponential,
    Step,
    None,
}

/// <summary>The <c>imbalance</c> keys of the run config (DESIGN §5).</summary>
public sealed record ImbalanceOptions
{
    public ImbalanceProfile Profile { get; init; } = ImbalanceProfile.Exponential;

    /// <summary>ρ = n_max / n_min, at least 1.</summary>
    public double Ratio { get; init; } = 100;

    /// <summary>Images of the head class; null: the largest per-class count available.</summary>
    public long? NMax { get; init; }

    /// <summary>"index", "shuffled", or an explicit list of class names/indices, head first.</summary>
    public string Order { get; init; } = "index";

    public IReadOnlyList<string>? ExplicitOrder { get; init; }

    public static ImbalanceOptions Read(YamlObject? y)
    {
        var d = new ImbalanceOptions();
        if (y is null)
        {
            return d;
        }

        y.Allow("profile", "ratio", "n_max", "order");
        var profile = ConfigValues.Choice(y, "profile", "exponential", ProfileNames.Keys);
        IReadOnlyList<string>? list = null;
        var order = "index";
        switch (y.GetNode("order"))
        {
            case YamlSequenceNode:
                list = y.GetStringList("order");
                order = "list";
                break;
            case not null:
                order = ConfigValues.Choice(y, "order", "index", ["index", "shuffled"]);
                break;
        }

        return new ImbalanceOptions
        {
            Profile = ProfileNames[profile],
            Ratio = ConfigValues.Num(y, "ratio", d.Ratio, 1, double.MaxValue),
            NMax = y.Has("n_max") ? ConfigValues.Int(y, "n_max", 1, 1, long.MaxValue) : null,
            Order = order,
            ExplicitOrder = list,
        };
    }

    /// <summary>The <c>imbalance</c> mapping; ρ does not apply to profile none.</summary>
    public ConfigNode Write() => M("imbalance",
        S("profile", ProfileNames.Single(kv => kv.Value == Profile).Key),
        S("ratio", Num(Ratio)).When(Profile != ImbalanceProfile.None),
        S("n_max", OrNull(NMax)),
        S("order", ExplicitOrder is { } list ? List(list) : Str(Order)));

    private static readonly Dictionary<string, ImbalanceProfile> ProfileNames = new(StringComparer.Ordinal)
    {
        ["exponential"] = ImbalanceProfile.Exponential,
        ["step"] = ImbalanceProfile.Step,
        ["none"] = ImbalanceProfile.None,
    };
}

/// <summary>The <c>dataset.attribute</c> keys: a spurious attribute correlated with the class in training.</summary>
public sealed record AttributeOptions
{
    /// <summary>"color" tints grey images; "manifest" takes the dataset's own attribute column.</summary>
    public string Kind { get; init; } = "color";

    /// <summary>P(attribute = the class's default value) in train; val and test are balanced 50/50.</summary>
    public double Correlation { get; init; } = 0.95;

    public static AttributeOptions? Read(YamlObject? a)
    {
        if (a is null)
        {
            return null;
        }

        a.Allow("kind", "correlation");
        var d = new AttributeOptions();
        return new AttributeOptions
        {
            Kind = ConfigValues.Choice(a, "kind", d.Kind, ["color", "manifest"]),
            Correlation = ConfigValues.Num(a, "correlation", d.Correlation, 0, 1),
        };
    }

    /// <summary>The correlation is the tint's; a manifest's attribute comes with its files.</summary>
    public ConfigNode Write() => M("attribute", S("kind", Str(Kind)), S("correlation", Num(Correlation)).When(Kind == "color"));
}
