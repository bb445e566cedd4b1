namespace ImbalanceFair.Torch.Tests.Support;

/// <summary>Short constructors and value assertions for the op tests (import with <c>using static</c>).</summary>
public static class TensorAssert
{
    public static Tensor F32(params float[] values) => torch.from_array<float>(values, [values.Length]);

    public static Tensor F32(long[] shape, params float[] values) => torch.from_array<float>(values, shape);

    public static Tensor F64(params double[] values) => torch.from_array<double>(values, [values.Length]);

    public static Tensor F64(long[] shape, params double[] values) => torch.from_array<double>(values, shape);

    public static Tensor I64(params long[] values) => torch.from_array<long>(values, [values.Length]);

    public static Tensor I64(long[] shape, params long[] values) => torch.from_array<long>(values, shape);

    public static Tensor Bools(params bool[] values) => torch.from_array<bool>(values, [values.Length]);

    public static Tensor Bools(long[] shape, params bool[] values) => torch.from_array<bool>(values, shape);

    /// <summary>The elements as float64, row-major (any dtype; the temporary copy is disposed).</summary>
    public static double[] Values(Tensor t)
    {
        using var d = t.to(ScalarType.Float64);
        return d.ToArray<double>();
    }

    public static void AssertShape(Tensor t, params long[] shape) => Assert.Equal(shape, t.shape);

    /// <summary>Element-wise |actual - expected| ≤ tol · max(1, |expected|).</summary>
    public static void AssertValues(Tensor t, double[] expected, double tol = 1e-5)
    {
        var actual = Values(t);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var ok = double.IsNaN(expected[i]) ? double.IsNaN(actual[i])
                : double.IsInfinity(expected[i]) ? expected[i] == actual[i]
                : Math.Abs(actual[i] - expected[i]) <= tol * Math.Max(1, Math.Abs(expected[i]));
            Assert.True(ok, $"element {i}: expected {expected[i]:R}, got {actual[i]:R} (all: [{string.Join(", ", actual)}])");
        }
    }

    /// <summary>
    /// Same shape, and every element within tol · max(1, |expected|); reports only the worst element, for tensors
    /// with too many elements for <see cref="AssertValues(Tensor, double[], double)"/>'s all-values message.
    /// </summary>
    public static void AssertClose(Tensor actual, Tensor expected, double tol, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var a = Values(actual);
        var e = Values(expected);
        var worst = 0;
        var worstExcess = double.NegativeInfinity;
        for (var i = 0; i < e.Length; i++)
        {
            var excess = Math.Abs(a[i] - e[i]) - (tol * Math.Max(1, Math.Abs(e[i])));
            if (!(excess <= worstExcess))
            {
                worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess;
                worst = i;
            }
        }

        Assert.True(worstExcess <= 0, $"{what}: element {worst} of {e.Length} is {a[worst]:R}, expected {e[worst]:R} (tolerance {tol} relative)");
    }

    /// <summary>
    /// Same shape, and ‖actual − expected‖ ≤ tol · ‖expected‖: for GEMM results from two different kernels, whose
    /// sums over K terms round differently; element by element a cancelling sum is off by more than 1e-5 of itself
    /// in every fp32 GEMM, OpenBLAS's included (docs/performance.md).
    /// </summary>
    public static void AssertCloseInNorm(Tensor actual, Tensor expected, double tol, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var a = Values(actual);
        var e = Values(expected);
        double diff = 0, norm = 0;
        for (var i = 0; i < e.Length; i++)
        {
            diff += (a[i] - e[i]) * (a[i] - e[i]);
            norm += e[i] * e[i];
        }

        var relative = Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), double.Epsilon);
        Assert.True(relative <= tol, $"{what}: ‖actual − expected‖ / ‖expected‖ = {relative:E2} (tolerance {tol})");
    }

    public static void AssertValues(Tensor t, long[] shape, double[] expected, double tol = 1e-5)
    {
        AssertShape(t, shape);
        AssertValues(t, expected, tol);
    }

    /// <summary>An int64 tensor with exactly these elements.</summary>
    public static void AssertLongs(Tensor t, params long[] expected)
    {
        Assert.Equal(ScalarType.Int64, t.dtype);
        Assert.Equal(expected, t.ToArray<long>());
    }

    /// <summary>A bool tensor with exactly these elements.</summary>
    public static void AssertBools(Tensor t, params bool[] expected)
    {
        Assert.Equal(ScalarType.Bool, t.dtype);
        Assert.Equal(expected, t.ToArray<bool>());
    }

    /// <summary>Two tensors of the same shape whose elements agree within tol · max(1, |b|).</summary>
    public static void AssertClose(Tensor a, Tensor b, double tol = 1e-6)
    {
        Assert.Equal(b.shape, a.shape);
        AssertValues(a, Values(b), tol);
    }
}
