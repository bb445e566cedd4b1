using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

// P/Invoke declarations mirror Native/*.cpp one file each. Handles are at::Tensor* (nint);
// booleans cross as one byte; a null handle returned from a tensor function means an error.
internal static unsafe partial class Native
{
    private const string Lib = NativeLibraryLoader.ShimName;

    static Native() => NativeLibraryLoader.EnsureRegistered();

    [LibraryImport(Lib)] internal static partial nint imbf_last_error();
    [LibraryImport(Lib)] internal static partial void imbf_clear_error();
    [LibraryImport(Lib)] internal static partial long imbf_live_tensors();
    [LibraryImport(Lib)] internal static partial void imbf_free(nint t);

    [LibraryImport(Lib)] internal static partial int imbf_dim(nint t);
    [LibraryImport(Lib)] internal static partial int imbf_shape(nint t, long* dims);
    [LibraryImport(Lib)] internal static partial int imbf_dtype(nint t);
    [LibraryImport(Lib)] internal static partial int imbf_device_type(nint t);
    [LibraryImport(Lib)] internal static partial int imbf_device_index(nint t);
    [LibraryImport(Lib)] internal static partial long imbf_numel(nint t);
    [LibraryImport(Lib)] internal static partial long imbf_element_size(nint t);
    [LibraryImport(Lib)] internal static partial byte imbf_is_contiguous(nint t);

    [LibraryImport(Lib)] internal static partial nint imbf_from_blob(void* data, long* dims, int ndim, int dt, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial int imbf_copy_to_host(nint t, void* dst, long nbytes);
    [LibraryImport(Lib)] internal static partial int imbf_item_double(nint t, double* value);
    [LibraryImport(Lib)] internal static partial int imbf_item_long(nint t, long* value);
    [LibraryImport(Lib)] internal static partial nint imbf_to(nint t, int dt, int devType, int devIndex, byte copy);
    [LibraryImport(Lib)] internal static partial nint imbf_clone(nint t);
    [LibraryImport(Lib)] internal static partial nint imbf_contiguous(nint t);
    [LibraryImport(Lib)] internal static partial nint imbf_alias(nint t);

    [LibraryImport(Lib)] internal static partial byte imbf_requires_grad(nint t);
    [LibraryImport(Lib)] internal static partial int imbf_set_requires_grad(nint t, byte on);
    [LibraryImport(Lib)] internal static partial int imbf_backward(nint t, nint grad, byte retainGraph, byte createGraph);
    [LibraryImport(Lib)] internal static partial int imbf_grad(nint t, nint* grad);
    [LibraryImport(Lib)] internal static partial int imbf_zero_grad(nint t, byte setToNone);
    [LibraryImport(Lib)] internal static partial nint imbf_detach(nint t);
    [LibraryImport(Lib)] internal static partial int imbf_set_data(nint t, nint data);
    [LibraryImport(Lib)] internal static partial byte imbf_is_grad_enabled();
    [LibraryImport(Lib)] internal static partial void imbf_set_grad_enabled(byte on);

    [LibraryImport(Lib)] internal static partial nint imbf_torch_version();
    [LibraryImport(Lib)] internal static partial int imbf_manual_seed(ulong seed);
    [LibraryImport(Lib)] internal static partial void imbf_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int imbf_get_num_threads();
    [LibraryImport(Lib)] internal static partial byte imbf_cuda_is_available();
    [LibraryImport(Lib)] internal static partial int imbf_cuda_device_count();
    [LibraryImport(Lib)] internal static partial int imbf_cuda_synchronize(int index);
    [LibraryImport(Lib)] internal static unsafe partial int imbf_cuda_max_memory_allocated(int index, long* bytes);
    [LibraryImport(Lib)] internal static partial int imbf_autocast_enter(byte* previous);
    [LibraryImport(Lib)] internal static partial int imbf_autocast_exit(byte previous);

    /// <summary>Throws the pending libtorch error, if any; call after a status-returning entry point.</summary>
    internal static void Check(int status)
    {
        if (status != 0)
        {
            ThrowLastError();
        }
    }

    /// <summary>Throws the pending libtorch error when a tensor-returning entry point gave null.</summary>
    internal static nint Check(nint handle)
    {
        if (handle == 0)
        {
            ThrowLastError();
        }

        return handle;
    }

    internal static void ThrowLastError()
    {
        var ptr = imbf_last_error();
        var message = ptr == 0 ? "libtorch call failed without a message" : Marshal.PtrToStringUTF8(ptr) ?? string.Empty;
        imbf_clear_error();
        throw new TorchException(message);
    }
}
