using System.Globalization;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core;

/// <summary>Process-wide libtorch settings, applied once by the host before any work.</summary>
public static class TorchRuntime
{
    /// <summary>
    /// Sets libtorch's intra-op threads: <c>IMBFAIR_THREADS</c> when set, else every core this process may use.
    /// libtorch's own default can be 1 (Debian's OpenMP build reports one thread), which halves CPU speed.
    /// </summary>
    /// <remarks>
    /// OpenBLAS (Debian's pthread build) keeps its own pool of one thread per core that libtorch's setting does not
    /// reach; with both pools busy the cores are oversubscribed and a training step ran several times slower
    /// (bench/results/bridge.csv). libtorch already parallelises around its BLAS calls, so OpenBLAS gets one thread
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
