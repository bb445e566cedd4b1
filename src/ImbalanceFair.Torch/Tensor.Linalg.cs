using ImbalanceFair.Torch.Interop;

namespace ImbalanceFair.Torch;

public sealed partial class Tensor
{
    /// <summary>x @ other with NumPy broadcasting (vector, matrix and batched operands), as torch.matmul.</summary>
    public Tensor matmul(Tensor other) => new(Native.imbf_matmul(Handle, other.Handle));

    public Tensor mm(Tensor other) => new(Native.imbf_mm(Handle, other.Handle));

    public Tensor bmm(Tensor other) => new(Native.imbf_bmm(Handle, other.Handle));
}
