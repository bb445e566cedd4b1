using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

// Native/optim.cpp: threading knobs for training loops; Native/kernels.cpp: the switch of the shim's own CPU kernels;
// Native/gemm.cpp: where float32 GEMMs run.
internal static partial class Native
{
    [LibraryImport(Lib)] internal static partial int imbf_blas_get_num_threads();
    [LibraryImport(Lib)] internal static partial int imbf_blas_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial void imbf_set_native_kernels(byte on);
    [LibraryImport(Lib)] internal static partial byte imbf_native_kernels();
    [LibraryImport(Lib)] internal static partial void imbf_set_onednn_gemm(byte on);
    [LibraryImport(Lib)] internal static partial nint imbf_gemm_backend();
    [LibraryImport(Lib)] internal static partial nint imbf_blas_core_name();
    [LibraryImport(Lib)] internal static partial nint imbf_cpu_bf16_missing();
}
