using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Training.Losses;
using ImbalanceFair.Core.Training.Sampling;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Training;

/// <summary>The <c>train</c> keys of the run config (DESIGN §5).</summary>
public sealed record TrainOptions
{
    public TrainMode Mode { get; init; } = TrainMode.TextHead;

    /// <summary>train.lora: the adapters of train.mode lora.</summary>
    public LoraOptions Lora { get; init; } = new();

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

    public static TrainOptions Read(YamlObject? y)
    {
        var d = new TrainOptions();
        if (y is null)
        {
            return d;
        }

        y.Allow("mode", "loss", "tau", "gamma", "beta", "sampler", "epochs", "batch_size", "optimizer", "schedule", "precision", "select", "grad_clip", "log_every", "lora");
        var lossDefaults = d.LossOptions;
        return new TrainOptions
        {
            Mode = TrainModes.Parse(ConfigValues.Choice(y, "mode", TrainModes.NameOf(d.Mode), TrainModes.Names)),
            Lora = LoraOptions.Read(y.GetObject("lora")),
            Loss = ConfigValues.Choice(y, "loss", d.Loss, Losses.Losses.Names),
            LossOptions = new LossOptions
            {
                Tau = ConfigValues.Num(y, "tau", lossDefaults.Tau, double.MinValue, double.MaxValue),
                Gamma = ConfigValues.Num(y, "gamma", lossDefaults.Gamma, 0, double.MaxValue),
                Beta = ConfigValues.Num(y, "beta", lossDefaults.Beta, 0, 1),
            },
            Sampler = ConfigValues.Choice(y, "sampler", d.Sampler, Samplers.Names),
            Epochs = ConfigValues.Int32(y, "epochs", d.Epochs, 0, 100_000),
            BatchSize = ConfigValues.Int32(y, "batch_size", d.BatchSize, 1, 1_000_000),
            Optimizer = OptimizerOptions.Read(y.GetObject("optimizer")),
            Schedule = ScheduleOptions.Read(y.GetObject("schedule")),
            Precision = ConfigValues.Choice(y, "precision", d.Precision, ["auto", "fp32", "bf16"]),
            Select = ConfigValues.Choice(y, "select", d.Select, Selections.Names),
            GradClip = ConfigValues.Num(y, "grad_clip", d.GradClip, 0, double.MaxValue),
            LogEvery = ConfigValues.Int32(y, "log_every", d.LogEvery, 1, int.MaxValue),
        };
    }

    /// <summary>The <c>train</c> mapping; a loss's hyper-parameters apply only to that loss.</summary>
    public ConfigNode Write()
    {
        var lossKeys = Losses.Losses.KeysOf(Loss);
        return M("train",
            S("mode", TrainModes.NameOf(Mode)),
            S("loss", Str(Loss)),
            S("tau", Num(LossOptions.Tau)).When(lossKeys.Contains("tau")),
            S("gamma", Num(LossOptions.Gamma)).When(lossKeys.Contains("gamma")),
            S("beta", Num(LossOptions.Beta)).When(lossKeys.Contains("beta")),
            S("sampler", Str(Sampler)),
            S("epochs", Num(Epochs)),
            S("batch_size", Num(BatchSize)),
            Optimizer.Write(),
            Schedule.Write(),
            S("precision", Str(Precision)),
            S("select", Str(Select)),
            S("grad_clip", Num(GradClip)),
            S("log_every", Num(LogEvery)),
            // train.lora applies only to lora runs: other runs keep their hashes.
            Lora.Write().When(Mode == TrainMode.Lora));
    }
}
