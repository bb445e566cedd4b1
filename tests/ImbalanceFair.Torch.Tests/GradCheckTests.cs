using ImbalanceFair.Torch.Tests.Support;
using static ImbalanceFair.Torch.Tests.Support.TensorAssert;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Torch.Tests;

/// <summary>Autograd through the bridge against central differences (float64, ε = 1e-6, 1e-6 relative).</summary>
public class GradCheckTests
{
    private static Tensor Input(long[] shape, ulong seed)
    {
        torch.manual_seed(seed);
        return torch.randn(shape, ScalarType.Float64).requires_grad_();
    }

    [Fact]
    public void GradCheck_detects_a_wrong_gradient()
    {
        using var scope = torch.NewDisposeScope();
        var x = Input([3], 1);
        // d/dx sum(x · detach(x)) is x to autograd but 2x numerically.
        var ex = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => GradCheck.Check(a => (a[0] * a[0].detach()).sum(), x));
        Assert.Contains("gradient check failed for 3 of 3", ex.Message);
        // And passes the honest version.
        GradCheck.Check(a => (a[0] * a[0]).sum(), x);
        Assert.Throws<ArgumentException>(() => GradCheck.Check(a => a[0].sum(), x.detach()));
    }

    [Fact]
    public void Linear()
    {
        using var scope = torch.NewDisposeScope();
        var x = Input([2, 3], 10);
        var w = Input([4, 3], 11);
        var b = Input([4], 12);
        GradCheck.Check(a => GradCheck.WeightedSum(F.linear(a[0], a[1], a[2])), x, w, b);
        GradCheck.Check(a => GradCheck.WeightedSum(F.linear(a[0], a[1])), x, w);
    }

    [Fact]
    public void Conv2d_with_bias_stride_and_padding()
    {
        using var scope = torch.NewDisposeScope();
        var x = Input([1, 2, 4, 4], 20);
        var w = Input([3, 2, 2, 2], 21);
        var b = Input([3], 22);
        GradCheck.Check(a => GradCheck.WeightedSum(F.conv2d(a[0], a[1], a[2])), x, w, b);
        GradCheck.Check(a => GradCheck.WeightedSum(F.conv2d(a[0], a[1], a[2], stride: 2, padding: 1)), x, w, b);
    }

    [Fact]
    public void Layer_norm_with_affine_parameters()
    {
        using var scope = torch.NewDisposeScope();
        var x = Input([2, 5], 30);
        var w = Input([5], 31);
        var b = Input([5], 32);
        GradCheck.Check(a => GradCheck.WeightedSum(F.layer_norm(a[0], [5], a[1], a[2])), x, w, b);
        GradCheck.Check(a => GradCheck.WeightedSum(F.layer_norm(a[0], [2, 5])), x);
    }

    [Fact]
    public void Scaled_dot_product_attention_plain_causal_and_masked()
    {
        using var scope = torch.NewDisposeScope();
        var q = Input([1, 3, 4], 40);
        var k = Input([1, 3, 4], 41);
        var v = Input([1, 3, 4], 42);
        GradCheck.Check(a => GradCheck.WeightedSum(F.scaled_dot_product_attention(a[0], a[1], a[2])), q, k, v);
        GradCheck.Check(a => GradCheck.WeightedSum(F.scaled_dot_product_attention(a[0], a[1], a[2], isCausal: true)), q, k, v);
        var mask = Bools([3, 3], true, false, true, true, true, false, false, true, true);
        GradCheck.Check(a => GradCheck.WeightedSum(F.scaled_dot_product_attention(a[0], a[1], a[2], a[3])), q, k, v, mask);
    }

    [Fact]
    public void Gelu_exact_and_tanh()
    {
        using var scope = torch.NewDisposeScope();
        var x = F64(-2.5, -1, -0.3, 0.1, 0.7, 1.9, 3).requires_grad_();
        GradCheck.Check(a => GradCheck.WeightedSum(F.gelu(a[0])), x);
        GradCheck.Check(a => GradCheck.WeightedSum(F.gelu(a[0], "tanh")), x);
        GradCheck.Check(a => GradCheck.WeightedSum(F.quick_gelu(a[0])), x);
    }

    [Fact]
    public void Cross_entropy_with_class_weights_and_label_smoothing()
    {
        using var scope = torch.NewDisposeScope();
        var logits = Input([4, 3], 50);
        var target = I64(2, 0, 1, 2);
        var weight = F64(0.5, 2, 1.25);
        GradCheck.Check(a => F.cross_entropy(a[0], a[1]), logits, target);
        GradCheck.Check(a => F.cross_entropy(a[0], a[1], a[2]), logits, target, weight);
        GradCheck.Check(a => F.cross_entropy(a[0], a[1], labelSmoothing: 0.2), logits, target);
        GradCheck.Check(a => F.cross_entropy(a[0], a[1], a[2], labelSmoothing: 0.2), logits, target, weight);
        GradCheck.Check(a => F.cross_entropy(a[0], a[1], a[2], Reduction.Sum, labelSmoothing: 0.1), logits, target, weight);
        GradCheck.Check(a => GradCheck.WeightedSum(F.cross_entropy(a[0], a[1], a[2], Reduction.None, labelSmoothing: 0.1)), logits, target, weight);
    }

    [Fact]
    public void Normalize_p2_and_p1()
    {
        using var scope = torch.NewDisposeScope();
        var x = Input([3, 4], 60);
        GradCheck.Check(a => GradCheck.WeightedSum(F.normalize(a[0])), x);
        GradCheck.Check(a => GradCheck.WeightedSum(F.normalize(a[0], dim: 0)), x);
        GradCheck.Check(a => GradCheck.WeightedSum(F.normalize(a[0], p: 1, dim: -1)), x);
    }
}
