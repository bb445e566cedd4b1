using ImbalanceFair.Core.Attacks;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;
using Serilog;
using ImbalanceFair.Core.Config;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// <c>fgsm</c> / <c>pgd</c> (DESIGN §8): each class below its target receives copies of its own real samples (drawn with
/// replacement as <c>oversample</c> draws them, the same parents every epoch), each perturbed within its ε-ball so as to
/// raise the loss of its own label under the current model (<see cref="Attack"/>), then stored as uint8
/// within the ball (<see cref="PixelQuantizer"/>), source Adversarial, parent the copied sample.
/// <c>regenerate: epoch</c> attacks the model as it is at every epoch start (online); <c>once</c> attacks the initial
/// model at the first epoch and keeps the result. <c>eps_per_class: robustlt</c> gives rarer classes larger budgets
/// (<see cref="RobustLtBudgets"/>), with step sizes scaled alike.
/// </summary>
public sealed class AdversarialAugmentation : IAugmentationStrategy
{
    /// <summary>Both rows read <c>augment.adversarial</c>; FGSM is one step of size ε from the clean image.</summary>
    public static StrategyDefinition Fgsm { get; } = new("fgsm", AdversarialOptions.Section,
        (o, ctx) => new AdversarialAugmentation("fgsm", o.Section<AdversarialOptions>(), ctx.Seed, ctx.Log))
    {
        Unread = ["alpha", "steps", "random_start"],
    };

    public static StrategyDefinition Pgd { get; } = new("pgd", AdversarialOptions.Section,
        (o, ctx) => new AdversarialAugmentation("pgd", o.Section<AdversarialOptions>(), ctx.Seed, ctx.Log));

    private readonly AdversarialOptions _options;
    private readonly AttackNorm _norm;
    private readonly long _seed;
    private readonly ILogger _log;
    private readonly int _batchSize;

    /// <param name="name"><c>fgsm</c> (one step of size ε, no random start) or <c>pgd</c>.</param>
    public AdversarialAugmentation(string name, AdversarialOptions options, long seed, ILogger? log = null, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!AttackMethods.Names.Contains(name))
        {
            throw new ArgumentException($"an adversarial strategy is one of {string.Join(", ", AttackMethods.Names)}, not '{name}'", nameof(name));
        }

        Validate(options, name);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Name = name;
        _options = options;
        _norm = AttackNorms.Parse(options.Norm, "augment.adversarial.norm");
        _seed = seed;
        _log = log ?? Serilog.Core.Logger.None;
        _batchSize = batchSize;
    }

    public string Name { get; }

    public bool RegeneratesEachEpoch => _options.Regenerate == "epoch";

    /// <summary>The budget of each class for these real counts (ε for every class with <c>fixed</c>).</summary>
    public double[] ClassBudgets(long[] realCounts) => _options.EpsPerClass == "robustlt"
        ? RobustLtBudgets.For(realCounts, _options.Eps)
        : realCounts.Select(_ => _options.Eps).ToArray();

    public EpochAugmentation Generate(int epoch, RealTrainingData real, long[] targets, ClipClassifier model)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(targets);
        var picks = Parents(real, targets, _seed);
        if (picks.Length == 0)
        {
            return new EpochAugmentation(AddedSamples.Empty(real.Images));
        }

        if (model is null)
        {
            throw new InvalidOperationException($"augment.strategy {Name} attacks the model being trained, and none was given");
        }

        var budgets = ClassBudgets(real.Counts);
        var eps = picks.Select(i => budgets[real.LabelsHost[i]]).ToArray();
        var steps = Name == "fgsm" ? 1 : _options.Steps;
        _log.Information("{Strategy}: perturbing {Count} minority copies ({Norm}, eps {Eps}, {Steps} step(s)) at epoch {Epoch}",
            Name, picks.Length, _options.Norm, _options.EpsPerClass == "robustlt" ? $"per class {string.Join("/", budgets.Select(b => b.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)))}" : $"{_options.Eps:G4}", steps, epoch + 1);

        using var scope = torch.NewDisposeScope();
        using var target = new AttackTarget(model);
        var device = real.Images.device;
        var idx = torch.from_array<long>(picks, [picks.Length], device);
        var sources = real.Images.index_select(0, idx);
        var labels = real.Labels.index_select(0, idx);
        var output = torch.empty(sources.shape, ScalarType.UInt8, device);
        for (var start = 0; start < picks.Length; start += _batchSize)
        {
            RunCancellation.ThrowIfStopped();
            using var batchScope = torch.NewDisposeScope();
            var len = Math.Min(_batchSize, picks.Length - start);
            var src = sources.narrow(0, start, len);
            var y = labels.narrow(0, start, len);
            var e = eps.AsSpan(start, len).ToArray();
            var adv = Perturb(target, src.to(ScalarType.Float32) / 255.0, y, e);
            output.narrow(0, start, len).copy_(PixelQuantizer.ToUInt8WithinBall(adv, src, e, _norm));
        }

        return new EpochAugmentation(new AddedSamples(output, labels, Enumerable.Repeat(SampleSource.Adversarial, picks.Length).ToArray(),
            picks.Select(i => real.OriginalIndices[i]).ToArray()));
    }

    /// <summary>The float attack of one batch (pixels in [0, 1]) with the given per-sample budgets.</summary>
    private Tensor Perturb(AttackTarget target, Tensor x, Tensor y, double[] eps)
    {
        using var scope = torch.NewDisposeScope();
        var e = torch.from_array<float>(eps.Select(v => (float)v).ToArray(), [eps.Length], x.device);
        // RobustLT scales the step with the budget; a fixed budget keeps torchattacks' step.
        var steps = _options.EpsPerClass == "robustlt" && _options.Eps > 0
            ? eps.Select(v => (float)(_options.Alpha * v / _options.Eps)).ToArray()
            : eps.Select(_ => (float)_options.Alpha).ToArray();
        var a = torch.from_array<float>(steps, [steps.Length], x.device);
        return AttackMethods.Run(Name, new AttackCall(target.Logits, x, y, e, a, _options.Steps, _norm, _options.RandomStart)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Which real samples (positions) are copied: for each class below target, target − n draws with replacement from
    /// the class, from a per-class stream of the run's seed (so the same every epoch).
    /// </summary>
    internal static long[] Parents(RealTrainingData real, long[] targets, long seed)
    {
        var picks = new List<long>();
        for (var c = 0; c < real.Classes; c++)
        {
            var members = real.IndicesOf(c);
            var need = targets[c] - members.Length;
            var rng = new SeededRandom(seed, 7100 + c);
            for (var i = 0; i < need && members.Length > 0; i++)
            {
                picks.Add(members[rng.NextInt64(members.Length)]);
            }
        }

        return [.. picks];
    }

    private static void Validate(AdversarialOptions o, string name)
    {
        if (!(o.Eps >= 0) || double.IsInfinity(o.Eps))
        {
            throw new ArgumentException($"augment.adversarial.eps must be a finite number >= 0, not {o.Eps}");
        }

        if (name == "pgd" && (!(o.Alpha > 0) || double.IsInfinity(o.Alpha)))
        {
            throw new ArgumentException($"augment.adversarial.alpha must be a finite number > 0, not {o.Alpha}");
        }

        if (name == "pgd" && o.Steps < 1)
        {
            throw new ArgumentException($"augment.adversarial.steps must be at least 1, not {o.Steps}");
        }

        if (o.Regenerate is not ("epoch" or "once"))
        {
            throw new ArgumentException($"augment.adversarial.regenerate must be epoch or once, not '{o.Regenerate}'");
        }

        if (o.EpsPerClass is not ("fixed" or "robustlt"))
        {
            throw new ArgumentException($"augment.adversarial.eps_per_class must be fixed or robustlt, not '{o.EpsPerClass}'");
        }
    }
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

    public static readonly OptionSection<AdversarialOptions> Section = new("adversarial",
        (y, d) =>
        {
            y.Allow("eps", "alpha", "steps", "norm", "random_start", "regenerate", "eps_per_class");
            return new()
            {
                Eps = ConfigValues.Num(y, "eps", d.Eps, 0, double.MaxValue), Alpha = ConfigValues.Num(y, "alpha", d.Alpha, 0, double.MaxValue),
                Steps = ConfigValues.Int32(y, "steps", d.Steps, 1, 10_000), Norm = ConfigValues.Choice(y, "norm", d.Norm, ["linf", "l2"]),
                RandomStart = y.GetBool("random_start") ?? d.RandomStart,
                Regenerate = ConfigValues.Choice(y, "regenerate", d.Regenerate, ["epoch", "once"]),
                EpsPerClass = ConfigValues.Choice(y, "eps_per_class", d.EpsPerClass, ["fixed", "robustlt"]),
            };
        },
        o => [S("eps", Num(o.Eps)), S("alpha", Num(o.Alpha)), S("steps", Num(o.Steps)), S("norm", Str(o.Norm)), S("random_start", Bool(o.RandomStart)),
            S("regenerate", Str(o.Regenerate)), S("eps_per_class", Str(o.EpsPerClass))]);
}
