using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial nint imbf_reshape(TensorHandle x, long* dims, int n);
    [LibraryImport(Lib)] internal static partial nint imbf_view(TensorHandle x, long* dims, int n);
    [LibraryImport(Lib)] internal static partial nint imbf_permute(TensorHandle x, long* dims, int n);
    [LibraryImport(Lib)] internal static partial nint imbf_transpose(TensorHandle x, long d0, long d1);
    [LibraryImport(Lib)] internal static partial nint imbf_expand(TensorHandle x, long* dims, int n);
    [LibraryImport(Lib)] internal static partial nint imbf_repeat(TensorHandle x, long* dims, int n);
    [LibraryImport(Lib)] internal static partial nint imbf_flatten(TensorHandle x, long start, long end);
    [LibraryImport(Lib)] internal static partial nint imbf_unsqueeze(TensorHandle x, long dim);
    [LibraryImport(Lib)] internal static partial nint imbf_squeeze(TensorHandle x, long dim);
    [LibraryImport(Lib)] internal static partial nint imbf_cat(nint* xs, int n, long dim);
    [LibraryImport(Lib)] internal static partial nint imbf_stack(nint* xs, int n, long dim);
    [LibraryImport(Lib)] internal static partial int imbf_split(TensorHandle x, long* sizes, int n, long dim, nint* output);
    [LibraryImport(Lib)] internal static partial nint imbf_narrow(TensorHandle x, long dim, long start, long length);
    [LibraryImport(Lib)] internal static partial nint imbf_slice(TensorHandle x, long dim, long start, long end, long step);
    [LibraryImport(Lib)] internal static partial nint imbf_select(TensorHandle x, long dim, long index);
    [LibraryImport(Lib)] internal static partial nint imbf_index_select(TensorHandle x, long dim, TensorHandle index);
    [LibraryImport(Lib)] internal static partial nint imbf_gather(TensorHandle x, long dim, TensorHandle index);
    [LibraryImport(Lib)] internal static partial nint imbf_scatter(TensorHandle x, long dim, TensorHandle index, TensorHandle src);
    [LibraryImport(Lib)] internal static partial nint imbf_scatter_add(TensorHandle x, long dim, TensorHandle index, TensorHandle src);
    [LibraryImport(Lib)] internal static partial nint imbf_index_add(TensorHandle x, long dim, TensorHandle index, TensorHandle src);
    [LibraryImport(Lib)] internal static partial nint imbf_index(TensorHandle x, nint* indices, int n);
    [LibraryImport(Lib)] internal static partial int imbf_index_put_(TensorHandle x, nint* indices, int n, TensorHandle values, byte accumulate);
    [LibraryImport(Lib)] internal static partial nint imbf_masked_select(TensorHandle x, TensorHandle mask);
    [LibraryImport(Lib)] internal static partial nint imbf_nonzero(TensorHandle x);
    [LibraryImport(Lib)] internal static partial nint imbf_flip(TensorHandle x, long* dims, int n);
    [LibraryImport(Lib)] internal static partial nint imbf_tril(TensorHandle x, long diagonal);
    [LibraryImport(Lib)] internal static partial nint imbf_triu(TensorHandle x, long diagonal);
    [LibraryImport(Lib)] internal static partial nint imbf_one_hot(TensorHandle x, long numClasses);
    [LibraryImport(Lib)] internal static partial nint imbf_unique(TensorHandle x, byte sorted);
}
