using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

// Native/optim.cpp: threading knobs for training loops.
internal static partial class Native
{
    [LibraryImport(Lib)] internal static partial int imbf_blas_get_num_threads();
    [LibraryImport(Lib)] internal static partial int imbf_blas_set_num_threads(int n);
}
