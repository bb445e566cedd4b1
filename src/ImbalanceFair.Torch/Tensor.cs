using System.Globalization;
using System.Text;
using ImbalanceFair.Torch.Interop;

namespace ImbalanceFair.Torch;

/// <summary>
/// A libtorch tensor. Deterministic lifetime: dispose it, or create it inside a
/// <see cref="DisposeScope"/> (<c>using var scope = torch.NewDisposeScope();</c>). The native handle is a
/// <see cref="TensorHandle"/> (a SafeHandle): a native call holds a reference to it, so neither the garbage collector
/// nor a Dispose on another thread frees it mid-call; its finalizer is only a safety net for tensors that escaped
/// both.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly TensorHandle _handle;
    private int _disposed;

    internal Tensor(nint handle)
    {
        _handle = TensorHandle.Own(Native.Check(handle));
        DisposeScope.Current?.Add(this);
    }

    /// <summary>Tensor handles not yet freed (all threads): disposed tensors leave it when the last native call using them returns.</summary>
    public static long LiveCount => TensorHandle.Live;

    /// <summary>Tensor handles the native side still holds (all threads); matches <see cref="LiveCount"/> when nothing leaks.</summary>
    public static long NativeLiveCount => Native.imbf_live_tensors();

    internal DisposeScope? OwningScope { get; set; }

    internal TensorHandle Handle => Volatile.Read(ref _disposed) == 0 ? _handle : throw new ObjectDisposedException(nameof(Tensor), "the tensor was disposed");

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Frees now, or when the last native call still using the handle (on another thread) returns.
        _handle.Dispose();
        OwningScope?.Remove(this);
        OwningScope = null;
    }

    /// <summary>Hands the tensor to the scope enclosing its current one (or to none), so it survives that scope.</summary>
    public Tensor MoveToOuterDisposeScope()
    {
        var scope = OwningScope;
        if (scope is null)
        {
            return this;
        }

        scope.Remove(this);
        OwningScope = null;
        scope.Outer?.Add(this);
        return this;
    }

    /// <summary>Takes the tensor out of every scope: the caller now disposes it.</summary>
    public Tensor DetachFromDisposeScope()
    {
        OwningScope?.Remove(this);
        OwningScope = null;
        return this;
    }

    // ---- metadata ------------------------------------------------------------------------

    public unsafe long[] shape
    {
        get
        {
            var dims = new long[Native.imbf_dim(Handle)];
            fixed (long* p = dims)
            {
                Native.Check(Native.imbf_shape(Handle, p));
            }

            return dims;
        }
    }

    public int dim() => Native.imbf_dim(Handle);

    public long size(int d)
    {
        var s = shape;
        return s[d < 0 ? d + s.Length : d];
    }

    public long numel() => Native.imbf_numel(Handle);

    public ScalarType dtype => (ScalarType)Native.imbf_dtype(Handle);

    public Device device => Native.imbf_device_type(Handle) == 1
        ? new Device(DeviceType.CUDA, Native.imbf_device_index(Handle))
        : Device.CPU;

    public bool is_contiguous() => Native.imbf_is_contiguous(Handle) != 0;

    public long ElementSize => Native.imbf_element_size(Handle);

    // ---- host transfers ------------------------------------------------------------------

    /// <summary>Copies the elements to a new managed array (one memcpy; moves to the CPU first if needed).</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        CheckElementType<T>();
        var result = new T[numel()];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>Copies the elements into <paramref name="destination"/>, which must have exactly numel() elements.</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        CheckElementType<T>();
        if (destination.Length != numel())
        {
            throw new ArgumentException($"destination has {destination.Length} elements, the tensor {numel()}", nameof(destination));
        }

        fixed (T* p = destination)
        {
            Native.Check(Native.imbf_copy_to_host(Handle, p, (long)destination.Length * sizeof(T)));
        }
    }

    /// <summary>The raw bytes of the elements in row-major order, on the host.</summary>
    public unsafe byte[] ToBytes()
    {
        var bytes = new byte[numel() * ElementSize];
        fixed (byte* p = bytes)
        {
            Native.Check(Native.imbf_copy_to_host(Handle, p, bytes.Length));
        }

        return bytes;
    }

    public unsafe double item()
    {
        double v;
        Native.Check(Native.imbf_item_double(Handle, &v));
        return v;
    }

    public unsafe long itemLong()
    {
        long v;
        Native.Check(Native.imbf_item_long(Handle, &v));
        return v;
    }

    public float ToSingle() => (float)item();

    private void CheckElementType<T>() where T : unmanaged
    {
        var want = ScalarTypeExtensions.Of<T>();
        if (want != dtype)
        {
            throw new InvalidOperationException($"the tensor holds {dtype}, not {want} ({typeof(T).Name}); convert it with .to({want}) first");
        }
    }

    // ---- conversions ---------------------------------------------------------------------

    public Tensor to(Device dev) => new(Native.imbf_to(Handle, (int)dtype, (int)dev.Type, dev.Index, 0));

    public Tensor to(ScalarType type) => new(Native.imbf_to(Handle, (int)type, (int)device.Type, device.Index, 0));

    public Tensor to(ScalarType type, Device dev) => new(Native.imbf_to(Handle, (int)type, (int)dev.Type, dev.Index, 0));

    public Tensor cpu() => to(Device.CPU);

    public Tensor cuda(int index = 0) => to(new Device(DeviceType.CUDA, index));

    public Tensor @float() => to(ScalarType.Float32);

    public Tensor @long() => to(ScalarType.Int64);

    public Tensor clone() => new(Native.imbf_clone(Handle));

    public Tensor contiguous() => new(Native.imbf_contiguous(Handle));

    /// <summary>A second handle to the same tensor (shares storage and autograd identity).</summary>
    public Tensor alias() => new(Native.imbf_alias(Handle));

    // ---- autograd ------------------------------------------------------------------------

    public bool requires_grad
    {
        get => Native.imbf_requires_grad(Handle) != 0;
        set => Native.Check(Native.imbf_set_requires_grad(Handle, value ? (byte)1 : (byte)0));
    }

    public Tensor requires_grad_(bool on = true)
    {
        requires_grad = on;
        return this;
    }

    public void backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        Native.Check(Native.imbf_backward(Handle, gradient?.Handle ?? TensorHandle.Null, retainGraph ? (byte)1 : (byte)0, createGraph ? (byte)1 : (byte)0));

    /// <summary>The accumulated gradient as a new handle (dispose it, or let the scope do it), or null.</summary>
    public unsafe Tensor? grad
    {
        get
        {
            nint g;
            Native.Check(Native.imbf_grad(Handle, &g));
            return g == 0 ? null : new Tensor(g);
        }
    }

    public void zero_grad(bool setToNone = true) => Native.Check(Native.imbf_zero_grad(Handle, setToNone ? (byte)1 : (byte)0));

    public Tensor detach() => new(Native.imbf_detach(Handle));

    // ---- display -------------------------------------------------------------------------

    public override string ToString()
    {
        if (IsDisposed)
        {
            return "Tensor(disposed)";
        }

        var sb = new StringBuilder();
        sb.Append("Tensor(shape=[").AppendJoin(", ", shape).Append("], dtype=").Append(dtype)
          .Append(", device=").Append(device.ToString());
        if (numel() <= 16 && dtype is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Int64)
        {
            using var values = to(ScalarType.Float64);
            sb.Append(", values=[").AppendJoin(", ", values.ToArray<double>().Select(v => v.ToString("G6", CultureInfo.InvariantCulture))).Append(']');
        }

        return sb.Append(')').ToString();
    }
}
