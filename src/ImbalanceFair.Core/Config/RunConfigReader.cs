using System.Globalization;
using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Augmentation.Diffusion;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Training;
using ImbalanceFair.Core.Training.Losses;
using ImbalanceFair.Core.Training.Sampling;
using YamlDotNet.RepresentationModel;
using LossRegistry = ImbalanceFair.Core.Training.Losses.Losses;

namespace ImbalanceFair.Core.Config;

/// <summary>
/// Reads a run config strictly: every key typed and range-checked, unknown keys rejected with the nearest valid
/// one, errors naming the file and line (or the command-line override). Missing keys take the defaults of
/// <see cref="RunConfig"/>'s records.
/// </summary>
public static class RunConfigReader
{
    /// <summary>Loads <paramref name="file"/> and applies <c>key=value</c> overrides (values in YAML syntax).</summary>
    public static RunConfig Load(string file, IReadOnlyList<string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!File.Exists(file))
        {
            throw new ConfigException($"{file}: config file not found");
        }

        var root = Parse(File.ReadAllText(file), file);
        var origins = new YamlOrigins { AllKeys = RunConfigWriter.DottedKeys() };
        foreach (var o in overrides ?? [])
        {
            Graft(root, o, origins);
        }

        return Read(YamlObject.Over(root, file, origins));
    }

    public static RunConfig FromText(string yaml, string file = "<config>") =>
        Read(YamlObject.Over(Parse(yaml, file), file, new YamlOrigins { AllKeys = RunConfigWriter.DottedKeys() }));

    private static YamlMappingNode Parse(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(text);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigException($"{file}:{e.Start.Line}: YAML syntax error: {e.InnerException?.Message ?? e.Message}", e);
        }

        return stream.Documents.Count == 0 ? new YamlMappingNode()
            : stream.Documents[0].RootNode switch
            {
                YamlMappingNode m => m,
                YamlScalarNode { Value: null or "" } => new YamlMappingNode(),
                var n => throw new ConfigException($"{file}:{n.Start.Line}: a run config is a mapping of keys (name:, dataset:, train:, ...)"),
            };
    }

    /// <summary>Sets <c>a.b.c=value</c> in the tree, creating mappings on the way; the value is parsed as YAML.</summary>
    private static void Graft(YamlMappingNode root, string assignment, YamlOrigins origins)
    {
        var eq = assignment.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new ConfigException($"override '{assignment}' is not key=value (e.g. train.epochs=5 or augment.adversarial.eps=8/255)");
        }

        var path = assignment[..eq].Trim().Split('.');
        if (path.Any(string.IsNullOrWhiteSpace))
        {
            throw new ConfigException($"override '{assignment}': '{assignment[..eq]}' is not a dotted key");
        }

        YamlNode value;
        try
        {
            var doc = new YamlStream();
            doc.Load(new StringReader(assignment[(eq + 1)..]));
            value = doc.Documents.Count == 0 ? new YamlScalarNode(string.Empty) : doc.Documents[0].RootNode;
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigException($"override '{assignment}': the value is not valid YAML ({e.InnerException?.Message ?? e.Message})", e);
        }

        Mark(value, assignment, origins);
        var map = root;
        for (var i = 0; i < path.Length - 1; i++)
        {
            var key = new YamlScalarNode(path[i]);
            if (!map.Children.TryGetValue(key, out var child) || child is not YamlMappingNode childMap)
            {
                childMap = new YamlMappingNode();
                map.Children[key] = childMap;
                origins.Overrides[childMap] = assignment;
            }

            map = childMap;
        }

        var leaf = new YamlScalarNode(path[^1]);
        origins.Overrides[leaf] = assignment;
        map.Children.Remove(leaf);
        map.Children.Add(leaf, value);
    }

    private static void Mark(YamlNode node, string text, YamlOrigins origins)
    {
        origins.Overrides[node] = text;
        foreach (var child in node.AllNodes)
        {
            origins.Overrides[child] = text;
        }
    }

    private static RunConfig Read(YamlObject y)
    {
        y.Allow("name", "seed", "device", "dataset", "imbalance", "augment", "model", "train", "eval", "output");
        var d = new RunConfig();
        var name = y.GetString("name") ?? d.Name;
        if (name.Length == 0 || name.IndexOfAny(['/', '\\', '\0']) >= 0 || name is "." or "..")
        {
            throw y.Error("name", $"'{name}' cannot name a folder (no slashes)");
        }

        var device = (y.GetString("device") ?? d.Device).ToLowerInvariant();
        if (device is not ("auto" or "cpu" or "cuda") && !(device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw y.Error("device", $"must be auto, cpu, cuda or cuda:N, not '{device}'");
        }

        return new RunConfig
        {
            Name = name,
            Seed = Int(y, "seed", d.Seed, 0, long.MaxValue),
            Device = device,
            Dataset = ReadDataset(y.GetObject("dataset")),
            Imbalance = ReadImbalance(y.GetObject("imbalance")),
            Augment = ReadAugment(y.GetObject("augment")),
            Model = ReadModel(y.GetObject("model")),
            Train = ReadTrain(y.GetObject("train")),
            Eval = ReadEval(y.GetObject("eval")),
            Output = ReadOutput(y.GetObject("output")),
        };
    }

    private static DatasetConfig ReadDataset(YamlObject? y)
    {
        var d = new DatasetConfig();
        if (y is null)
        {
            return d;
        }

        y.Allow("name", "attribute", "val_fraction");
        AttributeOptions? attribute = null;
        if (y.GetObject("attribute") is { } a)
        {
            a.Allow("kind", "correlation");
            var defaults = new AttributeOptions();
            attribute = new AttributeOptions
            {
                Kind = Choice(a, "kind", defaults.Kind, ["color", "manifest"]),
                Correlation = Num(a, "correlation", defaults.Correlation, 0, 1),
            };
        }

        return new DatasetConfig
        {
            Name = y.GetString("name") ?? d.Name,
            Attribute = attribute,
            ValFraction = Num(y, "val_fraction", d.ValFraction, 0, 1, maxExclusive: true),
        };
    }

    private static ImbalanceOptions ReadImbalance(YamlObject? y)
    {
        var d = new ImbalanceOptions();
        if (y is null)
        {
            return d;
        }

        y.Allow("profile", "ratio", "n_max", "order");
        var profile = Choice(y, "profile", "exponential", ["exponential", "step", "none"]);
        IReadOnlyList<string>? list = null;
        var order = "index";
        switch (y.GetNode("order"))
        {
            case YamlSequenceNode:
                list = y.GetStringList("order");
                order = "list";
                break;
            case not null:
                order = Choice(y, "order", "index", ["index", "shuffled"]);
                break;
        }

        return new ImbalanceOptions
        {
            Profile = profile switch { "step" => ImbalanceProfile.Step, "none" => ImbalanceProfile.None, _ => ImbalanceProfile.Exponential },
            Ratio = Num(y, "ratio", d.Ratio, 1, double.MaxValue),
            NMax = y.Has("n_max") ? Int(y, "n_max", 1, 1, long.MaxValue) : null,
            Order = order,
            ExplicitOrder = list,
        };
    }

    private static AugmentOptions ReadAugment(YamlObject? y)
    {
        var d = new AugmentOptions();
        if (y is null)
        {
            return d;
        }

        y.Allow("strategy", "target", "smote", "borderline", "adasyn", "diffusion", "adversarial", "m2m");
        var target = d.Target;
        switch (y.GetNode("target"))
        {
            case YamlScalarNode:
                Choice(y, "target", "balance", ["balance"]);
                break;
            case YamlMappingNode:
                var t = y.GetObject("target")!;
                t.Allow("ratio", "counts");
                if (t.Has("ratio") == t.Has("counts"))
                {
                    throw y.Error("target", "give either {ratio: r} or {counts: {class: n, ...}}");
                }

                target = t.Has("ratio")
                    ? new AugmentTarget { Kind = "ratio", Ratio = Num(t, "ratio", 1, 1, double.MaxValue) }
                    : new AugmentTarget { Kind = "counts", Counts = Counts(t.GetObject("counts")!) };
                break;
            case not null:
                throw y.Error("target", "must be balance, {ratio: r} or {counts: {...}}");
        }

        var smote = y.GetObject("smote");
        smote?.Allow("k", "space");
        var borderline = y.GetObject("borderline");
        borderline?.Allow("k", "m", "kind");
        var adasyn = y.GetObject("adasyn");
        adasyn?.Allow("k");
        var diffusion = y.GetObject("diffusion");
        diffusion?.Allow("source", "mode", "strict", "ffr_epochs", "generator");
        var adv = y.GetObject("adversarial");
        adv?.Allow("eps", "alpha", "steps", "norm", "random_start", "regenerate", "eps_per_class");
        var m2m = y.GetObject("m2m");
        m2m?.Allow("beta", "lambda", "gamma", "steps", "step_size");
        var strategy = Choice(y, "strategy", d.Strategy, [.. AugmentationStrategies.Names]);
        return new AugmentOptions
        {
            Strategy = strategy,
            Target = target,
            Smote = smote is null ? d.Smote : new SmoteOptions { K = (int)Int(smote, "k", d.Smote.K, 1, 1000), Space = Choice(smote, "space", d.Smote.Space, ["pixel", "embedding"]) },
            Borderline = borderline is null ? d.Borderline : new BorderlineOptions
            {
                K = (int)Int(borderline, "k", d.Borderline.K, 1, 1000), M = (int)Int(borderline, "m", d.Borderline.M, 1, 1000),
                Kind = Choice(borderline, "kind", d.Borderline.Kind, ["borderline-1", "borderline-2"]),
            },
            Adasyn = adasyn is null ? d.Adasyn : new AdasynOptions { K = (int)Int(adasyn, "k", d.Adasyn.K, 1, 1000) },
            Diffusion = diffusion is null ? d.Diffusion : new DiffusionOptions
            {
                Source = diffusion.GetString("source") == BuiltInGenerator.SourceValue ? BuiltInGenerator.SourceValue : RelativeToConfig(diffusion, "source"),
                Mode = Choice(diffusion, "mode", d.Diffusion.Mode, ["mix", "ffr"]),
                Generator = ReadGenerator(diffusion.GetObject("generator"), d.Diffusion.Generator),
                Strict = diffusion.GetBool("strict") ?? d.Diffusion.Strict,
                FfrEpochs = diffusion.Has("ffr_epochs") ? (int)Int(diffusion, "ffr_epochs", 0, 0, 100_000) : null,
            },
            Adversarial = adv is null ? d.Adversarial : new AdversarialOptions
            {
                Eps = Num(adv, "eps", d.Adversarial.Eps, 0, double.MaxValue), Alpha = Num(adv, "alpha", d.Adversarial.Alpha, 0, double.MaxValue),
                Steps = (int)Int(adv, "steps", d.Adversarial.Steps, 1, 10_000), Norm = Choice(adv, "norm", d.Adversarial.Norm, ["linf", "l2"]),
                RandomStart = adv.GetBool("random_start") ?? d.Adversarial.RandomStart,
                Regenerate = Choice(adv, "regenerate", d.Adversarial.Regenerate, ["epoch", "once"]),
                EpsPerClass = Choice(adv, "eps_per_class", d.Adversarial.EpsPerClass, ["fixed", "robustlt"]),
            },
            M2m = m2m is null ? d.M2m : new M2mOptions
            {
                Beta = Num(m2m, "beta", d.M2m.Beta, 0, 1, maxExclusive: true), Lambda = Num(m2m, "lambda", d.M2m.Lambda, 0, double.MaxValue),
                Gamma = Num(m2m, "gamma", d.M2m.Gamma, 0, 1), Steps = (int)Int(m2m, "steps", d.M2m.Steps, 1, 10_000),
                StepSize = Num(m2m, "step_size", d.M2m.StepSize, 0, double.MaxValue, minExclusive: true),
            },
        };
    }

    /// <summary>A path as written in the config file is relative to that file's folder; one from an override, to the current folder.</summary>
    // issue 13, before issue 14's per-strategy option files: the generator's keys, read and checked here for now.
    private static GeneratorOptions ReadGenerator(YamlObject? y, GeneratorOptions d)
    {
        if (y is null)
        {
            return d;
        }

        y.Allow("train_on", "channels", "schedule", "prediction", "timesteps", "train_steps", "batch_size", "lr", "class_dropout", "class_sampling", "ema_decay", "sampler_steps", "guidance", "seed");
        var g = new GeneratorOptions
        {
            TrainOn = Choice(y, "train_on", d.TrainOn, [.. GeneratorOptions.TrainOnValues]), Channels = (int)Int(y, "channels", d.Channels, 8, 1024),
            Schedule = Choice(y, "schedule", d.Schedule, [.. NoiseSchedule.Kinds]), Prediction = Choice(y, "prediction", d.Prediction, [.. GeneratorOptions.PredictionValues]),
            Timesteps = (int)Int(y, "timesteps", d.Timesteps, 2, 100_000),
            TrainSteps = (int)Int(y, "train_steps", d.TrainSteps, 1, 10_000_000), BatchSize = (int)Int(y, "batch_size", d.BatchSize, 1, 65_536),
            Lr = Num(y, "lr", d.Lr, 0, 1, minExclusive: true), ClassDropout = Num(y, "class_dropout", d.ClassDropout, 0, 1, maxExclusive: true),
            ClassSampling = Choice(y, "class_sampling", d.ClassSampling, [.. GeneratorOptions.ClassSamplingValues]),
            EmaDecay = Num(y, "ema_decay", d.EmaDecay, 0, 1, maxExclusive: true), SamplerSteps = (int)Int(y, "sampler_steps", d.SamplerSteps, 1, 100_000),
            Guidance = Num(y, "guidance", d.Guidance, 0, 100), Seed = Int(y, "seed", d.Seed, 0, long.MaxValue),
        };
        if (g.Problems().FirstOrDefault() is { } problem)
        {
            throw new ConfigException(problem);
        }

        return g;
    }

    private static string? RelativeToConfig(YamlObject y, string key)
    {
        var path = y.GetString(key);
        if (path is null || Path.IsPathRooted(path) || y.Where(key).StartsWith("command-line", StringComparison.Ordinal))
        {
            return path;
        }

        return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(y.File)) ?? ".", path));
    }

    private static Dictionary<string, long> Counts(YamlObject counts)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in counts.Keys.ToList())
        {
            result[key] = Int(counts, key, 0, 0, long.MaxValue);
        }

        return result;
    }

    private static ModelConfig ReadModel(YamlObject? y)
    {
        var d = new ModelConfig();
        if (y is null)
        {
            return d;
        }

        y.Allow("arch", "init");
        return new ModelConfig { Arch = Choice(y, "arch", d.Arch, [.. ClipPresets.Names]), Init = y.GetString("init") ?? d.Init };
    }

    private static TrainOptions ReadTrain(YamlObject? y)
    {
        var d = new TrainOptions();
        if (y is null)
        {
            return d;
        }

        y.Allow("mode", "loss", "tau", "gamma", "beta", "sampler", "epochs", "batch_size", "optimizer", "schedule", "precision", "select", "grad_clip", "log_every");
        var optimizer = y.GetObject("optimizer");
        optimizer?.Allow("name", "lr", "weight_decay", "beta1", "beta2", "eps", "momentum");
        var schedule = y.GetObject("schedule");
        schedule?.Allow("name", "warmup_steps");
        var o = d.Optimizer;
        var lossDefaults = d.LossOptions;
        return new TrainOptions
        {
            Mode = Choice(y, "mode", "text-head", ["zero-shot", "text-head", "linear-probe"]) switch
            {
                "zero-shot" => TrainMode.ZeroShot,
                "linear-probe" => TrainMode.LinearProbe,
                _ => TrainMode.TextHead,
            },
            Loss = Choice(y, "loss", d.Loss, [.. LossRegistry.Names]),
            LossOptions = new LossOptions
            {
                Tau = Num(y, "tau", lossDefaults.Tau, double.MinValue, double.MaxValue),
                Gamma = Num(y, "gamma", lossDefaults.Gamma, 0, double.MaxValue),
                Beta = Num(y, "beta", lossDefaults.Beta, 0, 1),
            },
            Sampler = Choice(y, "sampler", d.Sampler, [.. Samplers.Names]),
            Epochs = (int)Int(y, "epochs", d.Epochs, 0, 100_000),
            BatchSize = (int)Int(y, "batch_size", d.BatchSize, 1, 1_000_000),
            Optimizer = optimizer is null ? o : new OptimizerOptions
            {
                Name = Choice(optimizer, "name", o.Name, ["adamw", "sgd"]),
                Lr = Num(optimizer, "lr", o.Lr, 0, double.MaxValue, minExclusive: true),
                WeightDecay = Num(optimizer, "weight_decay", o.WeightDecay, 0, double.MaxValue),
                Beta1 = Num(optimizer, "beta1", o.Beta1, 0, 1, maxExclusive: true),
                Beta2 = Num(optimizer, "beta2", o.Beta2, 0, 1, maxExclusive: true),
                Eps = Num(optimizer, "eps", o.Eps, 0, double.MaxValue),
                Momentum = Num(optimizer, "momentum", o.Momentum, 0, 1),
            },
            Schedule = schedule is null ? d.Schedule : new ScheduleOptions
            {
                Name = Choice(schedule, "name", d.Schedule.Name, ["cosine", "constant"]),
                WarmupSteps = Int(schedule, "warmup_steps", d.Schedule.WarmupSteps, 0, long.MaxValue),
            },
            Precision = Choice(y, "precision", d.Precision, ["auto", "fp32", "bf16"]),
            Select = Choice(y, "select", d.Select, ["last", "best-val-balanced-accuracy", "best-val-worst-group"]),
            GradClip = Num(y, "grad_clip", d.GradClip, 0, double.MaxValue),
            LogEvery = (int)Int(y, "log_every", d.LogEvery, 1, int.MaxValue),
        };
    }

    private static EvalConfig ReadEval(YamlObject? y)
    {
        var d = new EvalConfig();
        if (y is null)
        {
            return d;
        }

        y.Allow("attack", "bootstrap");
        EvalAttackOptions? attack = null;
        if (y.GetObject("attack") is { } a)
        {
            a.Allow("name", "eps", "alpha", "steps", "norm", "random_start");
            var ad = new EvalAttackOptions();
            attack = new EvalAttackOptions
            {
                Name = Choice(a, "name", ad.Name, ["fgsm", "pgd"]),
                Eps = Num(a, "eps", ad.Eps, 0, double.MaxValue),
                Alpha = a.Has("alpha") ? Num(a, "alpha", 0, 0, double.MaxValue, minExclusive: true) : null,
                Steps = (int)Int(a, "steps", ad.Steps, 1, 10_000),
                Norm = Choice(a, "norm", ad.Norm, ["linf", "l2"]),
                RandomStart = a.GetBool("random_start") ?? ad.RandomStart,
            };
        }

        return new EvalConfig { Attack = attack, Bootstrap = (int)Int(y, "bootstrap", d.Bootstrap, 0, 1_000_000) };
    }

    private static OutputConfig ReadOutput(YamlObject? y)
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

    private static string Choice(YamlObject y, string key, string fallback, IReadOnlyCollection<string> allowed)
    {
        var value = y.GetString(key) ?? fallback;
        return allowed.Contains(value) ? value
            : throw y.Error(key, $"'{value}' is not one of: {string.Join(", ", allowed)}.{NearestKey.Suggestion(value, allowed)}");
    }

    private static long Int(YamlObject y, string key, long fallback, long min, long max)
    {
        var v = y.GetInt(key) ?? fallback;
        return v >= min && v <= max ? v
            : throw y.Error(key, max == long.MaxValue ? $"must be at least {min}, not {v}" : $"must be between {min} and {max}, not {v}");
    }

    private static double Num(YamlObject y, string key, double fallback, double min, double max, bool minExclusive = false, bool maxExclusive = false)
    {
        var v = y.GetDouble(key) ?? fallback;
        var ok = (minExclusive ? v > min : v >= min) && (maxExclusive ? v < max : v <= max);
        if (ok)
        {
            return v;
        }

        var low = min == double.MinValue ? null : $"{(minExclusive ? ">" : "≥")} {min.ToString(CultureInfo.InvariantCulture)}";
        var high = max == double.MaxValue ? null : $"{(maxExclusive ? "<" : "≤")} {max.ToString(CultureInfo.InvariantCulture)}";
        throw y.Error(key, $"must be {string.Join(" and ", new[] { low, high }.Where(s => s is not null))}, not {v.ToString(CultureInfo.InvariantCulture)}");
    }
}
