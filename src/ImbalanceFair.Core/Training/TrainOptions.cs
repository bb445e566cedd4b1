using ImbalanceFair.Core.Training.Losses;

namespace ImbalanceFair.Core.Training;

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

public sealed record OptimizerOptions
{
    public string Name { get; init; } = "adamw";

    public double Lr { get; init; } = 1e-3;

    public double WeightDecay { get; init; } = 0.05;

    /// <summary>AdamW's betas and epsilon; CLIP's own values (β₂ = 0.98, ε = 1e-6) suit small-batch contrastive training.</summary>
    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.98;

    public double Eps { get; init; } = 1e-6;

    /// <summary>SGD only.</summary>
    public double Momentum { get; init; } = 0.9;
}

public sealed record ScheduleOptions
{
    /// <summary>"cosine" (cosine decay after linear warmup) or "constant" (linear warmup, then flat).</summary>
    public string Name { get; init; } = "cosine";

    public long WarmupSteps { get; init; } = 100;
}

/// <summary>The <c>train</c> keys of the run config (DESIGN §5).</summary>
public sealed record TrainOptions
{
    public TrainMode Mode { get; init; } = TrainMode.TextHead;

    /// <summary>train.lora: the adapters of train.mode lora.</summary>
    public Models.LoraOptions Lora { get; init; } = new();

    public string Loss { get; init; } = "ce";

    public LossOptions LossOptions { get; init; } = new();

    public string Sampler { get; init; } = "instance";

    public int Epochs { get; init; } = 10;

    public int BatchSize { get; init; } = 256;

    public OptimizerOptions Optimizer { get; init; } = new();

    public ScheduleOptions Schedule { get; init; } = new();

    /// <summary>auto (bf16 autocast on CUDA, fp32 on CPU) | fp32 | bf16.</summary>
    public string Precision { get; init; } = "auto";

    /// <summary>last | best-val-balanced-accuracy | best-val-worst-group.</summary>
    public string Select { get; init; } = "last";

    /// <summary>Clip the global gradient norm at this value; 0 turns clipping off.</summary>
    public double GradClip { get; init; } = 1.0;

    /// <summary>A train_log.csv row every this many steps (and at each epoch's end).</summary>
    public int LogEvery { get; init; } = 10;
}
