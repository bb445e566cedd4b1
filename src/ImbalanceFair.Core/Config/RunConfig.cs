using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Training;

namespace ImbalanceFair.Core.Config;

public sealed record DatasetConfig
{
    public string Name { get; init; } = "fashion-mnist";

    public AttributeOptions? Attribute { get; init; }

    public double ValFraction { get; init; } = 0.1;
}

public sealed record ModelConfig
{
    public string Arch { get; init; } = "tiny-clip";

    /// <summary>scratch | pretrained | a path to a .safetensors state dict.</summary>
    public string Init { get; init; } = "scratch";
}

public sealed record EvalConfig
{
    /// <summary>The eval attack for robust accuracy (torchattacks' defaults); null: none.</summary>
    public EvalAttackOptions? Attack { get; init; }

    public int Bootstrap { get; init; } = 1000;
}

public sealed record OutputConfig
{
    public string Dir { get; init; } = "runs";

    public bool SaveModel { get; init; }

    public bool SaveAugmented { get; init; }
}

/// <summary>One experiment, resolved: defaults, then the file, then command-line overrides (DESIGN §5).</summary>
public sealed record RunConfig
{
    public string Name { get; init; } = "run";

    public long Seed { get; init; }

    /// <summary>auto | cpu | cuda | cuda:N.</summary>
    public string Device { get; init; } = "auto";

    public DatasetConfig Dataset { get; init; } = new();

    public ImbalanceOptions Imbalance { get; init; } = new();

    public AugmentOptions Augment { get; init; } = new();

    public ModelConfig Model { get; init; } = new();

    public TrainOptions Train { get; init; } = new();

    public EvalConfig Eval { get; init; } = new();

    public OutputConfig Output { get; init; } = new();
}
