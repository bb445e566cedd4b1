using ImbalanceFair.Tests.Shared;
using ImbalanceFair.Torch.Serialization;
using ImbalanceFair.Torch.Tests.Support;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Torch.Tests;

/// <summary>
/// The shim's own CPU kernels, with the settings under which they run (two intra-op threads, OpenBLAS on one),
/// against python3-torch's scaled-dot-product attention and F.linear: inputs and upstream gradients go to Python
/// through our safetensors writer; outputs and input gradients come back and must agree within 1e-5 (attention
/// element by element; linear, whose float32 GEMMs run on oneDNN here and on OpenBLAS in PyTorch, in norm).
/// </summary>
[Collection(nameof(NativeKernelCollection))]
public sealed class FusedKernelCrossCheckTests : IDisposable
{
    private const double Tolerance = 1e-5;

    private readonly int _threads = torch.get_num_threads();
    private readonly int? _blasThreads = torch.get_blas_num_threads();
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-kernels-");

    public FusedKernelCrossCheckTests()
    {
        torch.set_num_threads(2);
        torch.set_blas_num_threads(1);
    }

    public void Dispose()
    {
        torch.set_num_threads(_threads);
        if (_blasThreads is { } b and > 0)
        {
            torch.set_blas_num_threads(b);
        }

        _dir.Delete(recursive: true);
    }

    private const string Script = """
        import torch.nn.functional as F

        inputs, _ = st_load(sys.argv[1])

        def sdpa(q, k, v, causal):
            if hasattr(F, "scaled_dot_product_attention"):
                return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
            return F._scaled_dot_product_attention(q, k, v, None, 0.0, False, causal)[0]

        out = {}
        for causal in (False, True):
            name = "causal" if causal else "full"
            q, k, v = (inputs["attn." + n].clone().requires_grad_(True) for n in "qkv")
            o = sdpa(q, k, v, causal)
            o.backward(inputs["attn.grad"])
            out.update({f"{name}.out": o.detach(), f"{name}.q": q.grad, f"{name}.k": k.grad, f"{name}.v": v.grad})

        x, w, b = (inputs["linear." + n].clone().requires_grad_(True) for n in "xwb")
        y = F.linear(x, w, b)
        y.backward(inputs["linear.grad"])
        out.update({"linear.out": y.detach(), "linear.x": x.grad, "linear.w": w.grad, "linear.b": b.grad})
        st_save(sys.argv[2], out, {"torch": torch.__version__})
        """;

    [Fact]
    public void Attention_and_linear_match_pytorch_forward_and_backward()
    {
        Assert.True(torch.native_kernels_enabled(), "IMBFAIR_NATIVE_KERNELS=0 is set: this test checks the shim's own kernels");
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(21);
        var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            // [B, H, L, d] as the model's heads, with fewer keys than queries to exercise the causal corner.
            ["attn.q"] = torch.randn([4, 4, 17, 16]),
            ["attn.k"] = torch.randn([4, 4, 13, 16]),
            ["attn.v"] = torch.randn([4, 4, 13, 8]),
            ["attn.grad"] = torch.randn([4, 4, 17, 8]),
            ["linear.x"] = torch.randn([32, 17, 64]),
            ["linear.w"] = torch.randn([96, 64]),
            ["linear.b"] = torch.randn([96]),
            ["linear.grad"] = torch.randn([32, 17, 96]),
        };

        var ours = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var causal in new[] { false, true })
        {
            var name = causal ? "causal" : "full";
            var q = inputs["attn.q"].detach().requires_grad_();
            var k = inputs["attn.k"].detach().requires_grad_();
            var v = inputs["attn.v"].detach().requires_grad_();
            var o = F.scaled_dot_product_attention(q, k, v, isCausal: causal);
            o.backward(inputs["attn.grad"]);
            ours[$"{name}.out"] = o.detach();
            ours[$"{name}.q"] = q.grad!;
            ours[$"{name}.k"] = k.grad!;
            ours[$"{name}.v"] = v.grad!;
        }

        var x = inputs["linear.x"].detach().requires_grad_();
        var w = inputs["linear.w"].detach().requires_grad_();
        var b = inputs["linear.b"].detach().requires_grad_();
        var y = F.linear(x, w, b);
        y.backward(inputs["linear.grad"]);
        ours["linear.out"] = y.detach();
        ours["linear.x"] = x.grad!;
        ours["linear.w"] = w.grad!;
        ours["linear.b"] = b.grad!;

        var inputsPath = Path.Combine(_dir.FullName, "inputs.safetensors");
        var outputsPath = Path.Combine(_dir.FullName, "outputs.safetensors");
        SafeTensors.Save(inputsPath, inputs);
        Python.Run(PySafeTensors.Prelude + Script, inputsPath, outputsPath);
        using var theirs = SafeTensors.Load(outputsPath);
        Assert.Equal(ours.Keys.Order(StringComparer.Ordinal), theirs.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, mine) in ours)
        {
            if (name.StartsWith("linear.", StringComparison.Ordinal))
            {
                TensorAssert.AssertCloseInNorm(mine, theirs[name], Tolerance, name);
            }
            else
            {
                TensorAssert.AssertClose(mine, theirs[name], Tolerance, name);
            }
        }
    }
}
