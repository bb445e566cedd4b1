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
}
