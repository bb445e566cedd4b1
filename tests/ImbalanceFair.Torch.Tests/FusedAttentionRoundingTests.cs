using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Torch.Tests;

/// <summary>
/// Native/attention.cpp computes its inner products register-blocked, in one copy per instruction set (AVX-512, AVX2,
/// baseline) picked at load time. Each output element must still add its terms in the plain loops' order with plain
/// multiplies and adds, so that results are the same bits on every CPU: checked here bit for bit against those plain
/// loops written out in C# (IEEE single/double arithmetic, no FMA; exp from the same C library), forward and backward,
/// at shapes that hit every path (full 4-vector passes, single vectors, scalar tails, causal rows of every length).
/// </summary>
[Collection(nameof(NativeKernelCollection))]
public sealed class FusedAttentionRoundingTests : IDisposable
{
    public FusedAttentionRoundingTests() => torch.set_native_kernels(true);

    public void Dispose() => torch.set_native_kernels(true);

    [Theory]
    [InlineData(2, 3, 50, 50, 64, false)]  // ViT-B/32's blocks: 50 tokens, head size 64
    [InlineData(1, 2, 37, 37, 20, true)]   // causal text rows; 20 = one vector + a scalar tail
    [InlineData(1, 2, 5, 70, 16, false)]   // more keys than one 4-vector pass
    public void Float_kernel_rounds_as_the_plain_loops(int b, int h, int lq, int lk, int e, bool causal) =>
        Check<float>(b, h, lq, lk, e, causal, ScalarType.Float32);

    [Theory]
    [InlineData(1, 2, 19, 19, 8, true)]
    [InlineData(1, 1, 9, 33, 12, false)]
    public void Double_kernel_rounds_as_the_plain_loops(int b, int h, int lq, int lk, int e, bool causal) =>
        Check<double>(b, h, lq, lk, e, causal, ScalarType.Float64);

    private static void Check<T>(int b, int h, int lq, int lk, int e, bool causal, ScalarType type)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed((ulong)(lq * 31 + lk));
        var q = torch.randn([b, h, lq, e], type).requires_grad_();
        var k = torch.randn([b, h, lk, e], type).requires_grad_();
        var v = torch.randn([b, h, lk, e], type).requires_grad_();
        var dO = torch.randn([b, h, lq, e], type);
        var o = F.scaled_dot_product_attention(q, k, v, isCausal: causal);
        o.backward(dO);

        var (eo, edq, edk, edv) = PlainLoops(q.detach().ToArray<T>(), k.detach().ToArray<T>(), v.detach().ToArray<T>(), dO.ToArray<T>(),
            b * h, lq, lk, e, causal);
        Assert.Equal(eo, o.detach().ToArray<T>());
        Assert.Equal(edq, q.grad!.ToArray<T>());
        Assert.Equal(edk, k.grad!.ToArray<T>());
        Assert.Equal(edv, v.grad!.ToArray<T>());
    }

    /// <summary>attention.cpp's computation as plain loops, in the order each element's terms are added.</summary>
    private static (T[] o, T[] dq, T[] dk, T[] dv) PlainLoops<T>(T[] q, T[] k, T[] v, T[] dO, int blocks, int lq, int lk, int e, bool causal)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var scale = T.CreateTruncating(1.0 / Math.Sqrt(e));
        var o = new T[blocks * lq * e];
        var dq = new T[blocks * lq * e];
        var dk = new T[blocks * lk * e];
        var dv = new T[blocks * lk * e];
        var p = new T[lq * lk];
        var ds = new T[lk];
        for (var bh = 0; bh < blocks; bh++)
        {
            int Q(int i) => (bh * lq + i) * e;
            int K(int j) => (bh * lk + j) * e;
            for (var i = 0; i < lq; i++)
            {
                var n = causal ? Math.Min(i + 1, lk) : lk;
                var s = p.AsSpan(i * lk, lk);
                s.Clear();
                for (var x = 0; x < e; x++)
                {
                    var qe = q[Q(i) + x] * scale;
                    for (var j = 0; j < n; j++)
                    {
                        s[j] += qe * k[K(j) + x];
                    }
                }

                var m = T.NegativeInfinity;
                for (var j = 0; j < n; j++)
                {
                    m = T.Max(m, s[j]);
                }

                var sum = T.Zero;
                for (var j = 0; j < n; j++)
                {
                    s[j] = T.Exp(s[j] - m);
                    sum += s[j];
                }

                var inv = T.One / sum;
                for (var j = 0; j < n; j++)
                {
                    s[j] *= inv;
                }

                for (var j = 0; j < n; j++)
                {
                    for (var x = 0; x < e; x++)
                    {
                        o[Q(i) + x] += s[j] * v[K(j) + x];
                    }
                }
            }

            for (var i = 0; i < lq; i++)
            {
                var n = causal ? Math.Min(i + 1, lk) : lk;
                var pi = p.AsSpan(i * lk, lk);
                for (var j = 0; j < n; j++)
                {
                    for (var x = 0; x < e; x++)
                    {
                        dv[K(j) + x] += pi[j] * dO[Q(i) + x];
                    }
                }

                Array.Clear(ds);
                for (var x = 0; x < e; x++)
                {
                    for (var j = 0; j < n; j++)
                    {
                        ds[j] += dO[Q(i) + x] * v[K(j) + x];
                    }
                }

                var dot = T.Zero;
                for (var j = 0; j < n; j++)
                {
                    dot += pi[j] * ds[j];
                }

                for (var j = 0; j < n; j++)
                {
                    ds[j] = pi[j] * (ds[j] - dot) * scale;
                    for (var x = 0; x < e; x++)
                    {
                        dq[Q(i) + x] += ds[j] * k[K(j) + x];
                        dk[K(j) + x] += ds[j] * q[Q(i) + x];
                    }
                }
            }
        }

        return (o, dq, dk, dv);
    }
}
