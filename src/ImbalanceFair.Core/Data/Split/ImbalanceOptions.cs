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
}

/// <summary>The <c>dataset.attribute</c> keys: a spurious attribute correlated with the class in training.</summary>
public sealed record AttributeOptions
{
    /// <summary>"color" tints grey images; "manifest" takes the dataset's own attribute column.</summary>
    public string Kind { get; init; } = "color";

    /// <summary>P(attribute = the class's default value) in train; val and test are balanced 50/50.</summary>
    public double Correlation { get; init; } = 0.95;
}
