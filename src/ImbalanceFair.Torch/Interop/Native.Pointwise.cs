using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial nint imbf_unary(int op, TensorHandle x);
    [LibraryImport(Lib)] internal static partial int imbf_unary_(int op, TensorHandle x);
    [LibraryImport(Lib)] internal static partial nint imbf_binary(int op, TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial nint imbf_binary_scalar(int op, TensorHandle a, double b);
    [LibraryImport(Lib)] internal static partial nint imbf_scalar_binary(int op, double a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial nint imbf_binary_scalar_i(int op, TensorHandle a, long b);
    [LibraryImport(Lib)] internal static partial nint imbf_scalar_binary_i(int op, long a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial int imbf_binary_scalar_i_(int op, TensorHandle a, long b);
    [LibraryImport(Lib)] internal static partial int imbf_binary_(int op, TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial int imbf_binary_scalar_(int op, TensorHandle a, double b);
    [LibraryImport(Lib)] internal static partial nint imbf_add_alpha(TensorHandle a, TensorHandle b, double alpha);
    [LibraryImport(Lib)] internal static partial int imbf_add_alpha_(TensorHandle a, TensorHandle b, double alpha);
    [LibraryImport(Lib)] internal static partial int imbf_addcmul_(TensorHandle a, TensorHandle b, TensorHandle c, double value);
    [LibraryImport(Lib)] internal static partial int imbf_addcdiv_(TensorHandle a, TensorHandle b, TensorHandle c, double value);
    [LibraryImport(Lib)] internal static partial nint imbf_lerp(TensorHandle a, TensorHandle b, double w);
    [LibraryImport(Lib)] internal static partial nint imbf_lerp_t(TensorHandle a, TensorHandle b, TensorHandle w);
    [LibraryImport(Lib)] internal static partial int imbf_lerp_(TensorHandle a, TensorHandle b, double w);
    [LibraryImport(Lib)] internal static partial nint imbf_clamp(TensorHandle x, double lo, double hi);
    [LibraryImport(Lib)] internal static partial int imbf_clamp_(TensorHandle x, double lo, double hi);
    [LibraryImport(Lib)] internal static partial nint imbf_clamp_t(TensorHandle x, TensorHandle lo, TensorHandle hi);
    [LibraryImport(Lib)] internal static partial nint imbf_where(TensorHandle cond, TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial nint imbf_masked_fill(TensorHandle x, TensorHandle mask, double value);
    [LibraryImport(Lib)] internal static partial int imbf_copy_(TensorHandle dst, TensorHandle src);
    [LibraryImport(Lib)] internal static partial int imbf_fill_(TensorHandle x, double value);
    [LibraryImport(Lib)] internal static partial int imbf_zero_(TensorHandle x);
    [LibraryImport(Lib)] internal static partial int imbf_uniform_(TensorHandle x, double lo, double hi);
    [LibraryImport(Lib)] internal static partial int imbf_normal_(TensorHandle x, double mean, double std);
    [LibraryImport(Lib)] internal static partial int imbf_allclose(TensorHandle a, TensorHandle b, double rtol, double atol, byte* result);
}
