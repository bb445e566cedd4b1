namespace ImbalanceFair.Core.Attacks;

/// <summary>
/// RobustLT's class-wise perturbation budgets (CPB; Zhang et al., "Taming the Long Tail: Rebalancing Adversarial
/// Training via Adaptive Perturbation", 2026, github.com/zhang-lilin/RobustLT, core/methods/robustlt.py):
/// ε_c = (1 − α)·ε + τ·sqrt(log(n_max / n_c))·ε with τ = α / Σ_c (n_c / N)·sqrt(log(n_max / n_c)), so that the
/// frequency-weighted mean Σ_c (n_c / N)·ε_c is ε: the head class gets (1 − α)·ε, rarer classes more. The step size
/// scales with the budget (α_step,c = α_step·ε_c / ε), as in the reference code.
/// </summary>
public static class RobustLtBudgets
{
    /// <summary>
    /// The mixing constant α. The reference code's released configs use 0.3 (CIFAR-10-LT, ρ = 50) and 0.4
    /// (CIFAR-100-LT and Tiny-ImageNet-LT, ρ = 10); we take the 10-class setting's 0.3.
    /// </summary>
    public const double DefaultAlpha = 0.3;

    /// <summary>ε_c for the real per-class counts. Classes without samples get ε (they have nothing to perturb).</summary>
    /// <remarks>
    /// When every non-empty class has n_max samples the sum is 0 and τ undefined; the data is balanced and every class
    /// gets ε, which keeps the mean at ε.
    /// </remarks>
    public static double[] For(long[] counts, double eps, double alpha = DefaultAlpha)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (alpha is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "RobustLT's alpha lies in [0, 1]");
        }

        var n = (double)counts.Sum();
        var nMax = (double)counts.DefaultIfEmpty(0).Max();
        var spread = counts.Select(c => c > 0 ? Math.Sqrt(Math.Log(nMax / c)) : 0.0).ToArray();
        var weighted = counts.Select((c, i) => c / n * spread[i]).Sum();
        if (n == 0 || weighted <= 0)
        {
            return counts.Select(_ => eps).ToArray();
        }

        var tau = alpha / weighted;
        return counts.Select((c, i) => c > 0 ? ((1 - alpha) * eps) + (tau * spread[i] * eps) : eps).ToArray();
    }
}
