using ImbalanceFair.Core.Attacks;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Torch;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Metrics;

/// <summary>
/// <c>eval.attack</c> (DESIGN §5), e.g. <c>{name: pgd, eps: 8/255, steps: 20}</c>. Defaults follow torchattacks: L∞,
/// ε = 8/255, step α = ε/4 (2/255 at the default ε), 10 steps, random start. <c>fgsm</c> ignores steps, alpha and
/// random_start.
/// </summary>
public sealed record EvalAttackOptions
{
    /// <summary>fgsm | pgd.</summary>
    public string Name { get; init; } = "pgd";

    public double Eps { get; init; } = 8.0 / 255;

    /// <summary>The step size; null means ε/4.</summary>
    public double? Alpha { get; init; }

    public int Steps { get; init; } = 10;

    /// <summary>linf | l2.</summary>
    public string Norm { get; init; } = "linf";

    public bool RandomStart { get; init; } = true;

    public double StepSize => Alpha ?? Eps / 4;

    public static EvalAttackOptions? Read(YamlObject? a)
    {
        if (a is null)
        {
            return null;
        }

        a.Allow("name", "eps", "alpha", "steps", "norm", "random_start");
        var d = new EvalAttackOptions();
        return new EvalAttackOptions
        {
            Name = ConfigValues.Choice(a, "name", d.Name, AttackMethods.Names),
            Eps = ConfigValues.Num(a, "eps", d.Eps, 0, double.MaxValue),
            Alpha = a.Has("alpha") ? ConfigValues.Num(a, "alpha", 0, 0, double.MaxValue, minExclusive: true) : null,
            Steps = ConfigValues.Int32(a, "steps", d.Steps, 1, 10_000),
            Norm = ConfigValues.Choice(a, "norm", d.Norm, ["linf", "l2"]),
            RandomStart = a.GetBool("random_start") ?? d.RandomStart,
        };
    }

    /// <summary>The <c>attack</c> mapping; a single-step attack reads neither step size, steps nor random start.</summary>
    public ConfigNode Write()
    {
        var multi = AttackMethods.IsMultiStep(Name);
        return M("attack", S("name", Str(Name)), S("eps", Num(Eps)), S("alpha", OrNull(Alpha)).When(multi), S("steps", Num(Steps)).When(multi),
            S("norm", Str(Norm)), S("random_start", Bool(RandomStart)).When(multi));
    }

    public void Validate()
    {
        if (!AttackMethods.Names.Contains(Name))
        {
            throw new ArgumentException($"eval.attack.name must be one of {string.Join(", ", AttackMethods.Names)}, not '{Name}'");
        }

        if (!(Eps >= 0) || double.IsInfinity(Eps))
        {
            throw new ArgumentException($"eval.attack.eps must be a finite number >= 0, not {Eps}");
        }

        if (Alpha is { } a && (!(a >= 0) || double.IsInfinity(a)))
        {
            throw new ArgumentException($"eval.attack.alpha must be a finite number >= 0, not {a}");
        }

        if (AttackMethods.IsMultiStep(Name) && Steps < 1)
        {
            throw new ArgumentException($"eval.attack.steps must be at least 1, not {Steps}");
        }

        AttackNorms.Parse(Norm, "eval.attack.norm");
    }
}

/// <summary>Per test sample, clean and under attack, and the accuracies they give (overall and per class).</summary>
public sealed record RobustAccuracyResult(long[] Labels, long[] CleanPredicted, long[] AdversarialPredicted, bool[] RobustCorrect, double Overall, double[] PerClass)
{
    public int Count => Labels.Length;

    /// <summary>Clean accuracy of the same pass, for comparison.</summary>
    public double CleanOverall => Labels.Length == 0 ? double.NaN : Labels.Where((y, i) => CleanPredicted[i] == y).Count() / (double)Labels.Length;

    /// <summary>min over classes with test samples of the per-class robust accuracy (summary.csv's worst_class_robust_accuracy).</summary>
    public double WorstClass => PerClass.Where(a => !double.IsNaN(a)).DefaultIfEmpty(double.NaN).Min();
}

/// <summary>
/// robust_accuracy (DESIGN §7): the accuracy on the test set under the configured attack, overall and per class. A
/// sample counts as robustly correct when the model classifies it correctly both clean and after the attack (the
/// convention of AutoAttack and RobustBench), so robust accuracy never exceeds clean accuracy, and equals it at ε = 0.
/// The attack runs untargeted on the true labels, in eval mode, on the device, in batches; the adversarial images are
/// the attack's float output (not re-quantised).
/// </summary>
public static class RobustAccuracy
{
    /// <param name="images">uint8 [N, C, H, W] on the classifier's device.</param>
    /// <param name="labels">int64 [N].</param>
    public static RobustAccuracyResult Evaluate(ClipClassifier classifier, Tensor images, Tensor labels, EvalAttackOptions attack, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(attack);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        attack.Validate();
        var norm = AttackNorms.Parse(attack.Norm, "eval.attack.norm");
        var n = (int)images.size(0);
        var clean = new long[n];
        var adversarial = new long[n];
        using var target = new AttackTarget(classifier);
        for (var start = 0; start < n; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var len = Math.Min(batchSize, n - start);
            var x = images.narrow(0, start, len).to(ScalarType.Float32, classifier.Device) / 255.0;
            var y = labels.narrow(0, start, len).to(classifier.Device);
            var eps = torch.full([len], attack.Eps, device: classifier.Device);
            var adv = AttackMethods.Run(attack.Name,
                new AttackCall(target.Logits, x, y, eps, torch.full([len], attack.StepSize, device: classifier.Device), attack.Steps, norm, attack.RandomStart));
            using var noGrad = torch.no_grad();
            target.Logits(x).argmax(-1).to(Device.CPU).CopyTo<long>(clean.AsSpan(start, len));
            target.Logits(adv).argmax(-1).to(Device.CPU).CopyTo<long>(adversarial.AsSpan(start, len));
        }

        var truth = labels.to(Device.CPU).ToArray<long>();
        var robust = truth.Select((y, i) => clean[i] == y && adversarial[i] == y).ToArray();
        var classes = classifier.Classes;
        var total = new long[classes];
        var correct = new long[classes];
        for (var i = 0; i < n; i++)
        {
            total[truth[i]]++;
            correct[truth[i]] += robust[i] ? 1 : 0;
        }

        var perClass = total.Select((t, c) => t == 0 ? double.NaN : (double)correct[c] / t).ToArray();
        var overall = n == 0 ? double.NaN : robust.Count(r => r) / (double)n;
        return new RobustAccuracyResult(truth, clean, adversarial, robust, overall, perClass);
    }
}
