using ImbalanceFair.Torch.Interop;

namespace ImbalanceFair.Torch;

public sealed partial class Tensor
{
    private Tensor Unary(UnaryOp op) => new(Native.imbf_unary((int)op, Handle));

    private Tensor UnaryInPlace(UnaryOp op)
    {
        Native.Check(Native.imbf_unary_((int)op, Handle));
        return this;
    }

    private Tensor Binary(BinaryOp op, Tensor other) => new(Native.imbf_binary((int)op, Handle, other.Handle));

    private Tensor Binary(BinaryOp op, double other) => new(Native.imbf_binary_scalar((int)op, Handle, other));

    private Tensor BinaryInPlace(BinaryOp op, Tensor other)
    {
        Native.Check(Native.imbf_binary_((int)op, Handle, other.Handle));
        return this;
    }

    private Tensor BinaryInPlace(BinaryOp op, double other)
    {
        Native.Check(Native.imbf_binary_scalar_((int)op, Handle, other));
        return this;
    }

    private static Tensor Reflected(BinaryOp op, double a, Tensor b) => new(Native.imbf_scalar_binary((int)op, a, b.Handle));

    // Integer scalars keep integer tensors integral, as Python ints do (C# picks these for integer literals).
    private Tensor Binary(BinaryOp op, long other) => new(Native.imbf_binary_scalar_i((int)op, Handle, other));

    private Tensor BinaryInPlace(BinaryOp op, long other)
    {
        Native.Check(Native.imbf_binary_scalar_i_((int)op, Handle, other));
        return this;
    }

    private static Tensor Reflected(BinaryOp op, long a, Tensor b) => new(Native.imbf_scalar_binary_i((int)op, a, b.Handle));

    public static Tensor operator +(Tensor a, long b) => a.Binary(BinaryOp.Add, b);
    public static Tensor operator +(long a, Tensor b) => b.Binary(BinaryOp.Add, a);
    public static Tensor operator -(Tensor a, long b) => a.Binary(BinaryOp.Sub, b);
    public static Tensor operator -(long a, Tensor b) => Reflected(BinaryOp.Sub, a, b);
    public static Tensor operator *(Tensor a, long b) => a.Binary(BinaryOp.Mul, b);
    public static Tensor operator *(long a, Tensor b) => b.Binary(BinaryOp.Mul, a);
    public static Tensor operator /(Tensor a, long b) => a.Binary(BinaryOp.Div, b);
    public static Tensor operator /(long a, Tensor b) => Reflected(BinaryOp.Div, a, b);
    public Tensor add(long other) => Binary(BinaryOp.Add, other);
    public Tensor sub(long other) => Binary(BinaryOp.Sub, other);
    public Tensor mul(long other) => Binary(BinaryOp.Mul, other);
    public Tensor div(long other) => Binary(BinaryOp.Div, other);
    public Tensor remainder(long other) => Binary(BinaryOp.Remainder, other);
    public Tensor floor_divide(long other) => Binary(BinaryOp.FloorDivide, other);
    public Tensor eq(long other) => Binary(BinaryOp.Eq, other);
    public Tensor ne(long other) => Binary(BinaryOp.Ne, other);
    public Tensor lt(long other) => Binary(BinaryOp.Lt, other);
    public Tensor le(long other) => Binary(BinaryOp.Le, other);
    public Tensor gt(long other) => Binary(BinaryOp.Gt, other);
    public Tensor ge(long other) => Binary(BinaryOp.Ge, other);
    public Tensor add_(long other) => BinaryInPlace(BinaryOp.Add, other);
    public Tensor sub_(long other) => BinaryInPlace(BinaryOp.Sub, other);
    public Tensor mul_(long other) => BinaryInPlace(BinaryOp.Mul, other);

    // ---- operators -------------------------------------------------------------------------
    public static Tensor operator +(Tensor a, Tensor b) => a.Binary(BinaryOp.Add, b);
    public static Tensor operator +(Tensor a, double b) => a.Binary(BinaryOp.Add, b);
    public static Tensor operator +(double a, Tensor b) => b.Binary(BinaryOp.Add, a);
    public static Tensor operator -(Tensor a, Tensor b) => a.Binary(BinaryOp.Sub, b);
    public static Tensor operator -(Tensor a, double b) => a.Binary(BinaryOp.Sub, b);
    public static Tensor operator -(double a, Tensor b) => Reflected(BinaryOp.Sub, a, b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Binary(BinaryOp.Mul, b);
    public static Tensor operator *(Tensor a, double b) => a.Binary(BinaryOp.Mul, b);
    public static Tensor operator *(double a, Tensor b) => b.Binary(BinaryOp.Mul, a);
    public static Tensor operator /(Tensor a, Tensor b) => a.Binary(BinaryOp.Div, b);
    public static Tensor operator /(Tensor a, double b) => a.Binary(BinaryOp.Div, b);
    public static Tensor operator /(double a, Tensor b) => Reflected(BinaryOp.Div, a, b);
    public static Tensor operator -(Tensor a) => a.Unary(UnaryOp.Neg);

    public Tensor add(Tensor other, double alpha = 1) => new(Native.imbf_add_alpha(Handle, other.Handle, alpha));
    public Tensor add(double other) => Binary(BinaryOp.Add, other);
    public Tensor sub(Tensor other) => Binary(BinaryOp.Sub, other);
    public Tensor sub(double other) => Binary(BinaryOp.Sub, other);
    public Tensor mul(Tensor other) => Binary(BinaryOp.Mul, other);
    public Tensor mul(double other) => Binary(BinaryOp.Mul, other);
    public Tensor div(Tensor other) => Binary(BinaryOp.Div, other);
    public Tensor div(double other) => Binary(BinaryOp.Div, other);
    public Tensor pow(Tensor exponent) => Binary(BinaryOp.Pow, exponent);
    public Tensor pow(double exponent) => Binary(BinaryOp.Pow, exponent);
    public Tensor maximum(Tensor other) => Binary(BinaryOp.Maximum, other);
    public Tensor minimum(Tensor other) => Binary(BinaryOp.Minimum, other);
    public Tensor remainder(double other) => Binary(BinaryOp.Remainder, other);
    public Tensor floor_divide(double other) => Binary(BinaryOp.FloorDivide, other);
    public Tensor atan2(Tensor other) => Binary(BinaryOp.Atan2, other);

    // ---- comparisons (bool tensors) -----------------------------------------------------------
    public Tensor eq(Tensor other) => Binary(BinaryOp.Eq, other);
    public Tensor eq(double other) => Binary(BinaryOp.Eq, other);
    public Tensor ne(Tensor other) => Binary(BinaryOp.Ne, other);
    public Tensor ne(double other) => Binary(BinaryOp.Ne, other);
    public Tensor lt(Tensor other) => Binary(BinaryOp.Lt, other);
    public Tensor lt(double other) => Binary(BinaryOp.Lt, other);
    public Tensor le(Tensor other) => Binary(BinaryOp.Le, other);
    public Tensor le(double other) => Binary(BinaryOp.Le, other);
    public Tensor gt(Tensor other) => Binary(BinaryOp.Gt, other);
    public Tensor gt(double other) => Binary(BinaryOp.Gt, other);
    public Tensor ge(Tensor other) => Binary(BinaryOp.Ge, other);
    public Tensor ge(double other) => Binary(BinaryOp.Ge, other);
    public Tensor logical_and(Tensor other) => Binary(BinaryOp.LogicalAnd, other);
    public Tensor logical_or(Tensor other) => Binary(BinaryOp.LogicalOr, other);
    public Tensor logical_not() => Unary(UnaryOp.LogicalNot);
    public Tensor isnan() => Unary(UnaryOp.IsNan);
    public Tensor isfinite() => Unary(UnaryOp.IsFinite);

    public unsafe bool allclose(Tensor other, double rtol = 1e-5, double atol = 1e-8)
    {
        byte result;
        Native.Check(Native.imbf_allclose(Handle, other.Handle, rtol, atol, &result));
        return result != 0;
    }

    // ---- unary maths --------------------------------------------------------------------------
    public Tensor neg() => Unary(UnaryOp.Neg);
    public Tensor exp() => Unary(UnaryOp.Exp);
    public Tensor log() => Unary(UnaryOp.Log);
    public Tensor sqrt() => Unary(UnaryOp.Sqrt);
    public Tensor rsqrt() => Unary(UnaryOp.Rsqrt);
    public Tensor abs() => Unary(UnaryOp.Abs);
    public Tensor sign() => Unary(UnaryOp.Sign);
    public Tensor sigmoid() => Unary(UnaryOp.Sigmoid);
    public Tensor tanh() => Unary(UnaryOp.Tanh);
    public Tensor relu() => Unary(UnaryOp.Relu);
    public Tensor sin() => Unary(UnaryOp.Sin);
    public Tensor cos() => Unary(UnaryOp.Cos);
    public Tensor square() => Unary(UnaryOp.Square);
    public Tensor reciprocal() => Unary(UnaryOp.Reciprocal);
    public Tensor floor() => Unary(UnaryOp.Floor);
    public Tensor ceil() => Unary(UnaryOp.Ceil);
    public Tensor round() => Unary(UnaryOp.Round);
    public Tensor trunc() => Unary(UnaryOp.Trunc);
    public Tensor log1p() => Unary(UnaryOp.Log1p);
    public Tensor expm1() => Unary(UnaryOp.Expm1);
    public Tensor erf() => Unary(UnaryOp.Erf);

    public Tensor clamp(double? min = null, double? max = null) =>
        new(Native.imbf_clamp(Handle, min ?? double.NaN, max ?? double.NaN));

    public Tensor clamp(Tensor? min, Tensor? max) => new(Native.imbf_clamp_t(Handle, min?.Handle ?? TensorHandle.Null, max?.Handle ?? TensorHandle.Null));

    public Tensor clamp_min(double min) => Binary(BinaryOp.Maximum, min);

    public Tensor clamp_max(double max) => Binary(BinaryOp.Minimum, max);

    public Tensor lerp(Tensor end, double weight) => new(Native.imbf_lerp(Handle, end.Handle, weight));

    public Tensor lerp(Tensor end, Tensor weight) => new(Native.imbf_lerp_t(Handle, end.Handle, weight.Handle));

    public Tensor masked_fill(Tensor mask, double value) => new(Native.imbf_masked_fill(Handle, mask.Handle, value));

    // ---- in place -----------------------------------------------------------------------------
    public Tensor add_(Tensor other, double alpha = 1)
    {
        Native.Check(Native.imbf_add_alpha_(Handle, other.Handle, alpha));
        return this;
    }

    public Tensor add_(double other) => BinaryInPlace(BinaryOp.Add, other);
    public Tensor sub_(Tensor other) => BinaryInPlace(BinaryOp.Sub, other);
    public Tensor sub_(double other) => BinaryInPlace(BinaryOp.Sub, other);
    public Tensor mul_(Tensor other) => BinaryInPlace(BinaryOp.Mul, other);
    public Tensor mul_(double other) => BinaryInPlace(BinaryOp.Mul, other);
    public Tensor div_(Tensor other) => BinaryInPlace(BinaryOp.Div, other);
    public Tensor div_(double other) => BinaryInPlace(BinaryOp.Div, other);
    public Tensor pow_(double exponent) => BinaryInPlace(BinaryOp.Pow, exponent);
    public Tensor clamp_min_(double min) => BinaryInPlace(BinaryOp.Maximum, min);
    public Tensor clamp_max_(double max) => BinaryInPlace(BinaryOp.Minimum, max);
    public Tensor neg_() => UnaryInPlace(UnaryOp.Neg);
    public Tensor exp_() => UnaryInPlace(UnaryOp.Exp);
    public Tensor sqrt_() => UnaryInPlace(UnaryOp.Sqrt);
    public Tensor abs_() => UnaryInPlace(UnaryOp.Abs);
    public Tensor sign_() => UnaryInPlace(UnaryOp.Sign);
    public Tensor relu_() => UnaryInPlace(UnaryOp.Relu);

    public Tensor clamp_(double? min = null, double? max = null)
    {
        Native.Check(Native.imbf_clamp_(Handle, min ?? double.NaN, max ?? double.NaN));
        return this;
    }

    public Tensor addcmul_(Tensor t1, Tensor t2, double value = 1)
    {
        Native.Check(Native.imbf_addcmul_(Handle, t1.Handle, t2.Handle, value));
        return this;
    }

    public Tensor addcdiv_(Tensor t1, Tensor t2, double value = 1)
    {
        Native.Check(Native.imbf_addcdiv_(Handle, t1.Handle, t2.Handle, value));
        return this;
    }

    public Tensor lerp_(Tensor end, double weight)
    {
        Native.Check(Native.imbf_lerp_(Handle, end.Handle, weight));
        return this;
    }

    public Tensor copy_(Tensor src)
    {
        Native.Check(Native.imbf_copy_(Handle, src.Handle));
        return this;
    }

    public Tensor fill_(double value)
    {
        Native.Check(Native.imbf_fill_(Handle, value));
        return this;
    }

    public Tensor zero_()
    {
        Native.Check(Native.imbf_zero_(Handle));
        return this;
    }

    public Tensor uniform_(double from = 0, double to = 1)
    {
        Native.Check(Native.imbf_uniform_(Handle, from, to));
        return this;
    }

    public Tensor normal_(double mean = 0, double std = 1)
    {
        Native.Check(Native.imbf_normal_(Handle, mean, std));
        return this;
    }
}
