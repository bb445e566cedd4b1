using static ImbalanceFair.Torch.Tests.Support.TensorAssert;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Torch.Tests;

/// <summary>The kernel tests flip process-wide switches (threads, the native-kernel switch): nothing else may run beside them.</summary>
[CollectionDefinition(nameof(NativeKernelCollection), DisableParallelization = true)]
public sealed class NativeKernelCollection;

/// <summary>
/// The shim's own CPU kernels (Native/attention.cpp: fused scaled-dot-product attention on libtorch 1.13;
/// Native/linear.cpp: linear layers with the GEMM split over the intra-op threads when OpenBLAS runs on one
/// thread) against libtorch's own path (the same call with <see cref="torch.set_native_kernels"/> off), forward and
/// backward, on two threads; and the cases they must leave to libtorch.
/// </summary>
[Collection(nameof(NativeKernelCollection))]
public sealed class FusedKernelTests : IDisposable
{
    private readonly int _threads = torch.get_num_threads();
    private readonly int? _blasThreads = torch.get_blas_num_threads();
    private readonly bool _kernels = torch.native_kernels_enabled();

    public FusedKernelTests()
    {
        // The settings under which both kernels run (imbfair's own: every core, OpenBLAS on one thread).
        torch.set_num_threads(2);
        torch.set_blas_num_threads(1);
        torch.set_native_kernels(true);
    }

    public void Dispose()
    {
        torch.set_num_threads(_threads);
        if (_blasThreads is { } b and > 0)
        {
            torch.set_blas_num_threads(b);
        }

        torch.set_native_kernels(_kernels);
    }

    /// <summary>Runs <paramref name="f"/> with the shim's kernels on and then off (libtorch's own path).</summary>
    private static (T on, T off) OnAndOff<T>(Func<T> f)
    {
        var on = f();
        torch.set_native_kernels(false);
        try
        {
            return (on, f());
        }
        finally
        {
            torch.set_native_kernels(true);
        }
    }

    private static void AssertSameBits(Tensor?[] actual, Tensor?[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i] is null, actual[i] is null);
            if (expected[i] is { } e)
            {
                Assert.Equal(e.shape, actual[i]!.shape);
                Assert.Equal(Values(e), Values(actual[i]!));
            }
        }
    }

    /// <summary>The model's layout: heads split from [B, L, H·d] by a view and a transpose (non-contiguous).</summary>
    private static Tensor Heads(Tensor t) => t.view(t.size(0), t.size(1), 4, t.size(2) / 4).transpose(1, 2);

    /// <summary>Output and input gradients (q, k, v) of attention against a fixed upstream gradient.</summary>
    private static Tensor[] AttentionAndGrads(Tensor q0, Tensor k0, Tensor v0, Tensor gradOut, bool causal, Tensor? mask = null, double dropout = 0)
    {
        var q = q0.detach().requires_grad_();
        var k = k0.detach().requires_grad_();
        var v = v0.detach().requires_grad_();
        var o = F.scaled_dot_product_attention(Heads(q), Heads(k), Heads(v), mask, dropout, causal);
        o.backward(gradOut);
        return [o.detach(), q.grad!, k.grad!, v.grad!];
    }

    public static TheoryData<ScalarType, bool, int> AttentionCases() => new()
    {
        { ScalarType.Float32, false, 17 },
        { ScalarType.Float32, true, 17 },
        { ScalarType.Float32, true, 11 },  // fewer keys than queries: causal rows see min(i + 1, Lk) keys
        { ScalarType.Float64, true, 23 },  // more keys than queries
    };

    [Theory]
    [MemberData(nameof(AttentionCases))]
    public void Attention_matches_libtorchs_own_path_forward_and_backward(ScalarType dtype, bool causal, int keys)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(11);
        var q = torch.randn([6, 17, 64], dtype);
        var k = torch.randn([6, keys, 64], dtype);
        var v = torch.randn([6, keys, 32], dtype);
        var gradOut = torch.randn([6, 4, 17, 8], dtype);

        var (fused, plain) = OnAndOff(() => AttentionAndGrads(q, k, v, gradOut, causal));

        var tol = dtype == ScalarType.Float64 ? 1e-12 : 1e-5;
        string[] names = ["output", "grad q", "grad k", "grad v"];
        for (var i = 0; i < fused.Length; i++)
        {
            AssertClose(fused[i], plain[i], tol, names[i]);
        }
    }

    [Fact]
    public void The_fused_attention_runs_where_it_applies()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(20);
        var q = torch.randn([6, 17, 64]);
        var gradOut = torch.randn([6, 4, 17, 16]);

        // It sums in another order than libtorch's bmm: identical bits everywhere would mean the switch did nothing.
        var (fused, plain) = OnAndOff(() => AttentionAndGrads(q, q, q, gradOut, causal: false));
        Assert.NotEqual(Values(plain[0]), Values(fused[0]));
    }

    [Fact]
    public void Attention_on_3d_and_2d_inputs_matches_libtorchs_own_path()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(15);
        foreach (long[] shape in new[] { new long[] { 3, 9, 16 }, [9, 16] })
        {
            var q = torch.randn(shape).requires_grad_();
            var (fused, plain) = OnAndOff(() =>
            {
                q.zero_grad();
                var o = F.scaled_dot_product_attention(q, q, q, isCausal: true);
                o.sum().backward();
                return new[] { o.detach(), q.grad!.clone() };
            });
            AssertClose(fused[0], plain[0], 1e-5, $"output {string.Join('x', shape)}");
            AssertClose(fused[1], plain[1], 1e-5, $"grad {string.Join('x', shape)}");
        }
    }

    [Fact]
    public void Attention_results_do_not_depend_on_the_thread_count_or_the_run()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(12);
        var q = torch.randn([8, 17, 64]);
        var k = torch.randn([8, 17, 64]);
        var v = torch.randn([8, 17, 64]);
        var gradOut = torch.randn([8, 4, 17, 16]);
        Tensor[] Run() => AttentionAndGrads(q, k, v, gradOut, causal: true);

        var two = Run();
        AssertSameBits(Run(), two);
        torch.set_num_threads(1);
        AssertSameBits(Run(), two);
    }

    public static TheoryData<ScalarType, bool, bool> LinearCases() => new()
    {
        { ScalarType.Float32, true, true },
        { ScalarType.Float32, false, true },
        { ScalarType.Float32, true, false },  // a first layer: only the weights need gradients
        { ScalarType.Float64, true, true },
    };

    private static Tensor?[] LinearAndGrads(Tensor x0, Tensor w0, Tensor? b0, Tensor gradOut, bool inputGrad)
    {
        var x = x0.detach().requires_grad_(inputGrad);
        var w = w0.detach().requires_grad_();
        var b = b0?.detach().requires_grad_();
        var y = F.linear(x, w, b);
        y.backward(gradOut);
        return [y.detach(), x.grad, w.grad, b?.grad];
    }

    [Theory]
    [MemberData(nameof(LinearCases))]
    public void Linear_matches_libtorchs_own_path_forward_and_backward(ScalarType dtype, bool withBias, bool inputGrad)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(13);
        var x = torch.randn([64, 17, 64], dtype);
        var w = torch.randn([96, 64], dtype);
        var b = withBias ? torch.randn([96], dtype) : null;
        var gradOut = torch.randn([64, 17, 96], dtype);

        var (split, plain) = OnAndOff(() => LinearAndGrads(x, w, b, gradOut, inputGrad));

        var tol = dtype == ScalarType.Float64 ? 1e-12 : 1e-5;
        string[] names = ["output", "grad x", "grad w", "grad b"];
        for (var i = 0; i < split.Length; i++)
        {
            Assert.Equal(plain[i] is null, split[i] is null);
            if (plain[i] is null)
            {
                continue;
            }

            // float32 runs on oneDNN's sgemm (another kernel than libtorch's BLAS: compared in norm); float64 on the BLAS.
            if (dtype == ScalarType.Float32 && torch.gemm_backend() == "onednn")
            {
                AssertCloseInNorm(split[i]!, plain[i]!, tol, names[i]);
            }
            else
            {
                AssertClose(split[i]!, plain[i]!, tol, names[i]);
            }
        }
    }

    [Fact]
    public void Linear_results_do_not_depend_on_the_thread_count_or_the_run()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(14);
        var x = torch.randn([300, 64]);
        var w = torch.randn([256, 64]);
        var b = torch.randn([256]);
        var gradOut = torch.randn([300, 256]);
        Tensor?[] Run() => LinearAndGrads(x, w, b, gradOut, inputGrad: true);

        var two = Run();
        AssertSameBits(Run(), two);
        torch.set_num_threads(3);
        AssertSameBits(Run(), two);
    }

    [Fact]
    public void Concurrent_callers_get_the_results_of_a_lone_caller()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(16);
        var q = torch.randn([8, 17, 64]);
        var gradAttention = torch.randn([8, 4, 17, 16]);
        var x = torch.randn([256, 64]);
        var w = torch.randn([128, 64]);
        var b = torch.randn([128]);
        var gradLinear = torch.randn([256, 128]);
        Tensor?[] Both()
        {
            using var inner = torch.NewDisposeScope();
            Tensor?[] results = [.. AttentionAndGrads(q, q, q, gradAttention, causal: true), .. LinearAndGrads(x, w, b, gradLinear, inputGrad: true)];
            foreach (var t in results)
            {
                t?.MoveToOuterDisposeScope();
            }

            return results;
        }

        var alone = Both();
        var results = new Tensor?[4][][];
        var threads = Enumerable.Range(0, results.Length).Select(i => new Thread(() =>
        {
            // Intra-op threads are per OS thread in an OpenMP libtorch: ask for two here too.
            torch.set_num_threads(2);
            results[i] = Enumerable.Range(0, 5).Select(_ => Both()).ToArray();
        })).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        foreach (var run in results.SelectMany(r => r))
        {
            AssertSameBits(run, alone);
        }
    }

    [Fact]
    public void Masks_dropout_and_bfloat16_are_left_to_libtorch()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(17);
        var q = torch.randn([2, 9, 32]);
        var gradOut = torch.randn([2, 4, 9, 8]);
        var mask = torch.randn([9, 9]).gt(-1);

        // Bit-identical on and off: the same libtorch code ran both times.
        var (masked, maskedPlain) = OnAndOff(() => AttentionAndGrads(q, q, q, gradOut, causal: false, mask));
        AssertSameBits(masked, maskedPlain);

        var (dropped, droppedPlain) = OnAndOff(() =>
        {
            torch.manual_seed(18);
            return AttentionAndGrads(q, q, q, gradOut, causal: false, dropout: 0.5);
        });
        AssertSameBits(dropped, droppedPlain);

        var qb = torch.randn([2, 4, 9, 8]).to(ScalarType.BFloat16);
        var (bf16, bf16Plain) = OnAndOff(() => new Tensor?[] { F.scaled_dot_product_attention(qb, qb, qb, isCausal: true) });
        AssertSameBits(bf16, bf16Plain);
        Assert.Equal(ScalarType.BFloat16, bf16[0]!.dtype);

        var xb = torch.randn([256, 64]).to(ScalarType.BFloat16);
        var wb = torch.randn([128, 64]).to(ScalarType.BFloat16);
        var (linear, linearPlain) = OnAndOff(() => new Tensor?[] { F.linear(xb, wb) });
        AssertSameBits(linear, linearPlain);
    }

    [Fact]
    public void Second_derivatives_match_libtorchs_own_path()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(19);
        var q0 = torch.randn([2, 9, 32]);
        var x0 = torch.randn([128, 64]);
        var w0 = torch.randn([64, 64]);

        // A gradient penalty: backward with create_graph, then the gradient of the gradient's square.
        Tensor[] Run()
        {
            var q = q0.detach().requires_grad_();
            var x = x0.detach().requires_grad_();
            var w = w0.detach().requires_grad_();
            var h = F.linear(x, w);
            var o = F.scaled_dot_product_attention(Heads(q), Heads(q), Heads(q), isCausal: true).sum() + h.tanh().sum();
            o.backward(createGraph: true);
            var penalty = q.grad!.pow(2).sum() + x.grad!.pow(2).sum() + w.grad!.pow(2).sum();
            var first = new[] { q.grad!.detach().clone(), x.grad!.detach().clone(), w.grad!.detach().clone() };
            q.zero_grad();
            x.zero_grad();
            w.zero_grad();
            penalty.backward();
            return [.. first, q.grad!, x.grad!, w.grad!];
        }

        var (fused, plain) = OnAndOff(Run);
        string[] names = ["grad q", "grad x", "grad w", "second q", "second x", "second w"];
        for (var i = 0; i < fused.Length; i++)
        {
            AssertClose(fused[i], plain[i], 1e-4, names[i]);
        }
    }
}
