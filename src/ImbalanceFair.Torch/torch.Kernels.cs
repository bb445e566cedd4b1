using ImbalanceFair.Torch.Interop;

namespace ImbalanceFair.Torch;

public static partial class torch
{
    /// <summary>
    /// Whether the shim's own CPU kernels run where they apply: fused scaled-dot-product attention on libtorch 1.13,
    /// and linear layers whose GEMMs are split over the intra-op threads while OpenBLAS runs on one thread
    /// (Native/attention.cpp, Native/linear.cpp). On unless <c>IMBFAIR_NATIVE_KERNELS=0</c> when the library loads.
    /// </summary>
    public static bool native_kernels_enabled() => Native.imbf_native_kernels() != 0;

    /// <summary>
    /// Switches the shim's own CPU kernels on or off for the whole process (off: every op takes libtorch's own
    /// path), so that tests and benchmarks can compare both paths in one process.
    /// </summary>
    public static void set_native_kernels(bool enabled) => Native.imbf_set_native_kernels(enabled ? (byte)1 : (byte)0);
}
