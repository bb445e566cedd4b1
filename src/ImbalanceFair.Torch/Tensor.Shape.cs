using ImbalanceFair.Torch.Interop;

namespace ImbalanceFair.Torch;

public sealed partial class Tensor
{
    public unsafe Tensor reshape(params long[] shape)
    {
        fixed (long* p = shape)
        {
            return new Tensor(Native.imbf_reshape(Handle, p, shape.Length));
        }
    }

    public unsafe Tensor view(params long[] shape)
    {
        fixed (long* p = shape)
        {
            return new Tensor(Native.imbf_view(Handle, p, shape.Length));
        }
    }

    public unsafe Tensor permute(params long[] dims)
    {
        fixed (long* p = dims)
        {
            return new Tensor(Native.imbf_permute(Handle, p, dims.Length));
        }
    }

    public Tensor transpose(long dim0, long dim1) => new(Native.imbf_transpose(Handle, dim0, dim1));

    /// <summary>Transpose of a 2-D tensor.</summary>
    public Tensor t() => transpose(0, 1);

    public unsafe Tensor expand(params long[] shape)
    {
        fixed (long* p = shape)
        {
            return new Tensor(Native.imbf_expand(Handle, p, shape.Length));
        }
    }

    public Tensor expand_as(Tensor other) => expand(other.shape);

    public unsafe Tensor repeat(params long[] repeats)
    {
        fixed (long* p = repeats)
        {
            return new Tensor(Native.imbf_repeat(Handle, p, repeats.Length));
        }
    }

    public Tensor flatten(long startDim = 0, long endDim = -1) => new(Native.imbf_flatten(Handle, startDim, endDim));

    public Tensor unsqueeze(long dim) => new(Native.imbf_unsqueeze(Handle, dim));

    public Tensor squeeze() => new(Native.imbf_squeeze(Handle, long.MinValue));

    public Tensor squeeze(long dim) => new(Native.imbf_squeeze(Handle, dim));

    public Tensor narrow(long dim, long start, long length) => new(Native.imbf_narrow(Handle, dim, start, length));

    /// <summary>x[start:end:step] along <paramref name="dim"/>; end is clamped to the size like Python slicing.</summary>
    public Tensor slice(long dim, long start, long end, long step = 1) => new(Native.imbf_slice(Handle, dim, start, end, step));

    public Tensor select(long dim, long index) => new(Native.imbf_select(Handle, dim, index));

    public Tensor index_select(long dim, Tensor index) => new(Native.imbf_index_select(Handle, dim, index.Handle));

    public Tensor gather(long dim, Tensor index) => new(Native.imbf_gather(Handle, dim, index.Handle));

    public Tensor scatter(long dim, Tensor index, Tensor src) => new(Native.imbf_scatter(Handle, dim, index.Handle, src.Handle));

    public Tensor scatter_add(long dim, Tensor index, Tensor src) => new(Native.imbf_scatter_add(Handle, dim, index.Handle, src.Handle));

    public Tensor index_add(long dim, Tensor index, Tensor src) => new(Native.imbf_index_add(Handle, dim, index.Handle, src.Handle));

    /// <summary>Advanced indexing <c>x[i0, i1, ...]</c>; a null entry stands for <c>:</c>.</summary>
    public unsafe Tensor index(params Tensor?[] indices)
    {
        using var hs = new HeldHandles(indices);
        fixed (nint* p = hs.Values)
        {
            return new Tensor(Native.imbf_index(Handle, p, hs.Count));
        }
    }

    /// <summary><c>x[i0, i1, ...] = values</c> (or <c>+=</c> with accumulate); a null entry stands for <c>:</c>.</summary>
    public unsafe Tensor index_put_(Tensor?[] indices, Tensor values, bool accumulate = false)
    {
        using var hs = new HeldHandles(indices);
        fixed (nint* p = hs.Values)
        {
            Native.Check(Native.imbf_index_put_(Handle, p, hs.Count, values.Handle, accumulate ? (byte)1 : (byte)0));
        }

        return this;
    }

    public Tensor masked_select(Tensor mask) => new(Native.imbf_masked_select(Handle, mask.Handle));

    public Tensor nonzero() => new(Native.imbf_nonzero(Handle));

    public unsafe Tensor flip(params long[] dims)
    {
        fixed (long* p = dims)
        {
            return new Tensor(Native.imbf_flip(Handle, p, dims.Length));
        }
    }

    public Tensor tril(long diagonal = 0) => new(Native.imbf_tril(Handle, diagonal));

    public Tensor triu(long diagonal = 0) => new(Native.imbf_triu(Handle, diagonal));

    /// <summary>Splits into pieces of the given sizes along <paramref name="dim"/>.</summary>
    public unsafe Tensor[] split(long[] sizes, long dim = 0)
    {
        var outs = new nint[sizes.Length];
        fixed (long* s = sizes)
        fixed (nint* o = outs)
        {
            Native.Check(Native.imbf_split(Handle, s, sizes.Length, dim, o));
        }

        return outs.Select(h => new Tensor(h)).ToArray();
    }

    /// <summary>Splits into <paramref name="chunks"/> pieces as torch.chunk does (the last may be smaller).</summary>
    public Tensor[] chunk(int chunks, long dim = 0)
    {
        var n = size((int)dim);
        var each = (n + chunks - 1) / chunks;
        var sizes = new List<long>();
        for (long start = 0; start < n; start += each)
        {
            sizes.Add(Math.Min(each, n - start));
        }

        return split(sizes.ToArray(), dim);
    }
}
