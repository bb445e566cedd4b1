using System.Globalization;
using System.Runtime.InteropServices;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core;

/// <summary>Process-wide libtorch settings, applied once by the host before any work.</summary>
public static partial class TorchRuntime
{
    private const int MTrimThreshold = -1;
    private const int MMmapThreshold = -3;

    /// <summary>Free memory glibc may keep at the top of the heap instead of returning it to the kernel.</summary>
    public const int TrimThresholdBytes = 1 << 30;

    /// <summary>Blocks at least this large are mapped on their own (and unmapped when freed); smaller ones come from the heap.</summary>
    public const int MmapThresholdBytes = 64 << 20;

    /// <summary>
    /// Keeps freed tensor memory in the process (glibc's <c>mallopt</c>: trim threshold 1 GiB, mmap threshold
    /// 64 MiB), unless the environment already sets glibc's allocator (MALLOC_TRIM_THRESHOLD_,
    /// MALLOC_MMAP_THRESHOLD_ or GLIBC_TUNABLES), whose choice wins. Returns whether the policy was applied.
    /// </summary>
    /// <remarks>
    /// With glibc's defaults every training step frees its activations and gradients, glibc hands the top of the
    /// heap (and every block above its adaptive mmap threshold) back to the kernel, and the next step faults the
    /// same pages in again, zeroed: thousands of page faults per step on the critical path (scripts/bench train
    /// counts them). A training process reaches its peak within one step and stays there, so keeping the memory
    /// costs nothing it would not use again. scripts/imbfair has set the same values through the environment; this
    /// applies them in-process for every host (the CLI run directly, the benchmarks, tests that train).
    /// </remarks>
    /// <summary>
    /// What decides a trained model's bits besides its inputs, for cache keys (pre-trained weights, the diffusion
    /// generator): the libtorch build, the device type, whether the shim's fused kernels run (they round differently
    /// from libtorch's path) and which GEMM they call (oneDNN or the BLAS). A cache entry made under other numerics would
    /// make a warm run differ from a cold one.
    /// </summary>
    public static string NumericsKey(Device device) =>
        $"{torch.version}|{(device.IsCuda ? "cuda" : "cpu")}|{(torch.native_kernels_enabled() ? "kernels" : "libtorch")}|{torch.gemm_backend()}";

    public static bool ConfigureAllocator()
    {
        if (!OperatingSystem.IsLinux()
            || new[] { "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES" }.Any(v => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v))))
        {
            return false;
        }

        try
        {
            return Mallopt(MTrimThreshold, TrimThresholdBytes) == 1 & Mallopt(MMmapThreshold, MmapThresholdBytes) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no such knobs): nothing to tune.
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int param, int value);

    /// <summary>
    /// Sets libtorch's intra-op threads: <c>IMBFAIR_THREADS</c> when set, else every core this process may use.
    /// libtorch's own default can be 1 (Debian's OpenMP build reports one thread), which halves CPU speed.
    /// </summary>
    /// <remarks>
    /// OpenBLAS (Debian's pthread build) keeps its own pool of one thread per core that libtorch's setting does not
    /// reach; with both pools busy the cores are oversubscribed and a training step ran several times slower
    /// (docs/performance.md, bridge). libtorch already parallelises around its BLAS calls, so OpenBLAS gets one thread
    /// unless <c>IMBFAIR_BLAS_THREADS</c> says otherwise.
    /// </remarks>
    public static int ConfigureThreads(int? requested = null)
    {
        var threads = requested ?? FromEnvironment("IMBFAIR_THREADS") ?? Environment.ProcessorCount;
        torch.set_num_threads(Math.Max(1, threads));
        torch.set_blas_num_threads(FromEnvironment("IMBFAIR_BLAS_THREADS") ?? 1);
        return torch.get_num_threads();
    }

    private static int? FromEnvironment(string name)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1)
        {
            return n;
        }

        throw new ArgumentException($"{name}='{text}' is not a positive whole number; unset it or set e.g. {name}=2");
    }
}
