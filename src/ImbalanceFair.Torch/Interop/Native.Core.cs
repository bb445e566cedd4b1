using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

// P/Invoke declarations mirror Native/*.cpp one file each. A tensor argument is a TensorHandle, so the marshaller
// holds a reference to it for the duration of the call (nothing can free it mid-call); a tensor result is the new
// at::Tensor* (nint) the caller wraps. Booleans cross as one byte; a null handle returned means an error.
internal static unsafe partial class Native
{
    private const string Lib = NativeLibraryLoader.ShimName;

    static Native() => NativeLibraryLoader.EnsureRegistered();

    [LibraryImport(Lib)] internal static partial nint imbf_last_error();
    [LibraryImport(Lib)] internal static partial void imbf_clear_error();
    [LibraryImport(Lib)] internal static partial long imbf_live_tensors();
    [LibraryImport(Lib)] internal static partial void imbf_free(nint t);

    [LibraryImport(Lib)] internal static partial int imbf_dim(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int imbf_shape(TensorHandle t, long* dims);
    [LibraryImport(Lib)] internal static partial int imbf_dtype(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int imbf_device_type(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int imbf_device_index(TensorHandle t);
    [LibraryImport(Lib)] internal static partial long imbf_numel(TensorHandle t);
    [LibraryImport(Lib)] internal static partial long imbf_element_size(TensorHandle t);
    [LibraryImport(Lib)] internal static partial byte imbf_is_contiguous(TensorHandle t);

    [LibraryImport(Lib)] internal static partial nint imbf_from_blob(void* data, long* dims, int ndim, int dt, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial int imbf_copy_to_host(TensorHandle t, void* dst, long nbytes);
    [LibraryImport(Lib)] internal static partial int imbf_item_double(TensorHandle t, double* value);
    [LibraryImport(Lib)] internal static partial int imbf_item_long(TensorHandle t, long* value);
    [LibraryImport(Lib)] internal static partial nint imbf_to(TensorHandle t, int dt, int devType, int devIndex, byte copy);
    [LibraryImport(Lib)] internal static partial nint imbf_clone(TensorHandle t);
    [LibraryImport(Lib)] internal static partial nint imbf_contiguous(TensorHandle t);
    [LibraryImport(Lib)] internal static partial nint imbf_alias(TensorHandle t);

    [LibraryImport(Lib)] internal static partial byte imbf_requires_grad(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int imbf_set_requires_grad(TensorHandle t, byte on);
    [LibraryImport(Lib)] internal static partial int imbf_backward(TensorHandle t, TensorHandle grad, byte retainGraph, byte createGraph);
    [LibraryImport(Lib)] internal static partial int imbf_grad(TensorHandle t, nint* grad);
    [LibraryImport(Lib)] internal static partial int imbf_zero_grad(TensorHandle t, byte setToNone);
    [LibraryImport(Lib)] internal static partial nint imbf_detach(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int imbf_set_data(TensorHandle t, TensorHandle data);
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
