using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Training.Losses;

/// <summary><c>ce</c>: standard softmax cross-entropy, mean over the batch.</summary>
public sealed class CrossEntropyLoss(long[] classCounts) : LossBase("ce", classCounts)
{
    protected override Tensor ComputeCore(Tensor logits, Tensor targets) =>
        nn.functional.cross_entropy(logits, targets);
}
