using System.Reflection;
using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

/// <summary>
/// Finds the shim: <c>IMBFAIR_SHIM</c> (a path to a libimbfair_torch.so built against another
/// libtorch, e.g. a CUDA one) wins; otherwise the copy beside this assembly.
/// </summary>
internal static partial class NativeLibraryLoader
{
    internal const string ShimName = "imbfair_torch";
    private static int s_registered;

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int setenv(string name, string value, int overwrite);

    /// <summary>
    /// OpenMP's workers spin while they wait by default; on a busy machine (sweeps sharing the cores, CI) spinning
    /// workers starve the ones with work and a training step ran 2-16x slower. libgomp reads OMP_WAIT_POLICY when
    /// libtorch loads, so it is set natively before that (a value the user set wins), and in the managed
    /// environment too so child processes (the PyTorch side of the benchmarks) run under the same policy.
    /// </summary>
    private static void PreferPassiveOpenMpWaits()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")))
        {
            _ = setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
            Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE");
        }
    }

    internal static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 1)
        {
            return;
        }

        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != ShimName)
        {
            return IntPtr.Zero;
        }

        PreferPassiveOpenMpWaits();
        var explicitPath = Environment.GetEnvironmentVariable("IMBFAIR_SHIM");
        if (!string.IsNullOrEmpty(explicitPath))
        {
            if (!File.Exists(explicitPath))
            {
                throw new DllNotFoundException($"IMBFAIR_SHIM points to '{explicitPath}', which does not exist.");
            }

            return NativeLibrary.Load(explicitPath);
        }

        var beside = Path.Combine(AppContext.BaseDirectory, "lib" + ShimName + ".so");
        if (File.Exists(beside))
        {
            return NativeLibrary.Load(beside);
        }

        var besideAssembly = Path.Combine(Path.GetDirectoryName(assembly.Location) ?? ".", "lib" + ShimName + ".so");
        if (File.Exists(besideAssembly))
        {
            return NativeLibrary.Load(besideAssembly);
        }

        throw new DllNotFoundException(
            $"The imbfair libtorch shim (lib{ShimName}.so) was not found beside {AppContext.BaseDirectory}. " +
            "Build the solution (dotnet build compiles it with CMake; scripts/bootstrap installs libtorch), " +
            "or set IMBFAIR_SHIM to a shim built for your libtorch.");
    }
}
