using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Training.Losses;

/// <summary>
/// A classification training loss. Built by <see cref="Losses.Create"/> from the training set's class counts;
/// holds small per-device constant tensors (priors, weights), hence <see cref="IDisposable"/>.
/// </summary>
public interface ILoss : IDisposable
{
    /// <summary>The registry name (<c>train.loss</c>).</summary>
    string Name { get; }

    /// <summary>
    /// The scalar mean loss of <paramref name="logits"/> [B, C] (floating point; float16/bfloat16 are computed in
    /// float32) against <paramref name="targets"/> [B] (int64 class indices), differentiable with respect to the
    /// logits. The result follows the caller's <see cref="DisposeScope"/>; intermediates are freed.
    /// </summary>
    Tensor Compute(Tensor logits, Tensor targets);
}
