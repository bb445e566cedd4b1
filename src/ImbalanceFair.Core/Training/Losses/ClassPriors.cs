namespace ImbalanceFair.Core.Training.Losses;

/// <summary>The per-class constants of the losses, from the training counts, in double precision.</summary>
public static class ClassPriors
{
    /// <summary>
    /// log π_c with π_c = n'_c / Σ n', where n'_c = max(n_c, 1): a class absent from the training set gets the
    /// prior of a class with one sample instead of log 0 = −∞, which would pin its adjusted logit at −∞ (and make
    /// the loss infinite should that class ever be a target).
    /// </summary>
    public static double[] LogPriors(IReadOnlyList<long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var clamped = counts.Select(n => (double)Math.Max(n, 1)).ToArray();
        var logTotal = Math.Log(clamped.Sum());
        return clamped.Select(n => Math.Log(n) - logTotal).ToArray();
    }

    /// <summary>
    /// The class-balanced weights of Cui et al. (CVPR 2019): w_c = (1−β)/(1−β^n_c), the inverse of the effective
    /// number of samples, normalised so that Σ_c w_c = C (as the authors' code does). n_c = 0 is treated as
    /// n_c = 1 (its weight would be (1−β)/0). β = 0 gives w_c = 1; β = 1 is the limit w_c ∝ 1/n_c.
    /// </summary>
    public static double[] ClassBalancedWeights(IReadOnlyList<long> counts, double beta)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (!(beta >= 0 && beta <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "class-balanced β must be in [0, 1]");
        }

        var raw = counts.Select(n =>
        {
            double nc = Math.Max(n, 1);
            if (beta == 1)
            {
                return 1 / nc;
            }

            // 1 − β^n as −expm1(n·log β): no cancellation when β^n is close to 1 (β = 0.9999, small n).
            // β = 0: log β = −∞, expm1(−∞) = −1, so the weight is 1.
            var oneMinusBetaN = -double.ExpM1(nc * Math.Log(beta));
            return (1 - beta) / oneMinusBetaN;
        }).ToArray();
        var scale = raw.Length / raw.Sum();
        return raw.Select(w => w * scale).ToArray();
    }
}
