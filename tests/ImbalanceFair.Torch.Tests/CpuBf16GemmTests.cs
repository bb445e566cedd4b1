using System.Runtime.InteropServices;
using static ImbalanceFair.Torch.Tests.Support.TensorAssert;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Torch.Tests;

/// <summary>
/// torch.autocast on the CPU (Native/gemm.cpp, linear.cpp): float32 linear layers compute their GEMMs from bf16-rounded
/// operands with float32 accumulation (oneDNN's bf16 GEMM). Checked against float64 products of the same rounded
/// operands, which a bf16 GEMM with float32 accumulation matches to float32's summation error (every product of two
/// bf16 values is exact in float32), and against the unrounded products, which it must miss by bf16's rounding.
/// </summary>
[Collection(nameof(NativeKernelCollection))]
public sealed class CpuBf16GemmTests : IDisposable
{
    private readonly int _threads = torch.get_num_threads();

    public CpuBf16GemmTests()
    {
        torch.set_num_threads(2);
        torch.set_native_kernels(true);
        torch.set_onednn_gemm(true);
    }

    public void Dispose()
    {
        torch.set_num_threads(_threads);
        torch.set_native_kernels(true);
    }

    /// <summary>Why the bf16 tests are skipped here, or null where the CPU has bf16 instructions.</summary>
    private static string? Bf16Skip => torch.cpu_bf16_supported()
        ? null
        : "this CPU has no bf16 instructions (AVX512_BF16 or AMX-BF16), or libtorch no oneDNN";

    private sealed class Bf16FactAttribute : FactAttribute
    {
        public Bf16FactAttribute() => Skip = Bf16Skip;
    }

    private sealed class Bf16TheoryAttribute : TheoryAttribute
    {
        public Bf16TheoryAttribute() => Skip = Bf16Skip;
    }

    [Fact]
    public void Support_follows_the_cpu_flags_the_kernel_reports()
    {
        // The shim reads CPUID itself; /proc/cpuinfo is the kernel's independent reading of the same bits.
        var flags = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(' ') ?? []
            : [];
        var hardware = RuntimeInformation.ProcessArchitecture == Architecture.X64 && flags.Contains("avx512f")
            && (flags.Contains("avx512_bf16") || flags.Contains("amx_bf16"));
        var expected = hardware && torch.gemm_backend() == "onednn" && Environment.GetEnvironmentVariable("IMBFAIR_CPU_BF16") != "0";
        Assert.Equal(expected, torch.cpu_bf16_supported());
        torch.set_native_kernels(false);
        Assert.False(torch.cpu_bf16_supported(), "the bf16 GEMMs are one of the shim's kernels: off with them");
    }

    private static Tensor[] LinearAndGrads(Tensor x0, Tensor w0, Tensor b0, Tensor gradOut, bool autocast)
    {
        var x = x0.detach().requires_grad_();
        var w = w0.detach().requires_grad_();
        var b = b0.detach().requires_grad_();
        Tensor y;
        using (torch.autocast(autocast))
        {
            y = F.linear(x, w, b);
        }

        // Backward outside the region, as a training step runs it: the layer remembers how its forward ran.
        y.backward(gradOut);
        return [y.detach(), x.grad!, w.grad!, b.grad!];
    }

    private static Tensor Bf16(Tensor t) => t.to(ScalarType.BFloat16).to(ScalarType.Float64);

    private static double RelativeError(Tensor actual, Tensor expected) =>
        ((actual.to(ScalarType.Float64) - expected).norm().item() / expected.norm().item());

    [Bf16Theory]
    [InlineData(8, 50, 768, 3072)]  // ViT-B/32's fc1 on 8 images
    [InlineData(8, 50, 3072, 768)]  // fc2: K = 3072
    [InlineData(2, 3, 8, 5)]        // a layer far below the float32 route's size threshold: bf16 too
    public void Autocast_computes_linear_gemms_from_bf16_operands_with_float32_sums(int batch, int tokens, int inFeatures, int outFeatures)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        var x = torch.randn([batch, tokens, inFeatures]);
        var w = torch.randn([outFeatures, inFeatures]) * (1.0 / Math.Sqrt(inFeatures));
        var b = torch.randn([outFeatures]);
        var gradOut = torch.randn([batch, tokens, outFeatures]);

        var bf16 = LinearAndGrads(x, w, b, gradOut, autocast: true);

        var x2 = x.reshape(-1, inFeatures);
        var g2 = gradOut.reshape(-1, outFeatures);
        var b64 = b.to(ScalarType.Float64);
        Tensor[] rounded =
        [
            (Bf16(x2).matmul(Bf16(w).t()) + b64).reshape(batch, tokens, outFeatures),
            Bf16(g2).matmul(Bf16(w)).reshape(batch, tokens, inFeatures),
            Bf16(g2).t().matmul(Bf16(x2)),
            g2.to(ScalarType.Float64).sum(0),
        ];
        var x64 = x2.to(ScalarType.Float64);
        var g64 = g2.to(ScalarType.Float64);
        Tensor[] unrounded =
        [
            (x64.matmul(w.to(ScalarType.Float64).t()) + b64).reshape(batch, tokens, outFeatures),
            g64.matmul(w.to(ScalarType.Float64)).reshape(batch, tokens, inFeatures),
            g64.t().matmul(x64),
        ];

        string[] names = ["output", "grad x", "grad w", "grad b"];
        for (var i = 0; i < names.Length; i++)
        {
            Assert.Equal(ScalarType.Float32, bf16[i].dtype);
            AssertCloseInNorm(bf16[i].to(ScalarType.Float64), rounded[i], 1e-6, names[i] + " vs float64 of the bf16-rounded operands");
        }

        for (var i = 0; i < unrounded.Length; i++)
        {
            // bf16 keeps 8 significant bits: a product of rounded operands is ~1e-3 off, far above float32's 1e-7.
            var error = RelativeError(bf16[i], unrounded[i]);
            Assert.InRange(error, 1e-4, 1e-2);
        }
    }

    [Bf16Fact]
    public void Outside_autocast_and_after_it_layers_stay_float32()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(6);
        var x = torch.randn([64, 256]);
        var w = torch.randn([512, 256]) * (1.0 / 16);
        var exact = x.to(ScalarType.Float64).matmul(w.to(ScalarType.Float64).t());

        var before = F.linear(x, w);
        Tensor inner;
        using (torch.autocast())
        {
            using (torch.autocast())
            {
                F.linear(x, w);
            }

            // The nested region's end restores the enclosing region's state, not float32.
            inner = F.linear(x, w);
        }

        var after = F.linear(x, w);
        Assert.True(RelativeError(before, exact) < 1e-6, "float32 GEMMs outside the region");
        Assert.InRange(RelativeError(inner, exact), 1e-4, 1e-2);
        Assert.True(RelativeError(after, exact) < 1e-6, "the region's end restores float32 GEMMs");
    }

    [Bf16Fact]
    public void Bf16_gemms_repeat_bit_for_bit_across_thread_counts()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        var x = torch.randn([400, 768]);
        var w = torch.randn([3072, 768]) * (1.0 / Math.Sqrt(768));
        Tensor Run(int threads)
        {
            torch.set_num_threads(threads);
            using (torch.autocast())
            {
                return F.linear(x, w);
            }
        }

        var two = Run(2);
        var three = Run(3);
        Assert.Equal(Values(two), Values(three)); // each output row is one GEMM slice, summed in one order
        Assert.Equal(Values(two), Values(Run(2)));
    }

    [Bf16Fact]
    public void The_region_is_per_thread()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(8);
        var x = torch.randn([64, 256]);
        var w = torch.randn([512, 256]) * (1.0 / 16);
        var exact = x.to(ScalarType.Float64).matmul(w.to(ScalarType.Float64).t());
        using (torch.autocast())
        {
            Tensor? other = null;
            var thread = new Thread(() => other = F.linear(x, w).DetachFromDisposeScope());
            thread.Start();
            thread.Join();
            using var o = other!;
            Assert.True(RelativeError(o, exact) < 1e-6, "another thread's layers are not in this thread's region");
        }
    }
}
