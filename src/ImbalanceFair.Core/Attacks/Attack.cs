using ImbalanceFair.Torch;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Core.Attacks;

/// <summary>The geometry of a perturbation budget.</summary>
public enum AttackNorm
{
    /// <summary>‖δ‖∞ ≤ ε: signed-gradient steps, coordinate-wise clipping (torchattacks' FGSM / PGD).</summary>
    Linf,

    /// <summary>‖δ‖₂ ≤ ε per sample: normalised-gradient steps, projection onto the L2 ball (torchattacks' PGDL2).</summary>
    L2,
}

/// <summary>Parsing of the <c>norm</c> config value.</summary>
public static class AttackNorms
{
    public static AttackNorm Parse(string value, string key) => value switch
    {
        "linf" => AttackNorm.Linf,
        "l2" => AttackNorm.L2,
        _ => throw new ArgumentException($"{key} must be linf or l2, not '{value}'"),
    };
}

/// <summary>
/// Gradient attacks on a batch of images in [0, 1], following torchattacks (Kim, 2020) step for step: FGSM, PGD (L∞) and
/// PGDL2, untargeted (ascend the mean cross-entropy of the given labels) or targeted (descend it), with a budget ε and a
/// step α per sample (tensors [B], so that class-dependent budgets work), pixels clamped to [0, 1] after every step.
/// The model is any differentiable function from pixels to logits; gradients are taken with respect to the input only
/// (<see cref="AttackTarget"/> freezes a classifier's parameters and puts it in eval mode). Random starts draw from
/// libtorch's global generator (torch.rand/randn), as torchattacks does. Everything stays on the images' device.
/// </summary>
public static class Attack
{
    /// <summary>torchattacks' eps_for_division: keeps the L2 step finite where the gradient vanishes.</summary>
    public const double DivisionEps = 1e-10;

    /// <summary>
    /// FGSM: x' = clamp(x + ε·sign(∇ₓ CE), 0, 1) for L∞ (torchattacks.FGSM); for L2 the one-step analogue (FGM),
    /// x' = clamp(x + ε·∇/‖∇‖₂, 0, 1), which torchattacks does not ship. Targeted: steps against the gradient of the
    /// target labels' cross-entropy. No random start.
    /// </summary>
    public static Tensor Fgsm(Func<Tensor, Tensor> logits, Tensor images, Tensor labels, Tensor eps, AttackNorm norm, bool targeted = false)
    {
        Check(logits, images, labels, eps);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var e = PerSample(eps, images);
        var g = InputGradient(logits, images, l => CrossEntropyObjective(l, labels, targeted));
        var step = norm == AttackNorm.Linf ? g.sign() : NormalisedL2(g);
        return (images + (step * e)).clamp(0, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// PGD as torchattacks.PGD (L∞) / PGDL2 (L2). L∞: start at x + U(−ε, ε) (if <paramref name="randomStart"/>) clamped to
    /// [0, 1]; then <paramref name="steps"/> times x' ← clamp(x + clip(x' + α·sign(∇) − x, −ε, ε), 0, 1). L2: start at
    /// x + r·ε·d/‖d‖ with d ~ N(0, I) and r ~ U(0, 1), clamped; then x' ← x' + α·∇/(‖∇‖₂ + 1e-10), δ ← δ·min(1, ε/‖δ‖₂),
    /// x' ← clamp(x + δ, 0, 1).
    /// </summary>
    /// <param name="eps">Budget per sample, [B] (or one value broadcast to all).</param>
    /// <param name="alpha">Step size per sample, [B] (or one value).</param>
    public static Tensor Pgd(Func<Tensor, Tensor> logits, Tensor images, Tensor labels, Tensor eps, Tensor alpha, int steps, AttackNorm norm,
        bool randomStart, bool targeted = false)
    {
        Check(logits, images, labels, eps);
        ArgumentNullException.ThrowIfNull(alpha);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var e = PerSample(eps, images);
        var a = PerSample(alpha, images);
        var adv = images.clone();
        if (randomStart)
        {
            adv = norm == AttackNorm.Linf
                ? (adv + (((torch.rand_like(adv) * 2) - 1) * e)).clamp(0, 1)
                : (adv + RandomL2Start(adv, e)).clamp(0, 1);
        }

        for (var i = 0; i < steps; i++)
        {
            using var stepScope = torch.NewDisposeScope();
            var g = InputGradient(logits, adv, l => CrossEntropyObjective(l, labels, targeted));
            Tensor next;
            if (norm == AttackNorm.Linf)
            {
                var moved = adv + (a * g.sign());
                var delta = (moved - images).maximum(-e).minimum(e);
                next = (images + delta).clamp(0, 1);
            }
            else
            {
                var moved = adv + (a * NormalisedL2(g));
                next = (images + ProjectL2(moved - images, e)).clamp(0, 1);
            }

            var previous = adv;
            adv = next.MoveToOuterDisposeScope();
            previous.Dispose();
        }

        return adv.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// M2m's translation (Kim et al., CVPR 2020; alinlab/M2m train.py, generation()): from seed images of larger classes,
    /// <paramref name="steps"/> steps x ← clamp(x − s·∇/(‖∇‖₂ + 1e-10), 0, 1) on
    /// CE(logits(x), target) + λ·mean(logit of the seed class), i.e. towards the target class and away from the seed's
    /// own class, with no budget: the seed may change as much as the steps allow. No random start.
    /// </summary>
    public static Tensor M2mTranslate(Func<Tensor, Tensor> logits, Tensor seeds, Tensor targets, Tensor seedClasses, double lambda, int steps, double stepSize)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(seedClasses);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = seeds.clone();
        var seedIndex = seedClasses.unsqueeze(1);
        for (var i = 0; i < steps; i++)
        {
            using var stepScope = torch.NewDisposeScope();
            var g = InputGradient(logits, x, l => F.cross_entropy(l, targets) + (l.gather(1, seedIndex).mean() * lambda));
            var next = (x - (NormalisedL2(g) * stepSize)).clamp(0, 1);
            var previous = x;
            x = next.MoveToOuterDisposeScope();
            previous.Dispose();
        }

        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ∇ₓ objective(logits(x)) for a detached copy of <paramref name="x"/> (grad mode on inside, whatever the caller's), so
    /// only the input's gradient is computed when the model's parameters do not require gradients.
    /// </summary>
    public static Tensor InputGradient(Func<Tensor, Tensor> logits, Tensor x, Func<Tensor, Tensor> objective)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(objective);
        using var scope = torch.NewDisposeScope();
        using var grad = torch.enable_grad();
        var input = x.detach().requires_grad_();
        var value = objective(logits(input));
        value.backward();
        var g = input.grad ?? throw new InvalidOperationException("the attack objective does not depend on the input");
        return g.MoveToOuterDisposeScope();
    }

    /// <summary>Mean cross-entropy of the labels (untargeted: to ascend) or its negation (targeted), as torchattacks' cost.</summary>
    public static Tensor CrossEntropyObjective(Tensor logits, Tensor labels, bool targeted)
    {
        var ce = F.cross_entropy(logits, labels);
        return targeted ? -ce : ce;
    }

    /// <summary>g / (‖g‖₂ + 1e-10) per sample.</summary>
    internal static Tensor NormalisedL2(Tensor g)
    {
        using var scope = torch.NewDisposeScope();
        var n = g.flatten(1).norm(2, [1]) + DivisionEps;
        return (g / Broadcast(n, g)).MoveToOuterDisposeScope();
    }

    /// <summary>δ·min(1, ε/‖δ‖₂) per sample (a zero δ stays zero, also for ε = 0).</summary>
    internal static Tensor ProjectL2(Tensor delta, Tensor e)
    {
        using var scope = torch.NewDisposeScope();
        var n = Broadcast(delta.flatten(1).norm(2, [1]), delta);
        var factor = (e / n.clamp_min(1e-12)).clamp_max(1);
        return (delta * factor).MoveToOuterDisposeScope();
    }

    /// <summary>torchattacks' PGDL2 start: a N(0, I) direction scaled to a radius r·ε, r ~ U(0, 1).</summary>
    private static Tensor RandomL2Start(Tensor like, Tensor e)
    {
        using var scope = torch.NewDisposeScope();
        var d = torch.randn_like(like);
        var n = Broadcast(d.flatten(1).norm(2, [1]), d);
        var r = torch.rand_like(n);
        return (d * (r / n) * e).MoveToOuterDisposeScope();
    }

    /// <summary>A [B] (or one-value) tensor as [B, 1, ...] float32 on the images' device.</summary>
    internal static Tensor PerSample(Tensor values, Tensor images)
    {
        var n = values.numel();
        if (n != 1 && n != images.size(0))
        {
            throw new ArgumentException($"a per-sample attack parameter has {n} values for {images.size(0)} images");
        }

        using var v = values.to(ScalarType.Float32, images.device);
        using var flat = v.reshape(n);
        return Broadcast(flat, images);
    }

    /// <summary>A [B] tensor viewed as [B, 1, ...] to broadcast against <paramref name="like"/>.</summary>
    private static Tensor Broadcast(Tensor perSample, Tensor like)
    {
        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = -1;
        return perSample.view(shape);
    }

    private static void Check(Func<Tensor, Tensor> logits, Tensor images, Tensor labels, Tensor eps)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(eps);
        if (!images.dtype.IsFloatingPoint())
        {
            throw new ArgumentException("attacks take float pixels in [0, 1]; convert uint8 images with .to(Float32) / 255 first");
        }
    }
}
