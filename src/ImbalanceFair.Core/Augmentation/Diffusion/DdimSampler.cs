using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation.Diffusion;

/// <summary>
/// Deterministic DDIM sampling (Song et al. 2021, η = 0) with classifier-free guidance (Ho &amp; Salimans 2022). Time
/// steps are "trailing": t_i = T − 1 − i·⌊T/S⌋ for i = 0 … S−1, each stepping to t − ⌊T/S⌋, and the last to ᾱ = 1 (the
/// clean image); starting at T − 1 rather than at (S−1)·⌊T/S⌋ matters with few steps, where the "leading" spacing
/// starts from pure noise at a step that still expects some signal (Lin et al. 2024, "Common Diffusion Noise Schedules
/// and Sample Steps are Flawed"). Each step: the guided output o = o_∅ + w(o_y − o_∅) (both branches in one
/// batch), the clean-image estimate x̂_0 from it (ε: (x_t − √(1−ᾱ_t) ε)/√ᾱ_t; v: √ᾱ_t x_t − √(1−ᾱ_t) v) clipped to
/// [−1, 1], the noise re-derived from the clipped estimate, ε̂ = (x_t − √ᾱ_t x̂_0)/√(1−ᾱ_t), as guided-diffusion's
/// DDIM does (so that a clipped estimate and the noise stay consistent), and x_prev = √ᾱ_prev x̂_0 + √(1−ᾱ_prev) ε̂.
/// With w = 1 only the conditional branch runs.
/// </summary>
public sealed class DdimSampler
{
    private readonly NoiseSchedule _schedule;

    public DdimSampler(NoiseSchedule schedule, int steps, double guidance, string prediction = "eps")
    {
        if (!GeneratorOptions.PredictionValues.Contains(prediction))
        {
            throw new ArgumentException($"prediction must be eps or v, not '{prediction}'", nameof(prediction));
        }

        Prediction = prediction;
        ArgumentNullException.ThrowIfNull(schedule);
        if (steps < 1 || steps > schedule.Steps)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"sampler steps must be between 1 and the schedule's {schedule.Steps}");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(guidance, 0);
        _schedule = schedule;
        Guidance = guidance;
        var stride = schedule.Steps / steps;
        TimeSteps = Enumerable.Range(0, steps).Select(i => schedule.Steps - 1 - (i * stride)).ToArray();
        Stride = stride;
    }

    public double Guidance { get; }

    /// <summary>What the network predicts: eps (the noise) or v (√ᾱ ε − √(1−ᾱ) x_0, Salimans &amp; Ho 2022).</summary>
    public string Prediction { get; }

    /// <summary>The time steps visited, from noisiest to cleanest.</summary>
    public int[] TimeSteps { get; }

    public int Stride { get; }

    /// <summary>Network evaluations per image and step: 2 with guidance (w ≠ 1), else 1.</summary>
    public int EvaluationsPerStep => Guidance == 1 ? 1 : 2;

    public double AlphaBarPrev(int t) => t - Stride >= 0 ? _schedule.AlphasCumprod[t - Stride] : 1.0;

    /// <summary>x_prev from x_t and the guided network output (formulas in the class summary).</summary>
    public Tensor Step(Tensor xt, Tensor output, int t)
    {
        ArgumentNullException.ThrowIfNull(xt);
        ArgumentNullException.ThrowIfNull(output);
        using var scope = torch.NewDisposeScope();
        double a = _schedule.AlphasCumprod[t], aPrev = AlphaBarPrev(t);
        double sa = Math.Sqrt(a), s1 = Math.Sqrt(1 - a);
        var x0 = (Prediction == "v" ? (xt * sa) - (output * s1) : (xt - (output * s1)) / sa).clamp(-1, 1);
        var eps = (xt - (x0 * sa)) / s1;
        return ((x0 * Math.Sqrt(aPrev)) + (eps * Math.Sqrt(1 - aPrev))).MoveToOuterDisposeScope();
    }

    /// <summary>The guided network output (ε or v) for x at step t, classes y.</summary>
    public Tensor Guided(Denoiser model, Tensor x, int t, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        using var scope = torch.NewDisposeScope();
        var n = x.size(0);
        if (EvaluationsPerStep == 1)
        {
            return model.forward(x, torch.full([n], t, device: x.device), y).MoveToOuterDisposeScope();
        }

        var both = model.forward(torch.cat([x, x], 0), torch.full([2 * n], t, device: x.device), torch.cat([y, torch.full_like(y, model.NullClass)], 0));
        var conditional = both.narrow(0, 0, n);
        var unconditional = both.narrow(0, n, n);
        return (unconditional + ((conditional - unconditional) * Guidance)).MoveToOuterDisposeScope();
    }

    /// <summary>Images in [−1, 1] from the starting noise <paramref name="noise"/> [B, C, H, W] for classes <paramref name="y"/>.</summary>
    public Tensor Sample(Denoiser model, Tensor noise, Tensor y, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(noise);
        using var noGrad = torch.no_grad();
        var x = noise.alias();
        foreach (var t in TimeSteps)
        {
            cancel.ThrowIfCancellationRequested();
            using var output = Guided(model, x, t, y);
            var next = Step(x, output, t);
            x.Dispose();
            x = next;
        }

        return x;
    }
}
