using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial nint imbf_unary(int op, nint x);
    [LibraryImport(Lib)] internal static partial int imbf_unary_(int op, nint x);
    [LibraryImport(Lib)] internal static partial nint imbf_binary(int op, nint a, nint b);
    [LibraryImport(Lib)] internal static partial nint imbf_binary_scalar(int op, nint a, double b);
    [LibraryImport(Lib)] internal static partial nint imbf_scalar_binary(int op, double a, nint b);
    [LibraryImport(Lib)] internal static partial nint imbf_binary_scalar_i(int op, nint a, long b);
    [LibraryImport(Lib)] internal static partial nint imbf_scalar_binary_i(int op, long a, nint b);
    [LibraryImport(Lib)] internal static partial int imbf_binary_scalar_i_(int op, nint a, long b);
    [LibraryImport(Lib)] internal static partial int imbf_binary_(int op, nint a, nint b);
    [LibraryImport(Lib)] internal static partial int imbf_binary_scalar_(int op, nint a, double b);
    [LibraryImport(Lib)] internal static partial nint imbf_add_alpha(nint a, nint b, double alpha);
    [LibraryImport(Lib)] internal static partial int imbf_add_alpha_(nint a, nint b, double alpha);
    [LibraryImport(Lib)] internal static partial int imbf_addcmul_(nint a, nint b, nint c, double value);
    [LibraryImport(Lib)] internal static partial int imbf_addcdiv_(nint a, nint b, nint c, double value);
    [LibraryImport(Lib)] internal static partial nint imbf_lerp(nint a, nint b, double w);
    [LibraryImport(Lib)] internal static partial nint imbf_lerp_t(nint a, nint b, nint w);
    [LibraryImport(Lib)] internal static partial int imbf_lerp_(nint a, nint b, double w);
    [LibraryImport(Lib)] internal static partial nint imbf_clamp(nint x, double lo, double hi);
    [LibraryImport(Lib)] internal static partial int imbf_clamp_(nint x, double lo, double hi);
    [LibraryImport(Lib)] internal static partial nint imbf_clamp_t(nint x, nint lo, nint hi);
    [LibraryImport(Lib)] internal static partial nint imbf_where(nint cond, nint a, nint b);
    [LibraryImport(Lib)] internal static partial nint imbf_masked_fill(nint x, nint mask, double value);
    [LibraryImport(Lib)] internal static partial int imbf_copy_(nint dst, nint src);
    [LibraryImport(Lib)] internal static partial int imbf_fill_(nint x, double value);
    [LibraryImport(Lib)] internal static partial int imbf_zero_(nint x);
    [LibraryImport(Lib)] internal static partial int imbf_uniform_(nint x, double lo, double hi);
    [LibraryImport(Lib)] internal static partial int imbf_normal_(nint x, double mean, double std);
    [LibraryImport(Lib)] internal static partial int imbf_allclose(nint a, nint b, double rtol, double atol, byte* result);
}
