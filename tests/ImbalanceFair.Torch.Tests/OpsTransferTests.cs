using static ImbalanceFair.Torch.Tests.Support.TensorAssert;

namespace ImbalanceFair.Torch.Tests;

public class OpsTransferTests
{
    [Fact]
    public void To_dtype_converts_values()
    {
        using var scope = torch.NewDisposeScope();
        // float -> int64 truncates toward zero.
        var l = F32(1.7f, -1.7f, 2.5f).to(ScalarType.Int64);
        AssertLongs(l, 1, -1, 2);
        var f = I64(3, -4).to(ScalarType.Float32);
        Assert.Equal(ScalarType.Float32, f.dtype);
        Assert.Equal(new[] { 3f, -4f }, f.ToArray<float>());
        var d = F32(0.1f).to(ScalarType.Float64);
        Assert.Equal((double)0.1f, d.ToArray<double>()[0]);
        Assert.Equal(new[] { 1f, 0f }, Bools(true, false).@float().ToArray<float>());
        AssertBools(F32(0, 2, -0.5f).to(ScalarType.Bool), false, true, true);
        Assert.Equal(new byte[] { 255, 0, 7 }, I64(-1, 256, 7).to(ScalarType.UInt8).ToArray<byte>());
        AssertLongs(F64(9.99).@long(), 9);
        var h = F32(1.5f, -2).to(ScalarType.Float16);
        Assert.Equal(ScalarType.Float16, h.dtype);
        Assert.Equal(new[] { (Half)1.5f, (Half)(-2f) }, h.ToArray<Half>());
        var bf = F32(1.0078125f, 3).to(ScalarType.BFloat16);
        Assert.Equal(2, bf.ElementSize);
        AssertValues(bf, [1.0078125, 3], 0);
    }

    [Fact]
    public void Item_reads_one_element()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Equal(3.25, torch.scalar_tensor(3.25).item());
        Assert.Equal(3.25f, torch.scalar_tensor(3.25).ToSingle());
        Assert.Equal(-7, I64(-7).itemLong());
        Assert.Equal(9007199254740993L, I64(9007199254740993L).itemLong());
        Assert.Equal(4, F32([1, 1, 1], 4).item());
        Assert.Equal(1, Bools(true).item());
    }

    [Fact]
    public void Copy_to_host_reads_the_logical_row_major_order()
    {
        using var scope = torch.NewDisposeScope();
        var x = F32([2, 3], 0, 1, 2, 3, 4, 5);
        var t = x.t();
        Assert.False(t.is_contiguous());
        Assert.Equal(new[] { 0f, 3, 1, 4, 2, 5 }, t.ToArray<float>());
        var span = new float[6];
        t.CopyTo<float>(span);
        Assert.Equal(new[] { 0f, 3, 1, 4, 2, 5 }, span);
        // Expanded (stride 0) views materialise too.
        Assert.Equal(new[] { 1f, 2, 1, 2 }, F32(1, 2).expand(2, 2).ToArray<float>());
        // Raw little-endian bytes.
        var bytes = F32(1, -2).ToBytes();
        Assert.Equal(BitConverter.GetBytes(1f).Concat(BitConverter.GetBytes(-2f)), bytes);
        // A tensor that requires grad is read without detaching it first.
        var p = F32(5, 6).requires_grad_();
        Assert.Equal(new[] { 5f, 6f }, p.ToArray<float>());
        var c = p.clone();
        Assert.True(c.requires_grad);
        Assert.False(c.detach().requires_grad);
        Assert.Equal(new[] { 5f, 6f }, c.detach().ToArray<float>());
    }
}
