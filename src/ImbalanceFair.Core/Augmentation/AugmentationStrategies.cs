namespace ImbalanceFair.Core.Augmentation;

/// <summary>The registry of strategies (<c>augment.strategy</c>): adding one is one file and one row here.</summary>
public static class AugmentationStrategies
{
    private static readonly Dictionary<string, Func<AugmentOptions, AugmentContext, IAugmentationStrategy>> s_table = new(StringComparer.Ordinal)
    {
        ["none"] = (_, _) => new NoAugmentation(),
        ["oversample"] = (_, ctx) => new RandomOversampling(ctx.Seed),
        ["undersample"] = (o, ctx) => new RandomUndersampling(ctx.Seed, o.Target, ctx.Descriptor.Classes),
        ["diffusion"] = (o, ctx) => new DiffusionAugmentation(o.Diffusion, ctx),
        ["smote"] = (o, ctx) => new Smote(ctx.Seed, o.Smote, ctx.Descriptor.Classes, ctx.Log),
        ["borderline-smote"] = (o, ctx) => new BorderlineSmote(ctx.Seed, o.Borderline, ctx.Descriptor.Classes, ctx.Log),
        ["adasyn"] = (o, ctx) => new Adasyn(ctx.Seed, o.Adasyn, ctx.Descriptor.Classes, ctx.Log),
        ["fgsm"] = (o, ctx) => new AdversarialAugmentation("fgsm", o.Adversarial, ctx.Seed, ctx.Log),
        ["pgd"] = (o, ctx) => new AdversarialAugmentation("pgd", o.Adversarial, ctx.Seed, ctx.Log),
        ["m2m"] = (o, ctx) => new M2mAugmentation(o.M2m, ctx.Seed, ctx.Log),
    };

    public static IReadOnlyCollection<string> Names => s_table.Keys;

    public static IAugmentationStrategy Create(AugmentOptions options, AugmentContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        return s_table.TryGetValue(options.Strategy, out var make)
            ? make(options, context)
            : throw new ArgumentException($"unknown augment.strategy '{options.Strategy}' (known: {string.Join(", ", s_table.Keys)})");
    }
}
