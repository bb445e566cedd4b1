using ImbalanceFair.Core.Config;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// The registry of strategies (<c>augment.strategy</c>). Adding one is one file (the strategy, its option record and
/// section, its <see cref="StrategyDefinition"/>) and one row here; the config reader, writer and run hash ask this
/// table (docs/config.md, "Adding a strategy").
/// </summary>
public static class AugmentationStrategies
{
    private static readonly StrategyDefinition[] s_rows =
    [
        NoAugmentation.Definition,
        RandomOversampling.Definition,
        RandomUndersampling.Definition,
        Smote.Definition,
        BorderlineSmote.Definition,
        Adasyn.Definition,
        DiffusionAugmentation.Definition,
        AdversarialAugmentation.Fgsm,
        AdversarialAugmentation.Pgd,
        M2mAugmentation.Definition,
    ];

    public static IReadOnlyList<string> Names { get; } = [.. s_rows.Select(r => r.Name)];

    /// <summary>Every strategy's option section, once each, in table order (fgsm and pgd share one).</summary>
    public static IReadOnlyList<IOptionSection> Sections { get; } = [.. s_rows.Select(r => r.Section).OfType<IOptionSection>().Distinct()];

    public static StrategyDefinition Get(string name) =>
        s_rows.FirstOrDefault(r => r.Name == name)
        ?? throw new ArgumentException($"unknown augment.strategy '{name}' (known: {string.Join(", ", Names)})", nameof(name));

    public static IAugmentationStrategy Create(AugmentOptions options, AugmentContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Get(options.Strategy).Create(options, context);
    }
}
