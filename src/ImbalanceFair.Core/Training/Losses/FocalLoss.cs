using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Training.Losses;

/// <summary>
/// <c>focal</c> (Lin et al., ICCV 2017), softmax form without α: mean over the batch of −(1−p_t)^γ · log p_t.
/// log p_t comes from log_softmax and 1 − p_t from −expm1(log p_t), so neither underflows nor cancels when
/// p_t is close to 0 or 1. γ = 0 is cross-entropy. (Lin et al.'s α-balancing is left out: class re-weighting is
/// the job of <c>class-balanced</c>.)
/// </summary>
public sealed class FocalLoss : LossBase
{
    public FocalLoss(double gamma, long[] classCounts)
        : base("focal", classCounts)
    {
        if (!(gamma >= 0 && double.IsFinite(gamma)))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "focal: γ must be finite and ≥ 0");
        }

        Gamma = gamma;
    }

    public double Gamma { get; }

    protected override Tensor ComputeCore(Tensor logits, Tensor targets)
    {
        var logPt = nn.functional.log_softmax(logits, 1).gather(1, targets.unsqueeze(1)).squeeze(1);
        if (Gamma == 0)
        {
            return (-logPt).mean();
        }

        var oneMinusPt = -logPt.expm1();
        if (Gamma < 1)
        {
            // d(x^γ)/dx = γ·x^(γ−1) is infinite at x = 0 (p_t rounded to 1) for γ < 1, and 0·∞ = NaN in backward;
            // the true gradient there is 0, which the clamp gives. The value changes by less than 1e-38^γ·1e-38.
            oneMinusPt = oneMinusPt.clamp_min(1e-38);
        }

        return (-(oneMinusPt.pow(Gamma) * logPt)).mean();
    }
}
