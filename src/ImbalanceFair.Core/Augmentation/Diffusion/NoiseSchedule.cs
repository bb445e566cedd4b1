namespace ImbalanceFair.Core.Augmentation.Diffusion;

/// <summary>
/// The forward process q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I) over T steps with the cosine schedule of Nichol &amp;
/// Dhariwal (2021, "Improved DDPM", eq. 17): ᾱ(t) = f(t)/f(0), f(t) = cos²(((t/T) + s)/(1 + s) · π/2), s = 0.008,
/// β_t = min(1 − ᾱ(t+1)/ᾱ(t), 0.999), and ᾱ_t = Π_{i ≤ t}(1 − β_i) recomputed from the clipped betas (index t = 0 …
/// T−1 as in diffusers). Cosine rather than DDPM's linear betas because at the small resolutions imbfair generates (16
/// to 32 pixels) the linear schedule drowns the image in noise long before the last step, so the final quarter of
/// the steps teaches nothing (Nichol &amp; Dhariwal §3.2); linear is kept for comparison. Values in double precision.
/// </summary>
public sealed class NoiseSchedule
{
    public const double CosineOffset = 0.008;
    public const double MaxBeta = 0.999;

    private NoiseSchedule(string kind, double[] betas)
    {
        Kind = kind;
        Betas = betas;
        AlphasCumprod = new double[betas.Length];
        var product = 1.0;
        for (var t = 0; t < betas.Length; t++)
        {
            product *= 1 - betas[t];
            AlphasCumprod[t] = product;
        }
    }

    public string Kind { get; }

    public int Steps => Betas.Length;

    public double[] Betas { get; }

    /// <summary>ᾱ_t, t = 0 … T−1.</summary>
    public double[] AlphasCumprod { get; }

    public static readonly IReadOnlyList<string> Kinds = ["cosine", "linear"];

    public static NoiseSchedule Create(string kind, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        return kind switch
        {
            "cosine" => Cosine(steps),
            "linear" => Linear(steps),
            _ => throw new ArgumentException($"noise schedule must be {string.Join(" or ", Kinds)}, not '{kind}'", nameof(kind)),
        };
    }

    public static NoiseSchedule Cosine(int steps)
    {
        static double F(double t, int n) => Math.Pow(Math.Cos((t / n + CosineOffset) / (1 + CosineOffset) * Math.PI / 2), 2);
        var betas = new double[steps];
        for (var t = 0; t < steps; t++)
        {
            betas[t] = Math.Min(1 - F(t + 1, steps) / F(t, steps), MaxBeta);
        }

        return new NoiseSchedule("cosine", betas);
    }

    /// <summary>DDPM's β from 1e-4 to 0.02 scaled to T steps (β·1000/T, as in Improved DDPM), evenly spaced.</summary>
    public static NoiseSchedule Linear(int steps)
    {
        var scale = 1000.0 / steps;
        double first = scale * 1e-4, last = scale * 0.02;
        return new NoiseSchedule("linear", Enumerable.Range(0, steps).Select(t => first + ((last - first) * t / (steps - 1))).ToArray());
    }
}
