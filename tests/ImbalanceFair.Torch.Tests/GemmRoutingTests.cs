using System.Runtime.InteropServices;
using static ImbalanceFair.Torch.Tests.Support.TensorAssert;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Torch.Tests;

/// <summary>
/// Native/gemm.cpp: float32 linear layers run their GEMMs on oneDNN's sgemm (JIT-compiled for this CPU, whatever
/// OpenBLAS's core type), at a ViT-B/32 layer's shapes, against libtorch's reference path (at::linear on the BLAS,
/// the shim's kernels off) and against a float64 product.
/// </summary>
[Collection(nameof(NativeKernelCollection))]
public sealed class GemmRoutingTests : IDisposable
{
    private readonly int _threads = torch.get_num_threads();
    private readonly bool _kernels = torch.native_kernels_enabled();

    public GemmRoutingTests()
    {
        torch.set_num_threads(2);
        torch.set_native_kernels(true);
        torch.set_onednn_gemm(true);
    }

    public void Dispose()
    {
        torch.set_num_threads(_threads);
        torch.set_native_kernels(_kernels);
        torch.set_onednn_gemm(true);
    }

    [Fact]
    public void Debian_libtorch_on_x86_64_routes_float32_gemms_to_onednn()
    {
        // Debian's libtorch links libdnnl; only an x86-64 build routes (oneDNN's sgemm elsewhere is a reference loop).
        Assert.Equal(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? "onednn" : "blas", torch.gemm_backend());
        torch.set_onednn_gemm(false);
        Assert.Equal("blas", torch.gemm_backend());
    }

    private static Tensor[] LinearAndGrads(Tensor x0, Tensor w0, Tensor b0, Tensor gradOut)
    {
        var x = x0.detach().requires_grad_();
        var w = w0.detach().requires_grad_();
        var b = b0.detach().requires_grad_();
        var y = F.linear(x, w, b);
        y.backward(gradOut);
        return [y.detach(), x.grad!, w.grad!, b.grad!];
    }

    [Theory]
    [InlineData(768, 3072)]  // an MLP's first layer (fc1)
    [InlineData(3072, 768)]  // its second (fc2): K = 3072
    public void Vit_b32_layer_matches_libtorchs_reference_path_and_float64(int inFeatures, int outFeatures)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(21);
        // 8 images of 50 tokens (a ViT-B/32 batch has 32: the same shapes with a quarter of the rows).
        var x = torch.randn([8, 50, inFeatures]);
        var w = torch.randn([outFeatures, inFeatures]) * (1.0 / Math.Sqrt(inFeatures));
        var b = torch.randn([outFeatures]);
        var gradOut = torch.randn([8, 50, outFeatures]);

        var routed = LinearAndGrads(x, w, b, gradOut);
        torch.set_native_kernels(false);
        var reference = LinearAndGrads(x, w, b, gradOut);
        torch.set_native_kernels(true);

        // float64 products from the same inputs: y = x Wᵀ + b, dx = dy W, dW = dyᵀ x, db = Σ dy.
        var x2 = x.reshape(-1, inFeatures).to(ScalarType.Float64);
        var g2 = gradOut.reshape(-1, outFeatures).to(ScalarType.Float64);
        var w64 = w.to(ScalarType.Float64);
        Tensor[] exact =
        [
            (x2.matmul(w64.t()) + b.to(ScalarType.Float64)).reshape(8, 50, outFeatures),
            g2.matmul(w64).reshape(8, 50, inFeatures),
            g2.t().matmul(x2),
            g2.sum(0),
        ];

        string[] names = ["output", "grad x", "grad w", "grad b"];
        for (var i = 0; i < names.Length; i++)
        {
            AssertCloseInNorm(routed[i], reference[i], 1e-5, names[i] + " vs libtorch");
            // As accurate as float32 allows: the BLAS path is ~3e-7 off float64 at these sizes.
            AssertCloseInNorm(routed[i].to(ScalarType.Float64), exact[i], 1e-6, names[i] + " vs float64");
        }
    }
}
