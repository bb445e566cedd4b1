using static ImbalanceFair.Torch.Tests.Support.TensorAssert;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Torch.Tests;

public class OpsNnTests
{
    [Fact]
    public void Matmul_mm_for_matrices_vectors_and_batches()
    {
        using var scope = torch.NewDisposeScope();
        var a = F32([2, 2], 1, 2, 3, 4);
        var b = F32([2, 2], 5, 6, 7, 8);
        // [[1·5 + 2·7, 1·6 + 2·8], [3·5 + 4·7, 3·6 + 4·8]]
        AssertValues(a.matmul(b), [2, 2], [19, 22, 43, 50]);
        AssertValues(torch.matmul(a, b), [2, 2], [19, 22, 43, 50]);
        AssertValues(torch.mm(b, a), [2, 2], [23, 34, 31, 46]);
        AssertValues(a.matmul(F32(1, 1)), [2], [3, 7]);
        // [2, 3] x [3, 1]
        AssertValues(F32([2, 3], 1, 2, 3, 4, 5, 6).matmul(F32([3, 1], 1, 0, -1)), [2, 1], [-2, -2]);
        // A batch [2, 2, 2] times one matrix broadcasts.
        var batch = torch.stack([a, torch.eye(2)]);
        AssertValues(batch.matmul(b), [2, 2, 2], [19, 22, 43, 50, 5, 6, 7, 8]);
    }

    [Fact]
    public void Bmm_multiplies_matching_batches()
    {
        using var scope = torch.NewDisposeScope();
        var a = F32([2, 2, 2], 1, 0, 0, 1, 0, 1, 1, 0); // I and the swap matrix
        var b = F32([2, 2, 2], 1, 2, 3, 4, 1, 2, 3, 4);
        AssertValues(torch.bmm(a, b), [2, 2, 2], [1, 2, 3, 4, 3, 4, 1, 2]);
    }

    [Fact]
    public void Linear_is_x_times_w_transposed_plus_b()
    {
        using var scope = torch.NewDisposeScope();
        var x = F32([2, 3], 1, 2, 3, 0, 1, 0);
        var w = F32([2, 3], 1, 0, -1, 2, 1, 0);
        var b = F32(0.5f, -1);
        // row 0: [1 - 3, 2 + 2] + b; row 1: [0, 1] + b
        AssertValues(F.linear(x, w, b), [2, 2], [-1.5, 3, 0.5, 0]);
        AssertValues(F.linear(x, w), [2, 2], [-2, 4, 0, 1]);
        AssertValues(F.linear(F32(1, 2, 3), w, b), [2], [-1.5, 3]);
    }

    [Fact]
    public void Conv2d_is_a_cross_correlation_with_bias_stride_and_padding()
    {
        using var scope = torch.NewDisposeScope();
        // x = [[0,1,2],[3,4,5],[6,7,8]]; kernel 0 = [[1,2],[3,4]] (not flipped), kernel 1 = ones.
        var x = torch.arange(9, ScalarType.Float32).reshape(1, 1, 3, 3);
        var w = F32([2, 1, 2, 2], 1, 2, 3, 4, 1, 1, 1, 1);
        var b = F32(1, 0);
        // kernel 0: 0·1 + 1·2 + 3·3 + 4·4 = 27, 1 + 4 + 12 + 20 = 37, 3 + 8 + 18 + 28 = 57, 4 + 10 + 21 + 32 = 67; + 1.
        // kernel 1: window sums 0+1+3+4, 1+2+4+5, 3+4+6+7, 4+5+7+8.
        AssertValues(F.conv2d(x, w, b), [1, 2, 2, 2], [28, 38, 58, 68, 8, 12, 20, 24]);
        // padding 1, stride 2 over the zero-padded 5x5: windows at rows/cols {-1, 0} and {1, 2}.
        // (-1,-1): 4·x00 = 0; (-1,1): 3·x01 + 4·x02 = 11; (1,-1): 2·x10 + 4·x20 = 30; (1,1): 67.
        AssertValues(F.conv2d(x, w.narrow(0, 0, 1), stride: 2, padding: 1), [1, 1, 2, 2], [0, 11, 30, 67]);
        // dilation 2 on 3x3: one output, taps x00, x02, x20, x22 = 0·1 + 2·2 + 6·3 + 8·4.
        AssertValues(F.conv2d(x, w.narrow(0, 0, 1), dilation: 2), [1, 1, 1, 1], [54]);
    }

    [Fact]
    public void Layer_norm_normalises_the_last_dimensions()
    {
        using var scope = torch.NewDisposeScope();
        // row 0: mean 2.5, biased variance 1.25 -> (x - 2.5) / sqrt(1.25 + 1e-5)
        // row 1: mean 0, variance 1 -> x / sqrt(1 + 1e-5)
        var x = F32([2, 4], 1, 2, 3, 4, -1, 1, -1, 1);
        const double r0 = 1.3416354199689269, r1 = 0.4472118066563090, s = 0.99999500003749968;
        AssertValues(F.layer_norm(x, [4]), [2, 4], [-r0, -r1, r1, r0, -s, s, -s, s]);
        var w = F32(1, 2, 1, 1);
        var b = F32(0, 0, 1, 0);
        AssertValues(F.layer_norm(x, [4], w, b), [2, 4], [-r0, -2 * r1, r1 + 1, r0, -s, 2 * s, 1 - s, s]);
        // Over both dimensions: mean 1.25, variance of all eight values.
        var all = F.layer_norm(x, [2, 4], eps: 0);
        var v = new double[] { 1, 2, 3, 4, -1, 1, -1, 1 };
        var mean = v.Average();
        var sd = Math.Sqrt(v.Average(e => (e - mean) * (e - mean)));
        AssertValues(all, [2, 4], v.Select(e => (e - mean) / sd).ToArray());
    }

    [Fact]
    public void Gelu_exact_tanh_and_quick()
    {
        using var scope = torch.NewDisposeScope();
        var x = F32(-2, -1, 0, 0.5f, 1, 2);
        // 0.5 x (1 + erf(x / sqrt 2))
        AssertValues(F.gelu(x), [-0.04550026389635842, -0.15865525393145707, 0, 0.34573123063700656, 0.8413447460685429, 1.9544997361036416]);
        // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
        AssertValues(F.gelu(x, "tanh"), [-0.04540230591222494, -0.15880800939172324, 0, 0.34571400982514394, 0.8411919906082768, 1.954597694087775]);
        // x sigmoid(1.702 x)
        AssertValues(F.quick_gelu(x), [-0.06434137685579186, -0.1542042340671787, 0, 0.35038843660638014, 0.8457957659328212, 1.9356586231442083]);
        Assert.Throws<ArgumentException>(() => F.gelu(x, "erf"));
    }

    [Fact]
    public void Softmax_and_log_softmax()
    {
        using var scope = torch.NewDisposeScope();
        // e^k / (e + e^2 + e^3)
        AssertValues(F.softmax(F32(1, 2, 3), 0), [0.09003057317038046, 0.24472847105479767, 0.6652409557748219]);
        AssertValues(F.log_softmax(F32(1, 2, 3), 0), [-2.40760596444438, -1.4076059644443801, -0.4076059644443803]);
        // Along dim 0 of [[0, 0], [ln 3, 0]]: columns [1/4, 3/4] and [1/2, 1/2].
        var m = F32([2, 2], 0, 0, (float)Math.Log(3), 0);
        AssertValues(F.softmax(m, 0), [2, 2], [0.25, 0.5, 0.75, 0.5]);
        AssertValues(F.log_softmax(m, 0), [2, 2], [Math.Log(0.25), Math.Log(0.5), Math.Log(0.75), Math.Log(0.5)]);
        // Shift invariance keeps huge logits finite.
        AssertValues(F.softmax(F32(1000, 1000), -1), [0.5, 0.5]);
    }

    [Fact]
    public void Dropout_scales_kept_units_in_training_and_is_the_identity_in_eval()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        var x = torch.ones([20000]);
        var y = F.dropout(x, 0.5, training: true).ToArray<float>();
        // Each unit is dropped (0) or kept and scaled by 1 / (1 - p) = 2.
        Assert.All(y, v => Assert.True(v == 0f || v == 2f, $"unexpected value {v}"));
        Assert.InRange(y.Count(v => v == 0f) / 20000.0, 0.48, 0.52);
        var y3 = F.dropout(x, 0.3, training: true).ToArray<float>();
        Assert.All(y3, v => Assert.True(v == 0f || Math.Abs(v - 1 / 0.7) < 1e-6, $"unexpected value {v}"));
        Assert.InRange(y3.Count(v => v == 0f) / 20000.0, 0.28, 0.32);

        var z = F32(1, -2, 3);
        AssertValues(F.dropout(z, 0.5, training: false), [1, -2, 3]);
        AssertValues(F.dropout(z, 0, training: true), [1, -2, 3]);
        using var drop = new nn.Dropout(0.9);
        drop.eval();
        AssertValues(drop.call(z), [1, -2, 3]);
    }

    [Fact]
    public void Embedding_looks_up_rows()
    {
        using var scope = torch.NewDisposeScope();
        var weight = F32([3, 2], 0, 0, 1, 10, 2, 20);
        AssertValues(F.embedding(I64([2, 2], 2, 0, 1, 1), weight), [2, 2, 2], [2, 20, 0, 0, 1, 10, 1, 10]);
    }

    [Fact]
    public void Scaled_dot_product_attention_hand_values()
    {
        using var scope = torch.NewDisposeScope();
        // d = 4, so scores = q·k / 2 = [ln 3, 0] -> weights [3/4, 1/4]; out = 3/4 [4, 0] + 1/4 [0, 8] = [3, 2].
        var q = F64([1, 4], 2, 0, 0, 0);
        var k = F64([2, 4], Math.Log(3), 0, 0, 0, 0, 0, 0, 0);
        var v = F64([2, 2], 4, 0, 0, 8);
        AssertValues(F.scaled_dot_product_attention(q, k, v), [1, 2], [3, 2], 1e-12);

        // With q = 0 every allowed key gets the same weight: outputs are means of the allowed value rows.
        var q0 = torch.zeros([3, 2], ScalarType.Float64);
        var k0 = F64([3, 2], 1, 2, 3, 4, 5, 6);
        var v0 = F64([3, 2], 1, 10, 2, 20, 6, 60);
        // causal: row i averages rows 0..i.
        AssertValues(F.scaled_dot_product_attention(q0, k0, v0, isCausal: true), [3, 2], [1, 10, 1.5, 15, 3, 30], 1e-12);
        // boolean mask, true = attend: row 0 sees {0, 2}, row 1 {1}, row 2 {0, 1, 2}.
        var mask = Bools([3, 3], true, false, true, false, true, false, true, true, true);
        AssertValues(F.scaled_dot_product_attention(q0, k0, v0, mask), [3, 2], [3.5, 35, 2, 20, 3, 30], 1e-12);
        // An additive float mask of -inf is the same as false.
        var additive = torch.zeros([3, 3], ScalarType.Float64).masked_fill(mask.logical_not(), double.NegativeInfinity);
        AssertValues(F.scaled_dot_product_attention(q0, k0, v0, additive), [3, 2], [3.5, 35, 2, 20, 3, 30], 1e-12);
    }

    [Fact]
    public void Scaled_dot_product_attention_matches_the_manual_formula()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        const int d = 4;
        var q = torch.randn([2, 3, 5, d], ScalarType.Float64);
        var k = torch.randn([2, 3, 5, d], ScalarType.Float64);
        var v = torch.randn([2, 3, 5, 6], ScalarType.Float64);
        Tensor Manual(Tensor? maskOut)
        {
            var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(d);
            if (maskOut is not null)
            {
                scores = scores.masked_fill(maskOut, double.NegativeInfinity);
            }

            return F.softmax(scores, -1).matmul(v);
        }

        AssertClose(F.scaled_dot_product_attention(q, k, v), Manual(null), 1e-12);
        // Causal: position i must not see j > i (the strict upper triangle is masked out).
        var future = torch.ones([5, 5]).triu(1).gt(0);
        var causal = F.scaled_dot_product_attention(q, k, v, isCausal: true);
        AssertClose(causal, Manual(future), 1e-12);
        // The first query only sees the first key: its output is v[..., 0, :].
        AssertClose(causal.select(2, 0), v.select(2, 0), 1e-12);
        // A boolean mask broadcast over batch and heads: true = attend.
        torch.manual_seed(8);
        var keep = torch.rand([5, 5]).gt(0.4).logical_or(torch.eye(5).gt(0));
        AssertClose(F.scaled_dot_product_attention(q, k, v, keep), Manual(keep.logical_not()), 1e-12);
    }

    [Fact]
    public void Cross_entropy_reductions_class_weights_label_smoothing_and_ignore_index()
    {
        using var scope = torch.NewDisposeScope();
        // log_softmax([1, 2, 3]) = [-2.4076, -1.4076, -0.4076]; log_softmax([1, 1, 1]) = -ln 3.
        var logits = F32([2, 3], 1, 2, 3, 1, 1, 1);
        var target = I64(2, 0);
        const double n0 = 0.4076059644443803, n1 = 1.0986122886681098;
        AssertValues(F.cross_entropy(logits, target, reduction: Reduction.None), [2], [n0, n1]);
        AssertValues(F.cross_entropy(logits, target), [], [(n0 + n1) / 2]);
        AssertValues(F.cross_entropy(logits, target, reduction: Reduction.Sum), [], [n0 + n1]);

        // Class weights [1, 2, 3]: per-sample w[y] · nll; the mean divides by the sum of the used weights (3 + 1).
        var w = F32(1, 2, 3);
        AssertValues(F.cross_entropy(logits, target, w, Reduction.None), [2], [3 * n0, n1]);
        AssertValues(F.cross_entropy(logits, target, w), [], [(3 * n0 + n1) / 4]);
        AssertValues(F.cross_entropy(logits, target, w, Reduction.Sum), [], [3 * n0 + n1]);

        // Label smoothing 0.1: (1 - 0.1) nll + 0.1 / 3 · Σ_c −log p_c. Row 0: Σ = 4.2228; row 1: 3 ln 3.
        AssertValues(F.cross_entropy(logits, target, reduction: Reduction.None, labelSmoothing: 0.1), [2],
            [0.5076059644443803, 1.0986122886681098]);
        AssertValues(F.cross_entropy(logits, target, labelSmoothing: 0.1), [], [0.8031091265562451]);
        // Both: 0.9 · weighted nll + 0.1 / 3 · Σ_i Σ_c w_c (−log p_ic) / Σ_i w_{y_i}.
        AssertValues(F.cross_entropy(logits, target, w, labelSmoothing: 0.1), [], [0.6309660369392392]);

        // ignore_index drops the second sample from the loss and from the mean.
        AssertValues(F.cross_entropy(logits, I64(2, -100)), [], [n0]);
        AssertValues(F.cross_entropy(logits, I64(2, 1), ignoreIndex: 1), [], [n0]);
    }

    [Fact]
    public void Normalize_divides_by_the_p_norm_with_an_eps_floor()
    {
        using var scope = torch.NewDisposeScope();
        // Rows: [3, 4] / 5, and [0, 0] stays 0 (eps keeps the division finite).
        AssertValues(F.normalize(F32([2, 2], 3, 4, 0, 0)), [2, 2], [0.6, 0.8, 0, 0]);
        AssertValues(F.normalize(F32([1, 2], 1, 3), p: 1), [1, 2], [0.25, 0.75]);
        AssertValues(F.normalize(F32([2, 2], 3, 1, 4, 1), dim: 0), [2, 2], [0.6, Math.Sqrt(0.5), 0.8, Math.Sqrt(0.5)]);
        AssertValues(F.normalize(F32([1, 2], 1e-3f, 0), eps: 0.1), [1, 2], [0.01, 0]);
    }

    [Fact]
    public void Interpolate_bilinear_2x2_to_4x4()
    {
        using var scope = torch.NewDisposeScope();
        // out = 1 + rx + 2 ry, where r are the source positions along each axis as a fraction of the gap.
        var x = F32([1, 1, 2, 2], 1, 2, 3, 4);
        // align_corners = false: src = (dst + 0.5) / 2 - 0.5, clamped to [0, 1] -> r = 0, 0.25, 0.75, 1.
        AssertValues(F.interpolate(x, 4, 4), [1, 1, 4, 4],
        [
            1.0, 1.25, 1.75, 2.0,
            1.5, 1.75, 2.25, 2.5,
            2.5, 2.75, 3.25, 3.5,
            3.0, 3.25, 3.75, 4.0,
        ]);
        // align_corners = true: src = dst / 3 -> r = 0, 1/3, 2/3, 1.
        AssertValues(F.interpolate(x, 4, 4, alignCorners: true), [1, 1, 4, 4],
        [
            1.0, 4.0 / 3, 5.0 / 3, 2.0,
            5.0 / 3, 2.0, 7.0 / 3, 8.0 / 3,
            7.0 / 3, 8.0 / 3, 3.0, 10.0 / 3,
            3.0, 10.0 / 3, 11.0 / 3, 4.0,
        ]);
        AssertValues(F.interpolate(x, 4, 4, InterpolationMode.Nearest), [1, 1, 4, 4],
        [
            1, 1, 2, 2,
            1, 1, 2, 2,
            3, 3, 4, 4,
            3, 3, 4, 4,
        ]);
        // Non-square: 2x2 -> 1x3 with align_corners: row r = 0; cols 0, 1/2, 1.
        AssertValues(F.interpolate(x, 1, 3, alignCorners: true), [1, 1, 1, 3], [1, 1.5, 2]);
    }
}
