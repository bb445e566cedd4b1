using ImbalanceFair.Torch.Interop;

namespace ImbalanceFair.Torch;

public static partial class torch
{
    private static unsafe Tensor Many(Tensor[] xs, long dim, bool stack)
    {
        using var hs = new HeldHandles(xs);
        fixed (nint* p = hs.Values)
        {
            return new Tensor(stack ? Native.imbf_stack(p, hs.Count, dim) : Native.imbf_cat(p, hs.Count, dim));
        }
    }

    public static Tensor cat(Tensor[] tensors, long dim = 0) => Many(tensors, dim, stack: false);

    public static Tensor stack(Tensor[] tensors, long dim = 0) => Many(tensors, dim, stack: true);

    public static Tensor where(Tensor condition, Tensor a, Tensor b) => new(Native.imbf_where(condition.Handle, a.Handle, b.Handle));

    public static Tensor matmul(Tensor a, Tensor b) => new(Native.imbf_matmul(a.Handle, b.Handle));

    public static Tensor mm(Tensor a, Tensor b) => new(Native.imbf_mm(a.Handle, b.Handle));

    public static Tensor bmm(Tensor a, Tensor b) => new(Native.imbf_bmm(a.Handle, b.Handle));

    public static unsafe Tensor einsum(string equation, params Tensor[] operands)
    {
        using var hs = new HeldHandles(operands);
        fixed (nint* p = hs.Values)
        {
            return new Tensor(Native.imbf_einsum(equation, p, hs.Count));
        }
    }

    /// <summary>Pairwise p-norm distances between the rows of <paramref name="a"/> [.., P, M] and <paramref name="b"/> [.., R, M].</summary>
    public static Tensor cdist(Tensor a, Tensor b, double p = 2) => new(Native.imbf_cdist(a.Handle, b.Handle, p));

    public static Tensor bincount(Tensor x, Tensor? weights = null, long minlength = 0) =>
        new(Native.imbf_bincount(x.Handle, weights?.Handle ?? TensorHandle.Null, minlength));

    public static Tensor unique(Tensor x, bool sorted = true) => new(Native.imbf_unique(x.Handle, sorted ? (byte)1 : (byte)0));

    public static Tensor lerp(Tensor start, Tensor end, double weight) => start.lerp(end, weight);

    public static Tensor exp(Tensor x) => x.exp();

    public static Tensor log(Tensor x) => x.log();

    public static Tensor sqrt(Tensor x) => x.sqrt();

    public static Tensor abs(Tensor x) => x.abs();

    public static Tensor sign(Tensor x) => x.sign();

    public static Tensor tanh(Tensor x) => x.tanh();

    public static Tensor sigmoid(Tensor x) => x.sigmoid();

    public static Tensor clamp(Tensor x, double? min = null, double? max = null) => x.clamp(min, max);

    public static Tensor maximum(Tensor a, Tensor b) => a.maximum(b);

    public static Tensor minimum(Tensor a, Tensor b) => a.minimum(b);

    public static bool allclose(Tensor a, Tensor b, double rtol = 1e-5, double atol = 1e-8) => a.allclose(b, rtol, atol);
}
