using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

// Native/serialization.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial int imbf_host_data_ptr(TensorHandle t, void** data);
}
