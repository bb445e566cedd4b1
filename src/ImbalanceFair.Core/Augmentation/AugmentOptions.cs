namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// How many samples each class should end with: <c>balance</c> (every class to n_max), <c>{ratio: r}</c> (to
/// n_max / r) or <c>{counts: {class: n}}</c>. Only classes below their target receive samples.
/// </summary>
public sealed record AugmentTarget
{
    public string Kind { get; init; } = "balance";

    public double Ratio { get; init; } = 1;

    /// <summary>Class name → target count (with Kind "counts"); classes not named keep their count.</summary>
    public IReadOnlyDictionary<string, long> Counts { get; init; } = new Dictionary<string, long>();

    /// <summary>Per-class target counts given the real per-class training counts.</summary>
    public long[] For(long[] realCounts, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(realCounts);
        ArgumentNullException.ThrowIfNull(classNames);
        var nMax = realCounts.Max();
        return Kind switch
        {
            "balance" => realCounts.Select(n => Math.Max(n, nMax)).ToArray(),
            "ratio" => realCounts.Select(n => Math.Max(n, (long)Math.Floor(nMax / Ratio))).ToArray(),
            "counts" => realCounts.Select((n, c) => Counts.TryGetValue(classNames[c], out var t) ? Math.Max(n, t) : n).ToArray(),
            _ => throw new ArgumentException($"augment.target must be balance, {{ratio: r}} or {{counts: {{...}}}}, not '{Kind}'"),
        };
    }
}

public sealed record SmoteOptions
{
    public int K { get; init; } = 5;

    /// <summary>pixel | embedding (frozen image embeddings; linear-probe only).</summary>
    public string Space { get; init; } = "pixel";
}

public sealed record BorderlineOptions
{
    public int K { get; init; } = 5;

    public int M { get; init; } = 10;

    /// <summary>borderline-1 | borderline-2.</summary>
    public string Kind { get; init; } = "borderline-1";
}

public sealed record AdasynOptions
{
    public int K { get; init; } = 5;
}

public sealed record DiffusionOptions
{
    /// <summary>A folder of class sub-folders, a manifest CSV path,label[,attribute], or <c>generate</c> (the built-in generator).</summary>
    public string? Source { get; init; }

    /// <summary>The built-in generator's settings, used with <c>source: generate</c>.</summary>
    public Diffusion.GeneratorOptions Generator { get; init; } = new();

    /// <summary>mix (add to the real data) | ffr (pre-train on class-balanced synthetic data, then fine-tune on real only).</summary>
    public string Mode { get; init; } = "mix";

    /// <summary>When a class has fewer images than it needs: false uses them all and warns; true fails.</summary>
    public bool Strict { get; init; }

    /// <summary>
    /// With mode ffr: how many epochs (from the first) train on the synthetic images alone before the rest fine-tune on
    /// the real data; null: ⌈epochs / 2⌉. From 0 (no synthetic stage) to train.epochs (no real stage).
    /// </summary>
    public int? FfrEpochs { get; init; }
}

public sealed record AdversarialOptions
{
    public double Eps { get; init; } = 8.0 / 255;

    public double Alpha { get; init; } = 2.0 / 255;

    public int Steps { get; init; } = 10;

    /// <summary>linf | l2.</summary>
    public string Norm { get; init; } = "linf";

    public bool RandomStart { get; init; } = true;

    /// <summary>epoch (recomputed with the current weights at each epoch start) | once (with the initial model).</summary>
    public string Regenerate { get; init; } = "epoch";

    /// <summary>fixed | robustlt (rarer classes get larger budgets).</summary>
    public string EpsPerClass { get; init; } = "fixed";
}

public sealed record M2mOptions
{
    public double Beta { get; init; } = 0.999;

    public double Lambda { get; init; } = 0.5;

    public double Gamma { get; init; } = 0.9;

    public int Steps { get; init; } = 10;

    public double StepSize { get; init; } = 0.1;
}

/// <summary>The <c>augment</c> keys of the run config (DESIGN §5).</summary>
public sealed record AugmentOptions
{
    public string Strategy { get; init; } = "none";

    public AugmentTarget Target { get; init; } = new();

    public SmoteOptions Smote { get; init; } = new();

    public BorderlineOptions Borderline { get; init; } = new();

    public AdasynOptions Adasyn { get; init; } = new();

    public DiffusionOptions Diffusion { get; init; } = new();

    public AdversarialOptions Adversarial { get; init; } = new();

    public M2mOptions M2m { get; init; } = new();
}
