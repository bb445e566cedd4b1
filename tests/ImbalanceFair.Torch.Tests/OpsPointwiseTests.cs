using static ImbalanceFair.Torch.Tests.Support.TensorAssert;

namespace ImbalanceFair.Torch.Tests;

public class OpsPointwiseTests
{
    private static Tensor A() => F32(1, 2, 3, 4);

    private static Tensor B() => F32(4, 3, 2, 1);

    [Fact]
    public void Tensor_tensor_arithmetic()
    {
        using var scope = torch.NewDisposeScope();
        AssertValues(A() + B(), [5, 5, 5, 5]);
        AssertValues(A() - B(), [-3, -1, 1, 3]);
        AssertValues(A() * B(), [4, 6, 6, 4]);
        AssertValues(A() / B(), [0.25, 2.0 / 3, 1.5, 4]);
        AssertValues(A().add(B(), alpha: 2), [9, 8, 7, 6]);
        AssertValues(A().sub(B()), [-3, -1, 1, 3]);
        AssertValues(A().mul(B()), [4, 6, 6, 4]);
        AssertValues(A().div(B()), [0.25, 2.0 / 3, 1.5, 4]);
        AssertValues(A().pow(B()), [1, 8, 9, 4]);
        AssertValues(-A(), [-1, -2, -3, -4]);
        // Broadcasting [2, 1] with [4] gives [2, 4].
        AssertValues(F32([2, 1], 10, 20) + A(), [2, 4], [11, 12, 13, 14, 21, 22, 23, 24]);
    }

    [Fact]
    public void Tensor_scalar_and_reflected_scalar_operators()
    {
        using var scope = torch.NewDisposeScope();
        AssertValues(A() + 1.5, [2.5, 3.5, 4.5, 5.5]);
        AssertValues(1.5 + A(), [2.5, 3.5, 4.5, 5.5]);
        AssertValues(A() - 1, [0, 1, 2, 3]);
        AssertValues(2 - A(), [1, 0, -1, -2]);
        AssertValues(A() * 3, [3, 6, 9, 12]);
        AssertValues(3 * A(), [3, 6, 9, 12]);
        AssertValues(A() / 2, [0.5, 1, 1.5, 2]);
        AssertValues(1 / A(), [1, 0.5, 1.0 / 3, 0.25]);
        AssertValues(12 / A(), [12, 6, 4, 3]);
        AssertValues(A().pow(2), [1, 4, 9, 16]);
        AssertValues(A().pow(0.5), [1, Math.Sqrt(2), Math.Sqrt(3), 2]);
        AssertValues(A().add(10), [11, 12, 13, 14]);
        AssertValues(A().sub(1), [0, 1, 2, 3]);
        AssertValues(A().mul(-1), [-1, -2, -3, -4]);
        AssertValues(A().div(4), [0.25, 0.5, 0.75, 1]);
        // Python's %: the result takes the divisor's sign; // floors.
        AssertValues(F32(-3, -1, 4, 5).remainder(3), [0, 2, 1, 2]);
        AssertValues(F32(-3, -1, 4, 5).floor_divide(2), [-2, -1, 2, 2]);
    }

    [Fact]
    public void Unary_maths()
    {
        using var scope = torch.NewDisposeScope();
        AssertValues(F32(0, 1, -1).exp(), [1, Math.E, 1 / Math.E]);
        AssertValues(F32(1, (float)Math.E, 0.5f).log(), [0, 1, Math.Log(0.5)]);
        AssertValues(F32(4, 9, 0).sqrt(), [2, 3, 0]);
        AssertValues(F32(4, 0.25f).rsqrt(), [0.5, 2]);
        AssertValues(F32(-1.5f, 0, 2).abs(), [1.5, 0, 2]);
        AssertValues(F32(0, 100, -100).sigmoid(), [0.5, 1, 0]);
        AssertValues(F32(0, 0.5f).tanh(), [0, Math.Tanh(0.5)]);
        AssertValues(F32(-1, 0, 2).relu(), [0, 0, 2]);
        AssertValues(F32(-1.5f, 1.5f, 2.5f).floor(), [-2, 1, 2]);
        AssertValues(F32(-1.5f, 1.5f, 2.1f).ceil(), [-1, 2, 3]);
        // round half to even, like torch.round.
        AssertValues(F32(0.5f, 1.5f, 2.5f, -0.5f).round(), [0, 2, 2, 0]);
        AssertValues(F32(-1.7f, 1.7f).trunc(), [-1, 1]);
        AssertValues(F32(2).square(), [4]);
        AssertValues(F32(4).reciprocal(), [0.25]);
        AssertValues(F32(0, (float)(Math.PI / 2)).sin(), [0, 1]);
        AssertValues(F32(0, (float)Math.PI).cos(), [1, -1]);
        AssertValues(F32(0, 1).erf(), [0, 0.8427007929497149]);
    }

    [Fact]
    public void Sign_of_negative_zero_and_positive()
    {
        using var scope = torch.NewDisposeScope();
        AssertValues(F32(-2, 0, 3.5f).sign(), [-1, 0, 1]);
        AssertValues(torch.sign(F32(-0.1f, 7)), [-1, 1]);
        AssertLongs(I64(-5, 0, 9).sign(), -1, 0, 1);
    }

    [Fact]
    public void In_place_forms_modify_and_return_the_same_tensor()
    {
        using var scope = torch.NewDisposeScope();
        var c = A();
        Assert.Same(c, c.add_(B()));
        AssertValues(c, [5, 5, 5, 5]);
        Assert.Same(c, c.mul_(2));
        AssertValues(c, [10, 10, 10, 10]);
        c.sub_(B());
        AssertValues(c, [6, 7, 8, 9]);
        c.div_(2);
        AssertValues(c, [3, 3.5, 4, 4.5]);
        c.add_(B(), alpha: -1);
        AssertValues(c, [-1, 0.5, 2, 3.5]);
        c.mul_(B());
        AssertValues(c, [-4, 1.5, 4, 3.5]);
        c.div_(B());
        AssertValues(c, [-1, 0.5, 2, 3.5]);
        c.sub_(0.5);
        AssertValues(c, [-1.5, 0, 1.5, 3]);
        c.add_(0.5);
        AssertValues(c, [-1, 0.5, 2, 3.5]);
        c.abs_();
        AssertValues(c, [1, 0.5, 2, 3.5]);
        c.pow_(2);
        AssertValues(c, [1, 0.25, 4, 12.25]);
        c.sqrt_();
        AssertValues(c, [1, 0.5, 2, 3.5]);
        c.neg_();
        AssertValues(c, [-1, -0.5, -2, -3.5]);
        c.relu_();
        AssertValues(c, [0, 0, 0, 0]);

        var d = F32(-2, 0, 0.5f, 3);
        d.sign_();
        AssertValues(d, [-1, 0, 1, 1]);
        var e = F32(0, 1);
        e.exp_();
        AssertValues(e, [1, Math.E]);

        var f = A();
        f.clamp_min_(2);
        AssertValues(f, [2, 2, 3, 4]);
        f.clamp_max_(3);
        AssertValues(f, [2, 2, 3, 3]);
        var g = A();
        g.clamp_(max: 2.5);
        AssertValues(g, [1, 2, 2.5, 2.5]);
        g.clamp_(min: 1.5, max: 2);
        AssertValues(g, [1.5, 2, 2, 2]);

        // addcmul_: x += v·t1·t2; addcdiv_: x += v·t1/t2.
        var h = A();
        h.addcmul_(A(), B(), 0.5);
        AssertValues(h, [3, 5, 6, 6]);
        h.addcdiv_(A(), B(), 2);
        AssertValues(h, [3.5, 5 + 4.0 / 3, 9, 14]);

        var l = A();
        l.lerp_(B(), 0.5);
        AssertValues(l, [2.5, 2.5, 2.5, 2.5]);
        l.fill_(7);
        AssertValues(l, [7, 7, 7, 7]);
        l.zero_();
        AssertValues(l, [0, 0, 0, 0]);
        l.copy_(B());
        AssertValues(l, [4, 3, 2, 1]);
    }

    [Fact]
    public void Comparisons_give_bool_tensors()
    {
        using var scope = torch.NewDisposeScope();
        var a = A();
        var c = F32(1, 3, 3, 0);
        AssertBools(a.eq(c), true, false, true, false);
        AssertBools(a.ne(c), false, true, false, true);
        AssertBools(a.lt(c), false, true, false, false);
        AssertBools(a.le(c), true, true, true, false);
        AssertBools(a.gt(c), false, false, false, true);
        AssertBools(a.ge(c), true, false, true, true);
        AssertBools(a.eq(2), false, true, false, false);
        AssertBools(a.ne(2), true, false, true, true);
        AssertBools(a.lt(2), true, false, false, false);
        AssertBools(a.le(2), true, true, false, false);
        AssertBools(a.gt(2), false, false, true, true);
        AssertBools(a.ge(2), false, true, true, true);
        AssertBools(a.gt(2).logical_and(a.lt(4)), false, false, true, false);
        AssertBools(a.lt(2).logical_or(a.gt(3)), true, false, false, true);
        AssertBools(a.gt(2).logical_not(), true, true, false, false);
        AssertBools(F32(float.NaN, 1, float.PositiveInfinity).isnan(), true, false, false);
        AssertBools(F32(float.NaN, 1, float.PositiveInfinity).isfinite(), false, true, false);
        AssertValues(a.maximum(c), [1, 3, 3, 4]);
        AssertValues(torch.minimum(a, c), [1, 2, 3, 0]);
        Assert.True(A().allclose(F32(1, 2, 3, 4.00001f)));
        Assert.False(A().allclose(F32(1, 2, 3, 4.1f)));
    }

    [Fact]
    public void Where_picks_from_a_where_the_condition_holds()
    {
        using var scope = torch.NewDisposeScope();
        var a = A();
        AssertValues(torch.where(a.gt(2), a, B()), [4, 3, 3, 4]);
        // Broadcast condition [2, 1] against [4].
        var w = torch.where(Bools([2, 1], true, false), A(), B());
        AssertValues(w, [2, 4], [1, 2, 3, 4, 4, 3, 2, 1]);
    }

    [Fact]
    public void Clamp_two_sided_and_one_sided()
    {
        using var scope = torch.NewDisposeScope();
        AssertValues(A().clamp(2, 3), [2, 2, 3, 3]);
        AssertValues(A().clamp(min: 2.5), [2.5, 2.5, 3, 4]);
        AssertValues(A().clamp(max: 2.5), [1, 2, 2.5, 2.5]);
        AssertValues(torch.clamp(A(), max: 0), [0, 0, 0, 0]);
        AssertValues(A().clamp_min(3), [3, 3, 3, 4]);
        AssertValues(A().clamp_max(2), [1, 2, 2, 2]);
        // Element-wise bounds.
        AssertValues(A().clamp(F32(2, 0, 0, 5), F32(3, 1, 9, 9)), [2, 1, 3, 5]);
        AssertValues(A().clamp(F32(0, 3, 0, 0), null), [1, 3, 3, 4]);
        AssertValues(A().clamp(null, F32(0, 3, 0, 9)), [0, 2, 0, 4]);
    }

    [Fact]
    public void Lerp_with_scalar_and_tensor_weights()
    {
        using var scope = torch.NewDisposeScope();
        // a + w (b - a), w = 0.25: b - a = [3, 1, -1, -3].
        AssertValues(A().lerp(B(), 0.25), [1.75, 2.25, 2.75, 3.25]);
        AssertValues(torch.lerp(A(), B(), 1), [4, 3, 2, 1]);
        AssertValues(A().lerp(B(), F32(0, 0.5f, 1, 0.25f)), [1, 2.5, 2, 3.25]);
    }

    [Fact]
    public void Masked_fill_replaces_where_the_mask_is_true()
    {
        using var scope = torch.NewDisposeScope();
        var a = A();
        AssertValues(a.masked_fill(a.gt(2), -1), [1, 2, -1, -1]);
        AssertValues(a, [1, 2, 3, 4]);
        var m = torch.zeros([2, 3]).masked_fill(Bools([3], false, true, false), double.NegativeInfinity);
        AssertValues(m, [2, 3], [0, double.NegativeInfinity, 0, 0, double.NegativeInfinity, 0]);
    }

    [Fact]
    public void Scalars_are_python_floats_on_integer_tensors_in_both_directions()
    {
        using var scope = torch.NewDisposeScope();
        var i = I64(1, 2);
        // torch.tensor([1, 2]) + 0.5 and 0.5 + torch.tensor([1, 2]) -> float32 [1.5, 2.5].
        var fwd = i + 0.5;
        Assert.Equal(ScalarType.Float32, fwd.dtype);
        AssertValues(fwd, [1.5, 2.5]);
        // 2.5 - t, 0.5 / t and 1.5 * t keep the fraction (no truncation of the scalar to the tensor's dtype).
        var sub = 2.5 - i;
        Assert.Equal(ScalarType.Float32, sub.dtype);
        AssertValues(sub, [1.5, 0.5]);
        AssertValues(0.5 / i, [0.5, 0.25]);
        AssertValues(1.5 * i, [1.5, 3]);
        // Same dtype whichever side the scalar is on.
        Assert.Equal((i - 2).dtype, (2 - i).dtype);
        // On float32 tensors the scalar does not widen the result.
        Assert.Equal(ScalarType.Float32, (1 / F32(2, 4)).dtype);
        AssertValues(1 / F32(2, 4), [0.5, 0.25]);
        Assert.Equal(ScalarType.Float64, (1 / F64(2, 4)).dtype);
    }
}
