using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial nint imbf_empty(long* dims, int ndim, int dt, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial nint imbf_zeros(long* dims, int ndim, int dt, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial nint imbf_ones(long* dims, int ndim, int dt, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial nint imbf_full(long* dims, int ndim, double value, int dt, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial nint imbf_arange(double start, double end, double step, int dt, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial nint imbf_linspace(double start, double end, long steps, int dt, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial nint imbf_eye(long n, int dt, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial nint imbf_rand(long* dims, int ndim, int dt, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial nint imbf_randn(long* dims, int ndim, int dt, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial nint imbf_randint(long low, long high, long* dims, int ndim, int dt, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial nint imbf_randperm(long n, int dt, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial nint imbf_multinomial(TensorHandle probs, long n, byte replacement);
    [LibraryImport(Lib)] internal static partial nint imbf_bernoulli(TensorHandle probs);
    [LibraryImport(Lib)] internal static partial nint imbf_zeros_like(TensorHandle t);
    [LibraryImport(Lib)] internal static partial nint imbf_ones_like(TensorHandle t);
    [LibraryImport(Lib)] internal static partial nint imbf_full_like(TensorHandle t, double value);
    [LibraryImport(Lib)] internal static partial nint imbf_rand_like(TensorHandle t);
    [LibraryImport(Lib)] internal static partial nint imbf_randn_like(TensorHandle t);
    [LibraryImport(Lib)] internal static partial nint imbf_rng_get_state();
    [LibraryImport(Lib)] internal static partial int imbf_rng_set_state(TensorHandle state);
}
