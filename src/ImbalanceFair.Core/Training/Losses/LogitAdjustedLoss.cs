using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Training.Losses;

/// <summary>
/// Cross-entropy of prior-shifted logits, CE(z + τ·log π), mean over the batch, with π_c the training class prior
/// (<see cref="ClassPriors.LogPriors"/>: zero counts count as one).
/// <list type="bullet">
/// <item><c>balanced-softmax</c> (Ren et al., NeurIPS 2020): τ = 1, i.e. −log(π_y e^{z_y} / Σ_j π_j e^{z_j}).</item>
/// <item><c>logit-adjustment</c> (Menon et al., ICLR 2021, the logit-adjusted loss): τ from <see cref="LossOptions.Tau"/>.</item>
/// </list>
/// The shift is for training only; predictions use the raw logits.
/// </summary>
public sealed class LogitAdjustedLoss : LossBase
{
    private readonly PerDeviceConstant _shift;

    public LogitAdjustedLoss(string name, double tau, long[] classCounts)
        : base(name, classCounts)
    {
        if (!double.IsFinite(tau))
        {
            throw new ArgumentOutOfRangeException(nameof(tau), tau, $"{name}: τ must be finite");
        }

        Tau = tau;
        _shift = new PerDeviceConstant(ClassPriors.LogPriors(ClassCounts).Select(l => tau * l).ToArray());
    }

    public double Tau { get; }

    /// <summary>τ·log π_c per class.</summary>
    public IReadOnlyList<double> Shift => _shift.Values;

    protected override Tensor ComputeCore(Tensor logits, Tensor targets) =>
        nn.functional.cross_entropy(logits + _shift.For(logits), targets);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _shift.Dispose();
        }
    }
}
