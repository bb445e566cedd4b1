namespace ImbalanceFair.Torch.Tests;

/// <summary>Integer scalars behave like Python ints, floating ones like Python floats (PyTorch's type promotion).</summary>
public class IntegerScalarTests
{
    [Fact]
    public void Integer_scalars_keep_integer_tensors_integral()
    {
        using var scope = torch.NewDisposeScope();
        var y = torch.tensor(new long[] { 1, 2, 3 });

        var scaled = (y * 4) + 1;
        var reflected = 10 - y;

        Assert.Equal(ScalarType.Int64, scaled.dtype);
        Assert.Equal(new long[] { 5, 9, 13 }, scaled.ToArray<long>());
        Assert.Equal(ScalarType.Int64, reflected.dtype);
        Assert.Equal(new long[] { 9, 8, 7 }, reflected.ToArray<long>());
        Assert.Equal(new[] { true, false, true }, y.remainder(2).eq(1).ToArray<bool>());
    }

    [Fact]
    public void Floating_scalars_and_true_division_promote_to_float()
    {
        using var scope = torch.NewDisposeScope();
        var y = torch.tensor(new long[] { 1, 2, 3 });

        Assert.Equal(ScalarType.Float32, (y * 2.5).dtype);
        Assert.Equal(new[] { 0.5f, 1f, 1.5f }, (y / 2).ToArray<float>());
        Assert.Equal(new long[] { 0, 1, 1 }, y.floor_divide(2).ToArray<long>());
        Assert.Equal(new[] { 2f, 4f }, (torch.tensor(new[] { 1f, 2f }) * 2).ToArray<float>());
    }

    [Fact]
    public void In_place_integer_scalars()
    {
        using var scope = torch.NewDisposeScope();
        var y = torch.tensor(new long[] { 1, 2 });

        y.mul_(3).add_(1);

        Assert.Equal(new long[] { 4, 7 }, y.ToArray<long>());
    }
}
