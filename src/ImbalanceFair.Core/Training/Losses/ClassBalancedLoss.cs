using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Training.Losses;

/// <summary>
/// <c>class-balanced</c> (Cui et al., CVPR 2019), softmax form: (1/B) Σ_i w_{y_i} · CE_i with
/// w_c = (1−β)/(1−β^n_c) normalised to Σ_c w_c = C (<see cref="ClassPriors.ClassBalancedWeights"/>).
/// <para>
/// Normalisation: the sum is divided by the batch size B, not by Σ_i w_{y_i}. This follows the authors' reference
/// code (richardaecn/class-balanced-loss, <c>cifar_main.py</c>): <c>tf.losses.softmax_cross_entropy(...,
/// weights=w_{y_i})</c> whose default reduction, SUM_BY_NONZERO_WEIGHTS, divides by the number of samples with a
/// non-zero weight, i.e. B, since every weight is positive. PyTorch's <c>cross_entropy(weight=w)</c> would instead
/// divide by Σ_i w_{y_i}, which cancels the weights' overall scale per batch.
/// </para>
/// </summary>
public sealed class ClassBalancedLoss : LossBase
{
    private readonly PerDeviceConstant _weights;

    public ClassBalancedLoss(double beta, long[] classCounts)
        : base("class-balanced", classCounts)
    {
        Beta = beta;
        _weights = new PerDeviceConstant(ClassPriors.ClassBalancedWeights(ClassCounts, beta));
    }

    public double Beta { get; }

    /// <summary>The normalised class weights w_c (Σ w_c = C).</summary>
    public IReadOnlyList<double> Weights => _weights.Values;

    protected override Tensor ComputeCore(Tensor logits, Tensor targets)
    {
        var perSample = nn.functional.cross_entropy(logits, targets, reduction: Reduction.None);
        var w = _weights.For(logits).index_select(0, targets);
        return (perSample * w).mean();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _weights.Dispose();
        }
    }
}
