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
    public static int ConfigureThreads(int? requested = null)
    {
        var threads = requested ?? ThreadsFromEnvironment() ?? Environment.ProcessorCount;
        torch.set_num_threads(Math.Max(1, threads));
        return torch.get_num_threads();
    }

    private static int? ThreadsFromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable("IMBFAIR_THREADS");
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1)
        {
            return n;
        }

        throw new ArgumentException($"IMBFAIR_THREADS='{text}' is not a positive whole number; unset it or set e.g. IMBFAIR_THREADS=2");
    }
}
