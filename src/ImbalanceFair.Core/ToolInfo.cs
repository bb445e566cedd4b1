using System.Reflection;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core;

/// <summary>What this build is and what it runs on, for --version and for the run log.</summary>
/// <param name="Gemm">Where float32 linear layers run their GEMMs on the CPU ("onednn" or "blas") and which kernels OpenBLAS chose.</param>
public sealed record ToolInfo(string Version, string TorchVersion, bool CudaAvailable, int CudaDevices, int Threads, string Gemm)
{
    public static ToolInfo Current()
    {
        var version = typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                      ?? typeof(ToolInfo).Assembly.GetName().Version?.ToString() ?? "unknown";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0)
        {
            version = version[..plus];
        }

        var cuda = torch.cuda.is_available();
        var gemm = torch.gemm_backend() + (torch.blas_core_name() is { } core ? $" (OpenBLAS kernels {core})" : "");
        return new ToolInfo(version, torch.version, cuda, cuda ? torch.cuda.device_count() : 0, torch.get_num_threads(), gemm);
    }

    public override string ToString() =>
        $"imbfair {Version}\nlibtorch {TorchVersion}\ncuda {(CudaAvailable ? $"available ({CudaDevices} device{(CudaDevices == 1 ? "" : "s")})" : "not available")}\nthreads {Threads}\ngemm {Gemm}";
}
