using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial nint imbf_reshape(nint x, long* dims, int n);
    [LibraryImport(Lib)] internal static partial nint imbf_view(nint x, long* dims, int n);
    [LibraryImport(Lib)] internal static partial nint imbf_permute(nint x, long* dims, int n);
    [LibraryImport(Lib)] internal static partial nint imbf_transpose(nint x, long d0, long d1);
    [LibraryImport(Lib)] internal static partial nint imbf_expand(nint x, long* dims, int n);
    [LibraryImport(Lib)] internal static partial nint imbf_repeat(nint x, long* dims, int n);
    [LibraryImport(Lib)] internal static partial nint imbf_flatten(nint x, long start, long end);
    [LibraryImport(Lib)] internal static partial nint imbf_unsqueeze(nint x, long dim);
    [LibraryImport(Lib)] internal static partial nint imbf_squeeze(nint x, long dim);
    [LibraryImport(Lib)] internal static partial nint imbf_cat(nint* xs, int n, long dim);
    [LibraryImport(Lib)] internal static partial nint imbf_stack(nint* xs, int n, long dim);
    [LibraryImport(Lib)] internal static partial int imbf_split(nint x, long* sizes, int n, long dim, nint* output);
    [LibraryImport(Lib)] internal static partial nint imbf_narrow(nint x, long dim, long start, long length);
    [LibraryImport(Lib)] internal static partial nint imbf_slice(nint x, long dim, long start, long end, long step);
    [LibraryImport(Lib)] internal static partial nint imbf_select(nint x, long dim, long index);
    [LibraryImport(Lib)] internal static partial nint imbf_index_select(nint x, long dim, nint index);
    [LibraryImport(Lib)] internal static partial nint imbf_gather(nint x, long dim, nint index);
    [LibraryImport(Lib)] internal static partial nint imbf_scatter(nint x, long dim, nint index, nint src);
    [LibraryImport(Lib)] internal static partial nint imbf_scatter_add(nint x, long dim, nint index, nint src);
    [LibraryImport(Lib)] internal static partial nint imbf_index_add(nint x, long dim, nint index, nint src);
    [LibraryImport(Lib)] internal static partial nint imbf_index(nint x, nint* indices, int n);
    [LibraryImport(Lib)] internal static partial int imbf_index_put_(nint x, nint* indices, int n, nint values, byte accumulate);
    [LibraryImport(Lib)] internal static partial nint imbf_masked_select(nint x, nint mask);
    [LibraryImport(Lib)] internal static partial nint imbf_nonzero(nint x);
    [LibraryImport(Lib)] internal static partial nint imbf_flip(nint x, long* dims, int n);
    [LibraryImport(Lib)] internal static partial nint imbf_tril(nint x, long diagonal);
    [LibraryImport(Lib)] internal static partial nint imbf_triu(nint x, long diagonal);
    [LibraryImport(Lib)] internal static partial nint imbf_one_hot(nint x, long numClasses);
    [LibraryImport(Lib)] internal static partial nint imbf_unique(nint x, byte sorted);
}
