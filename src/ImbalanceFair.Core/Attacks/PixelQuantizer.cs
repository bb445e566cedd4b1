using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Attacks;

/// <summary>
/// Back to uint8 without leaving the budget. Rounding x'·255 to the nearest level can push a pixel that sits on the
/// ε-ball's surface out of it (by up to half a level), so the rounding is corrected in the integer domain, where the
/// constraint is exact: with d = 255·x' − s (s the source pixel in 0..255),
/// <list type="bullet">
/// <item>L∞: q = s + clip(round(d), −m, m), m = ⌊255·ε⌋ (the largest whole number of levels inside the ball);</item>
/// <item>L2: q = s + round(d) when ‖round(d)‖₂ ≤ 255·ε, else s + trunc(d·min(1, 255·ε/‖d‖₂)) (rounding every coordinate
/// towards the source cannot lengthen δ).</item>
/// </list>
/// Pixels stay in 0..255 because s + d does. So ‖q/255 − s/255‖ ≤ ε holds for the stored images, not only for the
/// float ones the attack produced.
/// </summary>
public static class PixelQuantizer
{
    /// <param name="adversarial">Float pixels in [0, 1], [B, C, H, W].</param>
    /// <param name="source">The uint8 images they were made from, same shape and device.</param>
    /// <param name="eps">The budget of each sample (host values, in [0, 1] pixel units).</param>
    public static Tensor ToUInt8WithinBall(Tensor adversarial, Tensor source, double[] eps, AttackNorm norm)
    {
        ArgumentNullException.ThrowIfNull(adversarial);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(eps);
        var b = adversarial.size(0);
        if (eps.Length != b || source.size(0) != b)
        {
            throw new ArgumentException("one budget and one source image per adversarial image");
        }

        using var scope = torch.NewDisposeScope();
        var s = source.to(ScalarType.Float32);
        var d = (adversarial.to(ScalarType.Float32) * 255) - s;
        var rounded = d.round();
        Tensor delta;
        if (norm == AttackNorm.Linf)
        {
            // ⌊255ε⌋ on the host in double; the tolerance absorbs 255·(8/255) = 7.999... in floating point.
            var levels = eps.Select(e => (float)Math.Floor((255 * e) + 1e-6)).ToArray();
            var m = torch.from_array<float>(levels, [b, 1, 1, 1], adversarial.device);
            delta = rounded.maximum(-m).minimum(m);
        }
        else
        {
            var radius = torch.from_array<float>(eps.Select(e => (float)(255 * e)).ToArray(), [b], adversarial.device);
            var roundedNorm = rounded.flatten(1).norm(2, [1]);
            var dNorm = d.flatten(1).norm(2, [1]);
            var shrink = (radius / dNorm.clamp_min(1e-12)).clamp_max(1).view(b, 1, 1, 1);
            var truncated = (d * shrink).trunc();
            var fits = roundedNorm.le(radius).view(b, 1, 1, 1);
            delta = torch.where(fits, rounded, truncated);
        }

        return (s + delta).clamp(0, 255).to(ScalarType.UInt8).MoveToOuterDisposeScope();
    }
}
