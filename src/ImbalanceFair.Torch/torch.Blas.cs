using System.Runtime.InteropServices;
using ImbalanceFair.Torch.Interop;

namespace ImbalanceFair.Torch;

public static partial class torch
{
    /// <summary>
    /// Sets the thread count of OpenBLAS, the CPU BLAS behind Debian's libtorch, which keeps its own thread
    /// pool beside libtorch's intra-op threads (<see cref="set_num_threads"/> does not reach it). On a machine
    /// with few cores, 1 avoids oversubscription when libtorch already parallelises around the BLAS calls (as
    /// its convolutions do). Returns false, changing nothing, when the loaded BLAS is not OpenBLAS.
    /// </summary>
    public static bool set_blas_num_threads(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return Native.imbf_blas_set_num_threads(n) == 0;
    }

    /// <summary>OpenBLAS's thread count, or null when the loaded BLAS is not OpenBLAS.</summary>
    public static int? get_blas_num_threads() => Native.imbf_blas_get_num_threads() is var n and >= 0 ? n : null;

    /// <summary>
    /// Where the float32 GEMMs of linear layers run on the CPU: "onednn" (libtorch's oneDNN, JIT-compiled for this
    /// CPU's instruction set, threaded on libtorch's intra-op threads) or "blas" (libtorch's BLAS) where oneDNN is
    /// missing or switched off (<c>IMBFAIR_ONEDNN_GEMM=0</c>, <see cref="set_onednn_gemm"/>). docs/performance.md.
    /// </summary>
    public static string gemm_backend() => Marshal.PtrToStringUTF8(Native.imbf_gemm_backend()) ?? "blas";

    /// <summary>Routes float32 linear-layer GEMMs to oneDNN (where libtorch has it) or to the BLAS, process-wide: for A/B tests and benchmarks.</summary>
    public static void set_onednn_gemm(bool enabled) => Native.imbf_set_onednn_gemm(enabled ? (byte)1 : (byte)0);

    /// <summary>
    /// Whether <see cref="autocast"/> computes float32 linear layers' GEMMs in bf16 on this CPU: it has bf16 instructions
    /// (AVX512_BF16 or AMX-BF16), libtorch carries oneDNN, the shim's kernels are on, and <c>IMBFAIR_CPU_BF16</c> was not
    /// 0 when the library loaded. Where false, autocast leaves CPU layers in float32.
    /// </summary>
    public static bool cpu_bf16_supported() => cpu_bf16_missing() is null;

    /// <summary>Which requirement of <see cref="cpu_bf16_supported"/> this process misses, in words, or null where none.</summary>
    public static string? cpu_bf16_missing() => Marshal.PtrToStringUTF8(Native.imbf_cpu_bf16_missing());

    /// <summary>The kernels OpenBLAS chose when it loaded (e.g. "Haswell", "SkylakeX"; OPENBLAS_CORETYPE decides when set), or null when the BLAS is not OpenBLAS.</summary>
    public static string? blas_core_name() => Marshal.PtrToStringUTF8(Native.imbf_blas_core_name());
}
