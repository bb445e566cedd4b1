using ImbalanceFair.Torch.Interop;

namespace ImbalanceFair.Torch;

public static partial class nn
{
    /// <summary>torch.nn.utils.</summary>
    public static partial class utils
    {
        /// <summary>
        /// Scales the gradients of <paramref name="parameters"/> in place so that their global L2 norm is at most
        /// <paramref name="max_norm"/> (coefficient min(1, max_norm / (norm + 1e-6)), as PyTorch), and returns the
        /// norm before clipping. Parameters without a gradient are ignored; with none at all the norm is 0.
        /// </summary>
        public static unsafe double clip_grad_norm_(IEnumerable<Tensor> parameters, double max_norm)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            if (!(max_norm >= 0))
            {
                throw new ArgumentOutOfRangeException(nameof(max_norm), max_norm, "max_norm must be >= 0");
            }

            Tensor norm;
            using (var handles = new HeldHandles(parameters.ToArray()))
            {
                fixed (nint* hs = handles.Values)
                {
                    norm = new Tensor(Native.imbf_clip_grad_norm_(hs, handles.Count, max_norm));
                }
            }

            using var owned = norm.DetachFromDisposeScope();
            return owned.item();
        }
    }
}
