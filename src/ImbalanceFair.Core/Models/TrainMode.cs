namespace ImbalanceFair.Core.Models;

/// <summary>What trains (<c>train.mode</c>): the mode decides the classifier's trainable parameters and head.</summary>
public enum TrainMode
{
    /// <summary>No training: classify by the cosine between image and class-prompt embeddings.</summary>
    ZeroShot,

    /// <summary>Cross-entropy over scaled cosine logits against the class prompts; both towers train (FLYP-style).</summary>
    TextHead,

    /// <summary>Frozen towers; a linear head initialised from the class-prompt embeddings trains.</summary>
    LinearProbe,

    /// <summary>Text-head's classifier, but only low-rank adapters on the named projections train (train.lora).</summary>
    Lora,
}

/// <summary>The registry of training modes (<c>train.mode</c>): the name users write for each mode.</summary>
public static class TrainModes
{
    private static readonly (string Name, TrainMode Mode)[] s_rows =
    [
        ("zero-shot", TrainMode.ZeroShot),
        ("text-head", TrainMode.TextHead),
        ("linear-probe", TrainMode.LinearProbe),
        ("lora", TrainMode.Lora),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. s_rows.Select(r => r.Name)];

    public static TrainMode Parse(string name) =>
        s_rows.FirstOrDefault(r => r.Name == name) is { Name: not null } row ? row.Mode
        : throw new ArgumentException($"train.mode must be one of {string.Join(", ", Names)}, not '{name}'", nameof(name));

    public static string NameOf(TrainMode mode) => s_rows.First(r => r.Mode == mode).Name;
}
