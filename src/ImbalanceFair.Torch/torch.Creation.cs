using System.Runtime.InteropServices;
using ImbalanceFair.Torch.Interop;

namespace ImbalanceFair.Torch;

public static partial class torch
{
    private static Device Dev(Device? device) => device ?? Device.CPU;

    private static unsafe Tensor Shaped(long[] shape, Func<nint, int, nint> make)
    {
        fixed (long* p = shape)
        {
            return new Tensor(make((nint)p, shape.Length));
        }
    }

    public static unsafe Tensor empty(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Shaped(shape, (p, n) => Native.imbf_empty((long*)p, n, (int)dtype, (int)Dev(device).Type, Dev(device).Index));

    public static unsafe Tensor zeros(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requiresGrad = false) =>
        Shaped(shape, (p, n) => Native.imbf_zeros((long*)p, n, (int)dtype, (int)Dev(device).Type, Dev(device).Index)).requires_grad_(requiresGrad);

    public static unsafe Tensor ones(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requiresGrad = false) =>
        Shaped(shape, (p, n) => Native.imbf_ones((long*)p, n, (int)dtype, (int)Dev(device).Type, Dev(device).Index)).requires_grad_(requiresGrad);

    public static unsafe Tensor full(long[] shape, double value, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Shaped(shape, (p, n) => Native.imbf_full((long*)p, n, value, (int)dtype, (int)Dev(device).Type, Dev(device).Index));

    public static unsafe Tensor rand(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Shaped(shape, (p, n) => Native.imbf_rand((long*)p, n, (int)dtype, (int)Dev(device).Type, Dev(device).Index));

    public static unsafe Tensor randn(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Shaped(shape, (p, n) => Native.imbf_randn((long*)p, n, (int)dtype, (int)Dev(device).Type, Dev(device).Index));

    /// <summary>Integers uniform in [low, high).</summary>
    public static unsafe Tensor randint(long low, long high, long[] shape, ScalarType dtype = ScalarType.Int64, Device? device = null) =>
        Shaped(shape, (p, n) => Native.imbf_randint(low, high, (long*)p, n, (int)dtype, (int)Dev(device).Type, Dev(device).Index));

    public static Tensor randperm(long n, ScalarType dtype = ScalarType.Int64, Device? device = null) =>
        new(Native.imbf_randperm(n, (int)dtype, (int)Dev(device).Type, Dev(device).Index));

    public static Tensor arange(double end, ScalarType dtype = ScalarType.Int64, Device? device = null) => arange(0, end, 1, dtype, device);

    public static Tensor arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Int64, Device? device = null) =>
        new(Native.imbf_arange(start, end, step, (int)dtype, (int)Dev(device).Type, Dev(device).Index));

    public static Tensor linspace(double start, double end, long steps, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        new(Native.imbf_linspace(start, end, steps, (int)dtype, (int)Dev(device).Type, Dev(device).Index));

    public static Tensor eye(long n, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        new(Native.imbf_eye(n, (int)dtype, (int)Dev(device).Type, Dev(device).Index));

    public static Tensor multinomial(Tensor probs, long numSamples, bool replacement = false) =>
        new(Native.imbf_multinomial(probs.Handle, numSamples, replacement ? (byte)1 : (byte)0));

    public static Tensor bernoulli(Tensor probs) => new(Native.imbf_bernoulli(probs.Handle));

    public static Tensor zeros_like(Tensor t) => new(Native.imbf_zeros_like(t.Handle));

    public static Tensor ones_like(Tensor t) => new(Native.imbf_ones_like(t.Handle));

    public static Tensor full_like(Tensor t, double value) => new(Native.imbf_full_like(t.Handle, value));

    public static Tensor rand_like(Tensor t) => new(Native.imbf_rand_like(t.Handle));

    public static Tensor randn_like(Tensor t) => new(Native.imbf_randn_like(t.Handle));

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape (one memcpy).</summary>
    public static unsafe Tensor from_array<T>(ReadOnlySpan<T> data, long[] shape, Device? device = null) where T : unmanaged
    {
        long count = 1;
        foreach (var d in shape)
        {
            count *= d;
        }

        if (count != data.Length)
        {
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {count} elements but {data.Length} were given", nameof(shape));
        }

        var dev = Dev(device);
        fixed (T* src = data)
        fixed (long* dims = shape)
        {
            return new Tensor(Native.imbf_from_blob(src, dims, shape.Length, (int)ScalarTypeExtensions.Of<T>(), (int)dev.Type, dev.Index));
        }
    }

    public static Tensor tensor(float[] data, Device? device = null) => from_array<float>(data, [data.Length], device);

    public static Tensor tensor(double[] data, Device? device = null) => from_array<double>(data, [data.Length], device);

    public static Tensor tensor(long[] data, Device? device = null) => from_array<long>(data, [data.Length], device);

    public static Tensor tensor(int[] data, Device? device = null) => from_array<int>(data, [data.Length], device);

    public static Tensor tensor(bool[] data, Device? device = null) => from_array<bool>(data, [data.Length], device);

    public static Tensor tensor(float[] data, long[] shape, Device? device = null) => from_array<float>(data, shape, device);

    public static Tensor tensor(long[] data, long[] shape, Device? device = null) => from_array<long>(data, shape, device);

    public static Tensor tensor(float[,] data, Device? device = null) =>
        from_array<float>(MemoryMarshal.CreateReadOnlySpan(ref data[0, 0], data.Length), [data.GetLength(0), data.GetLength(1)], device);

    public static Tensor scalar_tensor(double value, ScalarType dtype = ScalarType.Float32, Device? device = null) => full([], value, dtype, device);

    /// <summary>A tensor from raw little-endian bytes of the given element type (used by the safetensors reader).</summary>
    public static unsafe Tensor from_bytes(ReadOnlySpan<byte> bytes, ScalarType dtype, long[] shape, Device? device = null)
    {
        long count = 1;
        foreach (var d in shape)
        {
            count *= d;
        }

        if (count * dtype.ElementSize() != bytes.Length)
        {
            throw new ArgumentException($"{bytes.Length} bytes do not hold [{string.Join(", ", shape)}] of {dtype}", nameof(bytes));
        }

        var dev = Dev(device);
        fixed (byte* src = bytes)
        fixed (long* dims = shape)
        {
            return new Tensor(Native.imbf_from_blob(src, dims, shape.Length, (int)dtype, (int)dev.Type, dev.Index));
        }
    }
}
