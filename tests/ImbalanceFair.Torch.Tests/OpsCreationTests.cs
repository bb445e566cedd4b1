using static ImbalanceFair.Torch.Tests.Support.TensorAssert;

namespace ImbalanceFair.Torch.Tests;

public class OpsCreationTests
{
    [Fact]
    public void Zeros_ones_full_have_the_requested_shape_dtype_and_value()
    {
        using var scope = torch.NewDisposeScope();
        var z = torch.zeros([2, 3]);
        Assert.Equal(ScalarType.Float32, z.dtype);
        AssertValues(z, [2, 3], [0, 0, 0, 0, 0, 0]);

        var o = torch.ones([2, 2], ScalarType.Float64);
        Assert.Equal(ScalarType.Float64, o.dtype);
        Assert.Equal(new[] { 1.0, 1.0, 1.0, 1.0 }, o.ToArray<double>());

        var f = torch.full([3], 3.5);
        AssertValues(f, [3], [3.5, 3.5, 3.5]);
        AssertLongs(torch.full([2], 7, ScalarType.Int64), 7, 7);

        var s = torch.scalar_tensor(2.5);
        Assert.Empty(s.shape);
        Assert.Equal(1, s.numel());
        Assert.Equal(2.5, s.item());

        var like = F64([2, 1], 5, 6);
        var zl = torch.zeros_like(like);
        Assert.Equal(ScalarType.Float64, zl.dtype);
        AssertValues(zl, [2, 1], [0, 0]);
        AssertValues(torch.ones_like(like), [2, 1], [1, 1]);
        AssertValues(torch.full_like(like, -2), [2, 1], [-2, -2]);
        Assert.True(torch.empty([4, 5]).shape.SequenceEqual(new long[] { 4, 5 }));
    }

    [Fact]
    public void Arange_excludes_the_end_and_honours_step_and_dtype()
    {
        using var scope = torch.NewDisposeScope();
        AssertLongs(torch.arange(5), 0, 1, 2, 3, 4);
        var stepped = torch.arange(1, 2, 0.25, ScalarType.Float32);
        Assert.Equal(ScalarType.Float32, stepped.dtype);
        AssertValues(stepped, [4], [1, 1.25, 1.5, 1.75]);
        AssertLongs(torch.arange(5, 0, -2), 5, 3, 1);
    }

    [Fact]
    public void Linspace_includes_both_ends()
    {
        using var scope = torch.NewDisposeScope();
        AssertValues(torch.linspace(0, 1, 5), [5], [0, 0.25, 0.5, 0.75, 1]);
        var d = torch.linspace(-1, 1, 3, ScalarType.Float64);
        Assert.Equal(new[] { -1.0, 0.0, 1.0 }, d.ToArray<double>());
    }

    [Fact]
    public void Eye_is_the_identity()
    {
        using var scope = torch.NewDisposeScope();
        AssertValues(torch.eye(3), [3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    }

    [Fact]
    public void Rand_is_uniform_on_the_unit_interval()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        var v = torch.rand([20000]).ToArray<float>();
        Assert.All(v, x => Assert.InRange(x, 0f, 0.99999994f));
        // U(0,1): mean 1/2 (s.e. 0.002 at n = 20000), variance 1/12 = 0.08333.
        var mean = v.Average(x => (double)x);
        var variance = v.Average(x => (x - mean) * (x - mean));
        Assert.InRange(mean, 0.49, 0.51);
        Assert.InRange(variance, 0.0803, 0.0863);
        // Both halves of the interval are populated.
        Assert.InRange(v.Count(x => x < 0.5f) / 20000.0, 0.48, 0.52);
    }

    [Fact]
    public void Randn_is_standard_normal()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(2);
        var v = torch.randn([20000], ScalarType.Float64).ToArray<double>();
        var mean = v.Average();
        var std = Math.Sqrt(v.Average(x => (x - mean) * (x - mean)));
        Assert.InRange(mean, -0.03, 0.03);
        Assert.InRange(std, 0.97, 1.03);
        // P(|z| > 1) = 0.3173 for N(0, 1).
        Assert.InRange(v.Count(x => Math.Abs(x) > 1) / 20000.0, 0.30, 0.335);
    }

    [Fact]
    public void Randint_draws_every_value_of_the_half_open_range()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        var t = torch.randint(3, 7, [2000]);
        Assert.Equal(ScalarType.Int64, t.dtype);
        var counts = t.ToArray<long>().GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new long[] { 3, 4, 5, 6 }, counts.Keys.Order().ToArray());
        Assert.All(counts.Values, c => Assert.InRange(c, 400, 600));
        AssertShape(torch.randint(0, 2, [2, 3], ScalarType.Int32), 2, 3);
    }

    [Fact]
    public void Randperm_is_a_permutation()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(4);
        var p = torch.randperm(10).ToArray<long>();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), p.Order());
        Assert.NotEqual(Enumerable.Range(0, 10).Select(i => (long)i), p);
    }

    [Fact]
    public void Manual_seed_makes_the_stream_reproducible()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(123);
        var a = torch.rand([5]).ToArray<float>();
        var b = torch.randn([5]).ToArray<float>();
        var c = torch.randint(0, 1000, [5]).ToArray<long>();
        var d = torch.randperm(8).ToArray<long>();
        torch.manual_seed(123);
        Assert.Equal(a, torch.rand([5]).ToArray<float>());
        Assert.Equal(b, torch.randn([5]).ToArray<float>());
        Assert.Equal(c, torch.randint(0, 1000, [5]).ToArray<long>());
        Assert.Equal(d, torch.randperm(8).ToArray<long>());
        torch.manual_seed(124);
        Assert.NotEqual(a, torch.rand([5]).ToArray<float>());
    }

    [Fact]
    public void Manual_seed_gives_pytorchs_cpu_stream()
    {
        using var scope = torch.NewDisposeScope();
        // Python: torch.manual_seed(0); torch.rand(3) -> [0.4963, 0.7682, 0.0885]
        torch.manual_seed(0);
        AssertValues(torch.rand([3]), [0.4963, 0.7682, 0.0885], 1e-4);
        // Python: torch.manual_seed(0); torch.randn(5) -> [1.5410, -0.2934, -2.1788, 0.5684, -1.0845]
        torch.manual_seed(0);
        AssertValues(torch.randn([5]), [1.5410, -0.2934, -2.1788, 0.5684, -1.0845], 1e-4);
    }

    [Fact]
    public void From_array_and_ToArray_round_trip_every_element_type()
    {
        using var scope = torch.NewDisposeScope();
        float[] f = [1.5f, -2.25f, 3e-8f, float.MaxValue, -0f, 6f];
        var tf = torch.from_array<float>(f, [2, 3]);
        Assert.Equal(ScalarType.Float32, tf.dtype);
        AssertShape(tf, 2, 3);
        Assert.Equal(f, tf.ToArray<float>());

        double[] d = [Math.PI, -1e300, 5e-324];
        var td = torch.from_array<double>(d, [3]);
        Assert.Equal(ScalarType.Float64, td.dtype);
        Assert.Equal(d, td.ToArray<double>());

        long[] l = [long.MinValue, -1, 0, long.MaxValue];
        var tl = torch.from_array<long>(l, [2, 2]);
        Assert.Equal(ScalarType.Int64, tl.dtype);
        Assert.Equal(l, tl.ToArray<long>());

        int[] i = [int.MinValue, 7, int.MaxValue];
        var ti = torch.tensor(i);
        Assert.Equal(ScalarType.Int32, ti.dtype);
        Assert.Equal(i, ti.ToArray<int>());

        bool[] b = [true, false, false, true, true];
        var tb = torch.tensor(b);
        Assert.Equal(ScalarType.Bool, tb.dtype);
        Assert.Equal(b, tb.ToArray<bool>());

        byte[] u = [0, 1, 127, 128, 255, 42];
        var tu = torch.from_array<byte>(u, [3, 2]);
        Assert.Equal(ScalarType.UInt8, tu.dtype);
        AssertShape(tu, 3, 2);
        Assert.Equal(u, tu.ToArray<byte>());

        var t2 = torch.tensor(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        AssertValues(t2, [2, 3], [1, 2, 3, 4, 5, 6]);
    }

    [Fact]
    public void From_array_rejects_a_wrong_count_and_ToArray_a_wrong_type()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Throws<ArgumentException>(() => torch.from_array<float>(new float[5], [2, 3]));
        var t = torch.zeros([2]);
        Assert.Throws<InvalidOperationException>(() => t.ToArray<double>());
        Assert.Throws<ArgumentException>(() => t.CopyTo<float>(new float[3]));
    }
}
