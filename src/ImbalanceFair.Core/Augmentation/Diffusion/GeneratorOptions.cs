using ImbalanceFair.Core.Config;
using System.Globalization;
using System.Text;

namespace ImbalanceFair.Core.Augmentation.Diffusion;

/// <summary>
/// <c>augment.diffusion.generator</c>: what the built-in generator trains on and how (defaults sized for the embedded
/// default's 28×28 images on a 2-core CPU, minutes not hours; docs/diffusion.md). Every field but <see cref="TrainOn"/>'s effect on the
/// data is part of the cache key: <see cref="ModelKeyText"/> for the weights, <see cref="BankKeyText"/> for the images.
/// </summary>
public sealed record GeneratorOptions
{
    /// <summary>split: the run's own training images; pool: the reserved balanced pool disjoint from the split.</summary>
    public string TrainOn { get; init; } = "split";

    /// <summary>The U-Net's base width (a multiple of 8); the levels have 1×, 2×, 2× of it.</summary>
    public int Channels { get; init; } = 16;

    public string Schedule { get; init; } = "cosine";

    /// <summary>What the U-Net predicts: eps (the noise, DDPM) or v (Salimans &amp; Ho 2022). See docs/diffusion.md.</summary>
    public string Prediction { get; init; } = "v";

    /// <summary>T, the diffusion's time steps.</summary>
    public int Timesteps { get; init; } = 1000;

    /// <summary>Optimiser steps of generator training.</summary>
    public int TrainSteps { get; init; } = 1500;

    public int BatchSize { get; init; } = 32;

    public double Lr { get; init; } = 2e-3;

    /// <summary>Probability that a training image's class is replaced by "no class" (classifier-free guidance).</summary>
    public double ClassDropout { get; init; } = 0.1;

    /// <summary>
    /// How training images are drawn: a class with n_c images is drawn with probability ∝ n_c^q, q = 0 (uniform,
    /// fully class-balanced), ½ (sqrt) or 1 (instance: as the data falls). See docs/diffusion.md for why sqrt.
    /// </summary>
    public string ClassSampling { get; init; } = "sqrt";

    /// <summary>Decay of the exponential moving average of the weights that samples (warmed up as min(decay, (1+s)/(10+s))).</summary>
    public double EmaDecay { get; init; } = 0.995;

    public int SamplerSteps { get; init; } = 10;

    /// <summary>Classifier-free guidance scale w (1: conditional only, no guidance).</summary>
    public double Guidance { get; init; } = 3.0;

    /// <summary>The generator's own seed (training and bank), so one generator serves every run seed.</summary>
    public long Seed { get; init; }

    public static readonly IReadOnlyList<string> TrainOnValues = ["split", "pool"];

    public static readonly IReadOnlyList<string> ClassSamplingValues = ["uniform", "sqrt", "instance"];

    public static readonly IReadOnlyList<string> PredictionValues = ["eps", "v"];

    /// <summary>q in p_c ∝ n_c^q.</summary>
    public double SamplingPower => ClassSampling switch
    {
        "uniform" => 0,
        "sqrt" => 0.5,
        "instance" => 1,
        _ => throw new InvalidOperationException($"unknown class_sampling '{ClassSampling}'"),
    };

    /// <summary>Problems with the values (each naming the key and what is allowed); empty when valid.</summary>
    /// <summary><c>augment.diffusion.generator</c>: every key optional (defaults above), read strictly.</summary>
    public static GeneratorOptions Read(YamlObject? y, GeneratorOptions d)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (y is null)
        {
            return d;
        }

        y.Allow("train_on", "channels", "schedule", "prediction", "timesteps", "train_steps", "batch_size", "lr", "class_dropout", "class_sampling", "ema_decay",
            "sampler_steps", "guidance", "seed");
        var g = new GeneratorOptions
        {
            TrainOn = ConfigValues.Choice(y, "train_on", d.TrainOn, TrainOnValues), Channels = ConfigValues.Int32(y, "channels", d.Channels, 8, 1024),
            Schedule = ConfigValues.Choice(y, "schedule", d.Schedule, NoiseSchedule.Kinds), Prediction = ConfigValues.Choice(y, "prediction", d.Prediction, PredictionValues),
            Timesteps = ConfigValues.Int32(y, "timesteps", d.Timesteps, 2, 100_000),
            TrainSteps = ConfigValues.Int32(y, "train_steps", d.TrainSteps, 1, 10_000_000), BatchSize = ConfigValues.Int32(y, "batch_size", d.BatchSize, 1, 65_536),
            Lr = ConfigValues.Num(y, "lr", d.Lr, 0, 1, minExclusive: true), ClassDropout = ConfigValues.Num(y, "class_dropout", d.ClassDropout, 0, 1, maxExclusive: true),
            ClassSampling = ConfigValues.Choice(y, "class_sampling", d.ClassSampling, ClassSamplingValues),
            EmaDecay = ConfigValues.Num(y, "ema_decay", d.EmaDecay, 0, 1, maxExclusive: true), SamplerSteps = ConfigValues.Int32(y, "sampler_steps", d.SamplerSteps, 1, 100_000),
            Guidance = ConfigValues.Num(y, "guidance", d.Guidance, 0, 100), Seed = ConfigValues.Int(y, "seed", d.Seed, 0, long.MaxValue),
        };
        return g.Problems().FirstOrDefault() is { } problem ? throw new ConfigException(problem) : g;
    }

    /// <summary>The <c>generator</c> mapping, in <see cref="Read"/>'s key order.</summary>
    public ConfigNode Write() => ConfigNode.M("generator",
        ConfigNode.S("train_on", ConfigNode.Str(TrainOn)), ConfigNode.S("channels", ConfigNode.Num(Channels)), ConfigNode.S("schedule", ConfigNode.Str(Schedule)),
        ConfigNode.S("prediction", ConfigNode.Str(Prediction)), ConfigNode.S("timesteps", ConfigNode.Num(Timesteps)), ConfigNode.S("train_steps", ConfigNode.Num(TrainSteps)),
        ConfigNode.S("batch_size", ConfigNode.Num(BatchSize)), ConfigNode.S("lr", ConfigNode.Num(Lr)), ConfigNode.S("class_dropout", ConfigNode.Num(ClassDropout)),
        ConfigNode.S("class_sampling", ConfigNode.Str(ClassSampling)), ConfigNode.S("ema_decay", ConfigNode.Num(EmaDecay)),
        ConfigNode.S("sampler_steps", ConfigNode.Num(SamplerSteps)), ConfigNode.S("guidance", ConfigNode.Num(Guidance)), ConfigNode.S("seed", ConfigNode.Num(Seed)));

    public IEnumerable<string> Problems()
    {
        const string p = "augment.diffusion.generator.";
        if (!TrainOnValues.Contains(TrainOn))
        {
            yield return $"{p}train_on must be split or pool, not '{TrainOn}'";
        }

        if (Channels <= 0 || Channels % Denoiser.Groups != 0)
        {
            yield return $"{p}channels must be a positive multiple of {Denoiser.Groups}, not {Channels}";
        }

        if (!NoiseSchedule.Kinds.Contains(Schedule))
        {
            yield return $"{p}schedule must be {string.Join(" or ", NoiseSchedule.Kinds)}, not '{Schedule}'";
        }

        if (!PredictionValues.Contains(Prediction))
        {
            yield return $"{p}prediction must be eps or v, not '{Prediction}'";
        }

        if (Timesteps < 2)
        {
            yield return $"{p}timesteps must be at least 2, not {Timesteps}";
        }

        if (TrainSteps < 1 || BatchSize < 1)
        {
            yield return $"{p}train_steps and batch_size must be at least 1 (got {TrainSteps} and {BatchSize})";
        }

        if (!(Lr > 0))
        {
            yield return $"{p}lr must be positive, not {Lr.ToString(CultureInfo.InvariantCulture)}";
        }

        if (!(ClassDropout is >= 0 and < 1))
        {
            yield return $"{p}class_dropout must be in [0, 1), not {ClassDropout.ToString(CultureInfo.InvariantCulture)}";
        }

        if (!ClassSamplingValues.Contains(ClassSampling))
        {
            yield return $"{p}class_sampling must be uniform, sqrt or instance, not '{ClassSampling}'";
        }

        if (!(EmaDecay is >= 0 and < 1))
        {
            yield return $"{p}ema_decay must be in [0, 1), not {EmaDecay.ToString(CultureInfo.InvariantCulture)}";
        }

        if (SamplerSteps < 1 || SamplerSteps > Timesteps)
        {
            yield return $"{p}sampler_steps must be between 1 and timesteps ({Timesteps}), not {SamplerSteps}";
        }

        if (!(Guidance >= 0))
        {
            yield return $"{p}guidance must be >= 0, not {Guidance.ToString(CultureInfo.InvariantCulture)}";
        }

        if (Guidance != 1 && ClassDropout == 0)
        {
            yield return $"{p}guidance {Guidance.ToString(CultureInfo.InvariantCulture)} needs the unconditional branch, which class_dropout 0 never trains: set class_dropout > 0 or guidance: 1";
        }
    }

    /// <summary>Everything that decides the trained weights besides the images.</summary>
    public string ModelKeyText() => Invariant(
        $"channels={Channels};schedule={Schedule};prediction={Prediction};timesteps={Timesteps};train_steps={TrainSteps};batch_size={BatchSize};lr={Lr:R};class_dropout={ClassDropout:R};class_sampling={ClassSampling};ema_decay={EmaDecay:R};seed={Seed}");

    /// <summary>What decides the generated images besides the weights.</summary>
    public string BankKeyText() => Invariant($"sampler=ddim;sampler_steps={SamplerSteps};guidance={Guidance:R};seed={Seed}");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>The options as YAML-like "key: value" pairs, for logs and the resolved config.</summary>
    public override string ToString() => new StringBuilder()
        .Append("train_on=").Append(TrainOn).Append(';').Append(ModelKeyText()).Append(';').Append(BankKeyText()).ToString();
}
