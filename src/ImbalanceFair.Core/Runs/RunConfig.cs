using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Training;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Runs;

/// <summary>The <c>output</c> keys: where results go and what extra files a run writes; never part of a run's identity.</summary>
public sealed record OutputConfig
{
    public string Dir { get; init; } = "runs";

    public bool SaveModel { get; init; }

    public bool SaveAugmented { get; init; }

    public static OutputConfig Read(YamlObject? y)
    {
        var d = new OutputConfig();
        if (y is null)
        {
            return d;
        }

        y.Allow("dir", "save_model", "save_augmented");
        return new OutputConfig
        {
            Dir = y.GetString("dir") ?? d.Dir,
            SaveModel = y.GetBool("save_model") ?? d.SaveModel,
            SaveAugmented = y.GetBool("save_augmented") ?? d.SaveAugmented,
        };
    }

    public ConfigNode Write() => M("output", S("dir", Str(Dir)), S("save_model", Bool(SaveModel)), S("save_augmented", Bool(SaveAugmented))).When(false);
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
