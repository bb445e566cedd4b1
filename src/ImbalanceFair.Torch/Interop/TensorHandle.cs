using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

/// <summary>
/// The owning reference to one native at::Tensor*. Passed to the imports as a SafeHandle, so the marshaller adds a
/// reference before every call and drops it after: the garbage collector cannot free a temporary that is only on its
/// way into native code, and a Dispose on another thread while a call runs marks the handle closed but frees it only
/// when the last call using it returns. The critical finalizer is the safety net for tensors never disposed.
/// </summary>
internal sealed class TensorHandle : SafeHandle
{
    private static long s_live;

    /// <summary>Stands for an absent optional tensor (a null at::Tensor* on the native side); owns nothing.</summary>
    internal static readonly TensorHandle Null = new(0, ownsHandle: false);

    private TensorHandle(nint handle, bool ownsHandle) : base(0, ownsHandle) => SetHandle(handle);

    /// <summary>Handles created and not yet freed (all threads); the native side counts the same ones.</summary>
    internal static long Live => Interlocked.Read(ref s_live);

    public override bool IsInvalid => handle == 0;

    /// <summary>Takes ownership of a handle a native call returned (non-null, checked by the caller).</summary>
    internal static TensorHandle Own(nint handle)
    {
        var owned = new TensorHandle(handle, ownsHandle: true);
        Interlocked.Increment(ref s_live);
        return owned;
    }

    protected override bool ReleaseHandle()
    {
        Native.imbf_free(handle);
        Interlocked.Decrement(ref s_live);
        return true;
    }
}
