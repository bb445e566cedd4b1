using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial nint imbf_sum(nint x, long* dims, int ndims, byte keepdim, int dt);
    [LibraryImport(Lib)] internal static partial nint imbf_mean(nint x, long* dims, int ndims, byte keepdim);
    [LibraryImport(Lib)] internal static partial nint imbf_var(nint x, long* dims, int ndims, long correction, byte keepdim);
    [LibraryImport(Lib)] internal static partial nint imbf_std(nint x, long* dims, int ndims, long correction, byte keepdim);
    [LibraryImport(Lib)] internal static partial nint imbf_prod(nint x);
    [LibraryImport(Lib)] internal static partial nint imbf_max_all(nint x);
    [LibraryImport(Lib)] internal static partial nint imbf_min_all(nint x);
    [LibraryImport(Lib)] internal static partial int imbf_max_dim(nint x, long dim, byte keepdim, nint* values, nint* indices);
    [LibraryImport(Lib)] internal static partial int imbf_min_dim(nint x, long dim, byte keepdim, nint* values, nint* indices);
    [LibraryImport(Lib)] internal static partial nint imbf_argmax(nint x, long dim, byte keepdim);
    [LibraryImport(Lib)] internal static partial nint imbf_argmin(nint x, long dim, byte keepdim);
    [LibraryImport(Lib)] internal static partial nint imbf_norm(nint x, double p, long* dims, int ndims, byte keepdim);
    [LibraryImport(Lib)] internal static partial nint imbf_logsumexp(nint x, long* dims, int ndims, byte keepdim);
    [LibraryImport(Lib)] internal static partial int imbf_topk(nint x, long k, long dim, byte largest, byte sorted, nint* values, nint* indices);
    [LibraryImport(Lib)] internal static partial int imbf_sort(nint x, long dim, byte descending, byte stable, nint* values, nint* indices);
    [LibraryImport(Lib)] internal static partial nint imbf_cumsum(nint x, long dim);
    [LibraryImport(Lib)] internal static partial nint imbf_any(nint x);
    [LibraryImport(Lib)] internal static partial nint imbf_all(nint x);
    [LibraryImport(Lib)] internal static partial nint imbf_cdist(nint a, nint b, double p);
    [LibraryImport(Lib)] internal static partial nint imbf_bincount(nint x, nint weights, long minlength);
}
