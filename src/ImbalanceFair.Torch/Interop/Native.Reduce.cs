using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial nint imbf_sum(TensorHandle x, long* dims, int ndims, byte keepdim, int dt);
    [LibraryImport(Lib)] internal static partial nint imbf_mean(TensorHandle x, long* dims, int ndims, byte keepdim);
    [LibraryImport(Lib)] internal static partial nint imbf_var(TensorHandle x, long* dims, int ndims, long correction, byte keepdim);
    [LibraryImport(Lib)] internal static partial nint imbf_std(TensorHandle x, long* dims, int ndims, long correction, byte keepdim);
    [LibraryImport(Lib)] internal static partial nint imbf_prod(TensorHandle x);
    [LibraryImport(Lib)] internal static partial nint imbf_max_all(TensorHandle x);
    [LibraryImport(Lib)] internal static partial nint imbf_min_all(TensorHandle x);
    [LibraryImport(Lib)] internal static partial int imbf_max_dim(TensorHandle x, long dim, byte keepdim, nint* values, nint* indices);
    [LibraryImport(Lib)] internal static partial int imbf_min_dim(TensorHandle x, long dim, byte keepdim, nint* values, nint* indices);
    [LibraryImport(Lib)] internal static partial nint imbf_argmax(TensorHandle x, long dim, byte keepdim);
    [LibraryImport(Lib)] internal static partial nint imbf_argmin(TensorHandle x, long dim, byte keepdim);
    [LibraryImport(Lib)] internal static partial nint imbf_norm(TensorHandle x, double p, long* dims, int ndims, byte keepdim);
    [LibraryImport(Lib)] internal static partial nint imbf_logsumexp(TensorHandle x, long* dims, int ndims, byte keepdim);
    [LibraryImport(Lib)] internal static partial int imbf_topk(TensorHandle x, long k, long dim, byte largest, byte sorted, nint* values, nint* indices);
    [LibraryImport(Lib)] internal static partial int imbf_sort(TensorHandle x, long dim, byte descending, byte stable, nint* values, nint* indices);
    [LibraryImport(Lib)] internal static partial nint imbf_cumsum(TensorHandle x, long dim);
    [LibraryImport(Lib)] internal static partial nint imbf_any(TensorHandle x);
    [LibraryImport(Lib)] internal static partial nint imbf_all(TensorHandle x);
    [LibraryImport(Lib)] internal static partial nint imbf_cdist(TensorHandle a, TensorHandle b, double p);
    [LibraryImport(Lib)] internal static partial nint imbf_bincount(TensorHandle x, TensorHandle weights, long minlength);
}
