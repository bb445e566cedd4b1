namespace ImbalanceFair.Torch.Interop;

/// <summary>Op codes of the shim's unary table (Native/pointwise.cpp); keep the two in step.</summary>
internal enum UnaryOp
{
    Neg = 0, Exp = 1, Log = 2, Sqrt = 3, Rsqrt = 4, Abs = 5, Sign = 6, Sigmoid = 7, Tanh = 8, Relu = 9,
    Gelu = 10, GeluTanh = 11, QuickGelu = 12, Sin = 13, Cos = 14, Square = 15, Reciprocal = 16,
    Floor = 17, Ceil = 18, Round = 19, Log1p = 20, Expm1 = 21, Erf = 22, LogicalNot = 23, IsNan = 24,
    IsFinite = 25, Silu = 26, LogSigmoid = 27, Trunc = 28,
}

/// <summary>Op codes of the shim's binary table (Native/pointwise.cpp); keep the two in step.</summary>
internal enum BinaryOp
{
    Add = 0, Sub = 1, Mul = 2, Div = 3, Pow = 4, Maximum = 5, Minimum = 6, Eq = 7, Ne = 8, Lt = 9,
    Le = 10, Gt = 11, Ge = 12, Remainder = 13, LogicalAnd = 14, LogicalOr = 15, Atan2 = 16, FloorDivide = 17,
}
