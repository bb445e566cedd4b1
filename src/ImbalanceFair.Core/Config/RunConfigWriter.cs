using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Augmentation.Diffusion;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Training;

namespace ImbalanceFair.Core.Config;

/// <summary>
/// The resolved config as canonical YAML (every key, fixed order, round-trip numbers): written into the run
/// directory, and hashed (without <c>output.*</c> and <c>device</c>) to name it (DESIGN §6).
/// </summary>
public static partial class RunConfigWriter
{
    private sealed record Node(string Key, string? Scalar, List<Node>? Children);

    public static string ToYaml(RunConfig config) => Emit(Tree(config), 0);

    /// <summary>The first 12 hex digits of SHA-256 of the canonical config without output.* and device.</summary>
    public static string Hash12(RunConfig config)
    {
        var tree = Tree(config).Where(n => n.Key is not ("output" or "device")).ToList();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Emit(tree, 0))))[..12];
    }

    /// <summary>Every valid dotted key (for "did you mean" across levels).</summary>
    public static IReadOnlyList<string> DottedKeys()
    {
        var keys = new List<string>();
        void Walk(IEnumerable<Node> nodes, string prefix)
        {
            foreach (var n in nodes)
            {
                keys.Add(prefix + n.Key);
                if (n.Children is not null)
                {
                    Walk(n.Children, prefix + n.Key + ".");
                }
            }
        }

        var full = new RunConfig
        {
            Dataset = new DatasetConfig { Attribute = new AttributeOptions() },
            Eval = new EvalConfig { Attack = new Metrics.EvalAttackOptions() },
        };
        Walk(Tree(full), string.Empty);
        keys.AddRange(["augment.target.ratio", "augment.target.counts"]);
        return keys;
    }

    private static List<Node> Tree(RunConfig c)
    {
        var t = c.Train;
        var a = c.Augment;
        return
        [
            S("name", Str(c.Name)),
            S("seed", Num(c.Seed)),
            S("device", Str(c.Device)),
            M("dataset",
                S("name", Str(c.Dataset.Name)),
                c.Dataset.Attribute is { } attr ? M("attribute", S("kind", Str(attr.Kind)), S("correlation", Num(attr.Correlation))) : S("attribute", "null"),
                S("val_fraction", Num(c.Dataset.ValFraction))),
            M("imbalance",
                S("profile", c.Imbalance.Profile switch { ImbalanceProfile.Step => "step", ImbalanceProfile.None => "none", _ => "exponential" }),
                S("ratio", Num(c.Imbalance.Ratio)),
                S("n_max", c.Imbalance.NMax is { } n ? Num(n) : "null"),
                S("order", c.Imbalance.ExplicitOrder is { } list ? "[" + string.Join(", ", list.Select(Str)) + "]" : Str(c.Imbalance.Order))),
            M("augment",
                S("strategy", Str(a.Strategy)),
                a.Target.Kind switch
                {
                    "ratio" => M("target", S("ratio", Num(a.Target.Ratio))),
                    "counts" => M("target", M("counts", [.. a.Target.Counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => S(kv.Key, Num(kv.Value)))])),
                    _ => S("target", "balance"),
                },
                M("smote", S("k", Num(a.Smote.K)), S("space", Str(a.Smote.Space))),
                M("borderline", S("k", Num(a.Borderline.K)), S("m", Num(a.Borderline.M)), S("kind", Str(a.Borderline.Kind))),
                M("adasyn", S("k", Num(a.Adasyn.K))),
                M("diffusion", [S("source", a.Diffusion.Source is { } src ? Str(src) : "null"), S("mode", Str(a.Diffusion.Mode)), S("strict", Bool(a.Diffusion.Strict)),
                    S("ffr_epochs", a.Diffusion.FfrEpochs is { } ffr ? Num(ffr) : "null"), .. Generator(a.Diffusion)]),
                M("adversarial", S("eps", Num(a.Adversarial.Eps)), S("alpha", Num(a.Adversarial.Alpha)), S("steps", Num(a.Adversarial.Steps)),
                    S("norm", Str(a.Adversarial.Norm)), S("random_start", Bool(a.Adversarial.RandomStart)), S("regenerate", Str(a.Adversarial.Regenerate)),
                    S("eps_per_class", Str(a.Adversarial.EpsPerClass))),
                M("m2m", S("beta", Num(a.M2m.Beta)), S("lambda", Num(a.M2m.Lambda)), S("gamma", Num(a.M2m.Gamma)), S("steps", Num(a.M2m.Steps)),
                    S("step_size", Num(a.M2m.StepSize)))),
            M("model", S("arch", Str(c.Model.Arch)), S("init", Str(c.Model.Init))),
            M("train",
                S("mode", t.Mode switch { TrainMode.ZeroShot => "zero-shot", TrainMode.LinearProbe => "linear-probe", _ => "text-head" }),
                S("loss", Str(t.Loss)),
                S("tau", Num(t.LossOptions.Tau)),
                S("gamma", Num(t.LossOptions.Gamma)),
                S("beta", Num(t.LossOptions.Beta)),
                S("sampler", Str(t.Sampler)),
                S("epochs", Num(t.Epochs)),
                S("batch_size", Num(t.BatchSize)),
                M("optimizer", S("name", Str(t.Optimizer.Name)), S("lr", Num(t.Optimizer.Lr)), S("weight_decay", Num(t.Optimizer.WeightDecay)),
                    S("beta1", Num(t.Optimizer.Beta1)), S("beta2", Num(t.Optimizer.Beta2)), S("eps", Num(t.Optimizer.Eps)), S("momentum", Num(t.Optimizer.Momentum))),
                M("schedule", S("name", Str(t.Schedule.Name)), S("warmup_steps", Num(t.Schedule.WarmupSteps))),
                S("precision", Str(t.Precision)),
                S("select", Str(t.Select)),
                S("grad_clip", Num(t.GradClip)),
                S("log_every", Num(t.LogEvery))),
            M("eval",
                c.Eval.Attack is { } at
                    ? M("attack", S("name", Str(at.Name)), S("eps", Num(at.Eps)), S("alpha", at.Alpha is { } al ? Num(al) : "null"), S("steps", Num(at.Steps)),
                        S("norm", Str(at.Norm)), S("random_start", Bool(at.RandomStart)))
                    : S("attack", "null"),
                S("bootstrap", Num(c.Eval.Bootstrap))),
            M("output", S("dir", Str(c.Output.Dir)), S("save_model", Bool(c.Output.SaveModel)), S("save_augmented", Bool(c.Output.SaveAugmented))),
        ];
    }

    // issue 13: written (and so hashed) only with source: generate, so that other runs keep their hashes until issue 14
    // hashes only the active strategy's section.
    private static Node[] Generator(DiffusionOptions o)
    {
        if (o.Source != BuiltInGenerator.SourceValue)
        {
            return [];
        }

        var g = o.Generator;
        return
        [
            M("generator", S("train_on", Str(g.TrainOn)), S("channels", Num(g.Channels)), S("schedule", Str(g.Schedule)), S("prediction", Str(g.Prediction)), S("timesteps", Num(g.Timesteps)),
                S("train_steps", Num(g.TrainSteps)), S("batch_size", Num(g.BatchSize)), S("lr", Num(g.Lr)), S("class_dropout", Num(g.ClassDropout)),
                S("class_sampling", Str(g.ClassSampling)), S("ema_decay", Num(g.EmaDecay)), S("sampler_steps", Num(g.SamplerSteps)),
                S("guidance", Num(g.Guidance)), S("seed", Num(g.Seed))),
        ];
    }

    private static Node S(string key, string value) => new(key, value, null);

    private static Node M(string key, params Node[] children) => new(key, null, [.. children]);

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Bool(bool v) => v ? "true" : "false";

    /// <summary>Plain when YAML reads it back as the same string, else JSON-quoted (valid YAML).</summary>
    private static string Str(string s) =>
        PlainSafe().IsMatch(s) && s is not ("null" or "true" or "false" or "yes" or "no" or "on" or "off" or "~") && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? s
            : JsonSerializer.Serialize(s);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_./-]*$")]
    private static partial Regex PlainSafe();

    private static string Emit(IEnumerable<Node> nodes, int indent)
    {
        var sb = new StringBuilder();
        foreach (var n in nodes)
        {
            sb.Append(' ', indent).Append(Str(n.Key)).Append(':');
            if (n.Children is null)
            {
                sb.Append(' ').Append(n.Scalar).Append('\n');
            }
            else if (n.Children.Count == 0)
            {
                sb.Append(" {}\n");
            }
            else
            {
                sb.Append('\n').Append(Emit(n.Children, indent + 2));
            }
        }

        return sb.ToString();
    }
}
