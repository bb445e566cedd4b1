using ImbalanceFair.Torch.Interop;

namespace ImbalanceFair.Torch;

public sealed partial class Tensor
{
    public unsafe Tensor sum(long[]? dims = null, bool keepdim = false, ScalarType? dtype = null)
    {
        dims ??= [];
        fixed (long* p = dims)
        {
            return new Tensor(Native.imbf_sum(Handle, p, dims.Length, keepdim ? (byte)1 : (byte)0, dtype is null ? -1 : (int)dtype.Value));
        }
    }

    public Tensor sum(long dim, bool keepdim = false) => sum([dim], keepdim);

    public unsafe Tensor mean(long[]? dims = null, bool keepdim = false)
    {
        dims ??= [];
        fixed (long* p = dims)
        {
            return new Tensor(Native.imbf_mean(Handle, p, dims.Length, keepdim ? (byte)1 : (byte)0));
        }
    }

    public Tensor mean(long dim, bool keepdim = false) => mean([dim], keepdim);

    /// <summary>Variance with Bessel's correction by default (correction = 1), as torch.var.</summary>
    public unsafe Tensor var(long[]? dims = null, long correction = 1, bool keepdim = false)
    {
        dims ??= [];
        fixed (long* p = dims)
        {
            return new Tensor(Native.imbf_var(Handle, p, dims.Length, correction, keepdim ? (byte)1 : (byte)0));
        }
    }

    public unsafe Tensor std(long[]? dims = null, long correction = 1, bool keepdim = false)
    {
        dims ??= [];
        fixed (long* p = dims)
        {
            return new Tensor(Native.imbf_std(Handle, p, dims.Length, correction, keepdim ? (byte)1 : (byte)0));
        }
    }

    public Tensor prod() => new(Native.imbf_prod(Handle));

    public Tensor max() => new(Native.imbf_max_all(Handle));

    public Tensor min() => new(Native.imbf_min_all(Handle));

    public unsafe (Tensor values, Tensor indices) max(long dim, bool keepdim = false)
    {
        nint v, i;
        Native.Check(Native.imbf_max_dim(Handle, dim, keepdim ? (byte)1 : (byte)0, &v, &i));
        return (new Tensor(v), new Tensor(i));
    }

    public unsafe (Tensor values, Tensor indices) min(long dim, bool keepdim = false)
    {
        nint v, i;
        Native.Check(Native.imbf_min_dim(Handle, dim, keepdim ? (byte)1 : (byte)0, &v, &i));
        return (new Tensor(v), new Tensor(i));
    }

    public Tensor argmax() => new(Native.imbf_argmax(Handle, long.MinValue, 0));

    public Tensor argmax(long dim, bool keepdim = false) => new(Native.imbf_argmax(Handle, dim, keepdim ? (byte)1 : (byte)0));

    public Tensor argmin() => new(Native.imbf_argmin(Handle, long.MinValue, 0));

    public Tensor argmin(long dim, bool keepdim = false) => new(Native.imbf_argmin(Handle, dim, keepdim ? (byte)1 : (byte)0));

    public unsafe Tensor norm(double p = 2, long[]? dims = null, bool keepdim = false)
    {
        dims ??= [];
        fixed (long* d = dims)
        {
            return new Tensor(Native.imbf_norm(Handle, p, d, dims.Length, keepdim ? (byte)1 : (byte)0));
        }
    }

    public unsafe Tensor logsumexp(long dim, bool keepdim = false)
    {
        var dims = stackalloc long[1] { dim };
        return new Tensor(Native.imbf_logsumexp(Handle, dims, 1, keepdim ? (byte)1 : (byte)0));
    }

    public unsafe (Tensor values, Tensor indices) topk(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        nint v, i;
        Native.Check(Native.imbf_topk(Handle, k, dim, largest ? (byte)1 : (byte)0, sorted ? (byte)1 : (byte)0, &v, &i));
        return (new Tensor(v), new Tensor(i));
    }

    public unsafe (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false, bool stable = true)
    {
        nint v, i;
        Native.Check(Native.imbf_sort(Handle, dim, descending ? (byte)1 : (byte)0, stable ? (byte)1 : (byte)0, &v, &i));
        return (new Tensor(v), new Tensor(i));
    }

    public Tensor argsort(long dim = -1, bool descending = false)
    {
        var (values, indices) = sort(dim, descending);
        values.Dispose();
        return indices;
    }

    public Tensor cumsum(long dim) => new(Native.imbf_cumsum(Handle, dim));

    public Tensor any() => new(Native.imbf_any(Handle));

    public Tensor all() => new(Native.imbf_all(Handle));
}
