using ImbalanceFair.Tests.Shared;
using System.Globalization;
using System.Text.Json;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Core.Training.Losses;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Training;

public class LossTests
{
    private static readonly string[] AllLosses = ["ce", "balanced-softmax", "logit-adjustment", "focal", "class-balanced"];

    /// <summary>
    /// The hand-computed case: 2 samples, 3 classes, float64.
    /// Sample 1: z = (ln 1, ln 2, ln 3), so e^z = (1, 2, 3), Σ = 6, p = (1/6, 2/6, 3/6); target 2, p_t = 1/2.
    /// Sample 2: z = (0, 0, 0), so e^z = (1, 1, 1), Σ = 3, p = (1/3, 1/3, 1/3); target 0, p_t = 1/3.
    /// Counts (1, 2, 3): π = (1/6, 2/6, 3/6).
    /// </summary>
    private static readonly double[] HandLogits = [0, Math.Log(2), Math.Log(3), 0, 0, 0];

    private static readonly long[] HandTargets = [2, 0];

    private static readonly long[] HandCounts = [1, 2, 3];

    private static double Value(string name, LossOptions options, long[] counts, double[] logits, long[] targets, int classes = 3)
    {
        using var scope = torch.NewDisposeScope();
        using var loss = Losses.Create(name, options, counts);
        var z = torch.from_array<double>(logits, [logits.Length / classes, classes]);
        var y = torch.tensor(targets);
        return loss.Compute(z, y).item();
    }

    [Fact]
    public void Registry_lists_the_five_losses_and_rejects_unknown_names_with_the_list()
    {
        Assert.Equal(AllLosses, Losses.Names);
        foreach (var name in AllLosses)
        {
            using var loss = Losses.Create(name, new LossOptions(), [10, 1]);
            Assert.Equal(name, loss.Name);
        }

        var e = Assert.Throws<ArgumentException>(() => Losses.Create("ldam", new LossOptions(), [1, 2]));
        Assert.Contains("'ldam'", e.Message, StringComparison.Ordinal);
        Assert.Contains(string.Join(", ", AllLosses), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cross_entropy_matches_the_hand_computed_value()
    {
        // ℓ₁ = −ln(1/2) = ln 2; ℓ₂ = −ln(1/3) = ln 3; mean = (ln 2 + ln 3) / 2 = ln(6) / 2 ≈ 0.895880.
        var expected = Math.Log(6) / 2;
        Assert.Equal(expected, Value("ce", new LossOptions(), HandCounts, HandLogits, HandTargets), 12);
    }

    [Fact]
    public void Balanced_softmax_matches_the_hand_computed_value()
    {
        // z + log π: e^(z+log π) = π·e^z.
        // Sample 1: (1·1/6, 2·2/6, 3·3/6) ∝ (1, 4, 9), Σ = 14, target 2 → ℓ₁ = −ln(9/14) = ln(14/9).
        // Sample 2: (1/6, 2/6, 3/6) ∝ (1, 2, 3), Σ = 6, target 0 → ℓ₂ = −ln(1/6) = ln 6.
        // mean = (ln(14/9) + ln 6) / 2 = ln(28/3) / 2 ≈ 1.116832.
        var expected = Math.Log(28.0 / 3) / 2;
        Assert.Equal(expected, Value("balanced-softmax", new LossOptions(), HandCounts, HandLogits, HandTargets), 12);

        // τ does not apply to balanced softmax.
        Assert.Equal(expected, Value("balanced-softmax", new LossOptions { Tau = 2 }, HandCounts, HandLogits, HandTargets), 12);
    }

    [Fact]
    public void Logit_adjustment_matches_the_hand_computed_value()
    {
        // τ = 2: e^(z+2 log π) = π²·e^z.
        // Sample 1: (1·1, 2·4, 3·9)/36 ∝ (1, 8, 27), Σ = 36, target 2 → ℓ₁ = −ln(27/36) = ln(4/3).
        // Sample 2: (1, 4, 9)/36 ∝ (1, 4, 9), Σ = 14, target 0 → ℓ₂ = −ln(1/14) = ln 14.
        // mean = (ln(4/3) + ln 14) / 2 = ln(56/3) / 2 ≈ 1.463424.
        Assert.Equal(Math.Log(56.0 / 3) / 2, Value("logit-adjustment", new LossOptions { Tau = 2 }, HandCounts, HandLogits, HandTargets), 12);

        // τ = 1 is balanced softmax; τ = 0 is cross-entropy.
        Assert.Equal(Math.Log(28.0 / 3) / 2, Value("logit-adjustment", new LossOptions { Tau = 1 }, HandCounts, HandLogits, HandTargets), 12);
        Assert.Equal(Math.Log(6) / 2, Value("logit-adjustment", new LossOptions { Tau = 0 }, HandCounts, HandLogits, HandTargets), 12);
    }

    [Fact]
    public void Focal_matches_the_hand_computed_value()
    {
        // γ = 2. Sample 1: p_t = 1/2, (1 − 1/2)² = 1/4, −ln p_t = ln 2 → ℓ₁ = ln(2)/4 ≈ 0.173287.
        // Sample 2: p_t = 1/3, (1 − 1/3)² = 4/9, −ln p_t = ln 3 → ℓ₂ = 4·ln(3)/9 ≈ 0.488272.
        // mean = (ln(2)/4 + 4 ln(3)/9) / 2 ≈ 0.330779.
        var expected = ((Math.Log(2) / 4) + (4 * Math.Log(3) / 9)) / 2;
        Assert.Equal(expected, Value("focal", new LossOptions { Gamma = 2 }, HandCounts, HandLogits, HandTargets), 12);

        // γ = 1: ((1/2)·ln 2 + (2/3)·ln 3) / 2; γ = 0 is cross-entropy.
        Assert.Equal(((Math.Log(2) / 2) + (2 * Math.Log(3) / 3)) / 2, Value("focal", new LossOptions { Gamma = 1 }, HandCounts, HandLogits, HandTargets), 12);
        Assert.Equal(Math.Log(6) / 2, Value("focal", new LossOptions { Gamma = 0 }, HandCounts, HandLogits, HandTargets), 12);
    }

    [Fact]
    public void Class_balanced_matches_the_hand_computed_value_and_divides_by_the_batch_size()
    {
        // β = 1/2, n = (1, 2, 3): 1 − β^n = (1/2, 3/4, 7/8); (1 − β)/(1 − β^n) = (1, 2/3, 4/7), Σ = 47/21.
        // Normalised to Σ w = C = 3: w = (3·21/47)·(1, 2/3, 4/7) = (63/47, 42/47, 36/47).
        // CE per sample: ℓ₁ = ln 2 (target 2, w = 36/47), ℓ₂ = ln 3 (target 0, w = 63/47).
        // Divided by the batch size B = 2 (the authors' reference code): (36/47·ln 2 + 63/47·ln 3) / 2 ≈ 0.801897.
        var options = new LossOptions { Beta = 0.5 };
        var expected = ((36.0 / 47 * Math.Log(2)) + (63.0 / 47 * Math.Log(3))) / 2;
        var actual = Value("class-balanced", options, HandCounts, HandLogits, HandTargets);
        Assert.Equal(expected, actual, 12);

        // Not PyTorch's weighted mean Σ w_{y_i} ℓ_i / Σ w_{y_i} = (36 ln 2 + 63 ln 3) / 99 ≈ 0.951175.
        Assert.NotEqual((36 * Math.Log(2) + (63 * Math.Log(3))) / 99, actual, 3);

        using var loss = (ClassBalancedLoss)Losses.Create("class-balanced", options, HandCounts);
        Assert.Equal([63.0 / 47, 42.0 / 47, 36.0 / 47], loss.Weights.ToArray(), new Tolerance(1e-14));
    }

    [Fact]
    public void Class_balanced_weights_at_the_ends_of_beta()
    {
        // β = 0: all weights 1 (plain CE). β = 1: the limit ∝ 1/n, normalised: (1, 1/2, 1/3)·3/(11/6) = (18, 9, 6)/11.
        Assert.Equal([1.0, 1.0, 1.0], ClassPriors.ClassBalancedWeights(HandCounts, 0), new Tolerance(1e-15));
        Assert.Equal([18.0 / 11, 9.0 / 11, 6.0 / 11], ClassPriors.ClassBalancedWeights(HandCounts, 1), new Tolerance(1e-15));
        Assert.Equal(Math.Log(6) / 2, Value("class-balanced", new LossOptions { Beta = 0 }, HandCounts, HandLogits, HandTargets), 12);

        // β = 0.9999 barely differs from 1/n at these counts, and the weights stay normalised.
        var w = ClassPriors.ClassBalancedWeights([5000, 50, 5], 0.9999);
        Assert.Equal(3, w.Sum(), 12);
        Assert.True(w[0] < w[1] && w[1] < w[2]);
    }

    [Fact]
    public void Zero_count_classes_are_treated_as_one_sample()
    {
        long[] withZero = [0, 2, 3];

        // π from counts clamped to (1, 2, 3): the hand-computed values above.
        Assert.Equal(Math.Log(28.0 / 3) / 2, Value("balanced-softmax", new LossOptions(), withZero, HandLogits, HandTargets), 12);
        Assert.Equal(Math.Log(56.0 / 3) / 2, Value("logit-adjustment", new LossOptions { Tau = 2 }, withZero, HandLogits, HandTargets), 12);
        Assert.Equal(
            ((36.0 / 47 * Math.Log(2)) + (63.0 / 47 * Math.Log(3))) / 2,
            Value("class-balanced", new LossOptions { Beta = 0.5 }, withZero, HandLogits, HandTargets), 12);

        // Every loss stays finite, in value and gradient, with the zero-count class as a target, even for β near 1.
        foreach (var name in AllLosses)
        {
            using var scope = torch.NewDisposeScope();
            using var loss = Losses.Create(name, new LossOptions(), [0, 0, 1000]);
            var z = torch.from_array<double>(HandLogits, [2, 3]).requires_grad_();
            var l = loss.Compute(z, torch.tensor(new long[] { 0, 1 }));
            l.backward();
            Assert.True(double.IsFinite(l.item()), name);
            Assert.All(z.grad!.ToArray<double>(), g => Assert.True(double.IsFinite(g), name));
        }
    }

    [Fact]
    public void Gradients_are_finite_for_extreme_logits()
    {
        // Logits of ±60 in float32 make p_t round to exactly 1 or underflow: the focal modulator's derivative
        // at 1 − p_t = 0 is infinite for γ < 1 unless handled.
        var rng = new SeededRandom(7, 1);
        var values = Enumerable.Range(0, 8 * 4).Select(_ => (float)((rng.NextDouble() * 120) - 60)).ToArray();
        var targets = Enumerable.Range(0, 8).Select(i => (long)(i % 4)).ToArray();
        foreach (var name in AllLosses)
        {
            foreach (var gamma in new[] { 0.0, 0.5, 2.0 })
            {
                using var scope = torch.NewDisposeScope();
                using var loss = Losses.Create(name, new LossOptions { Gamma = gamma, Tau = 1.5 }, [1000, 100, 10, 1]);
                var z = torch.tensor(values, [8, 4]).requires_grad_();
                var l = loss.Compute(z, torch.tensor(targets));
                l.backward();
                Assert.True(double.IsFinite(l.item()), $"{name} γ={gamma}");
                Assert.All(z.grad!.ToArray<float>(), g => Assert.True(float.IsFinite(g), $"{name} γ={gamma}: gradient {g}"));
            }
        }
    }

    private const string ReferenceScript = """
        # The papers' formulas written out in float64 (independent of the C# composition of library ops).
        import json, sys
        import numpy as np
        import torch

        d = json.loads(open(sys.argv[1]).read())
        z0 = torch.tensor(d["logits"], dtype=torch.float64)
        y = torch.tensor(d["targets"], dtype=torch.int64)
        B, C = z0.shape
        rows = torch.arange(B)
        counts = np.array(d["counts"], dtype=np.float64)
        n = np.maximum(counts, 1.0)                      # zero counts count as one
        prior = torch.tensor(n / n.sum(), dtype=torch.float64)

        def ce(z):                                       # −log(e^{z_y} / Σ_j e^{z_j})
            return -torch.log(torch.exp(z[rows, y]) / torch.exp(z).sum(1))

        def adjusted(tau):                               # −log(π_y^τ e^{z_y} / Σ_j π_j^τ e^{z_j})
            p = prior ** tau
            return lambda z: (-torch.log(p[y] * torch.exp(z[rows, y]) / (p[None, :] * torch.exp(z)).sum(1))).mean()

        def focal(gamma):                                # −(1 − p_t)^γ log p_t
            def f(z):
                pt = torch.exp(z[rows, y]) / torch.exp(z).sum(1)
                return (-((1 - pt) ** gamma) * torch.log(pt)).mean()
            return f

        def class_balanced(beta):                        # Cui et al.'s code: weights normalised to C, Σ w_y ℓ / B
            effective_num = 1.0 - np.power(beta, n)
            w = (1.0 - beta) / effective_num
            w = torch.tensor(w / np.sum(w) * C, dtype=torch.float64)
            return lambda z: (w[y] * ce(z)).sum() / B

        out = {}
        for i, o in enumerate(d["options"]):
            for name, f in [("ce", lambda z: ce(z).mean()), ("balanced-softmax", adjusted(1.0)),
                            ("logit-adjustment", adjusted(o["tau"])), ("focal", focal(o["gamma"])),
                            ("class-balanced", class_balanced(o["beta"]))]:
                z = z0.clone().requires_grad_(True)
                loss = f(z)
                loss.backward()
                out[f"{i}/{name}"] = {"loss": loss.item(), "grad": z.grad.flatten().tolist()}
        print(json.dumps(out))
        """;

    [Fact]
    public void Losses_match_the_paper_formulas_in_PyTorch_on_random_logits()
    {
        const int b = 16, c = 5;
        var rng = new SeededRandom(11, 2);
        var logits = Enumerable.Range(0, b * c).Select(_ => (rng.NextDouble() * 16) - 8).ToArray();
        var targets = Enumerable.Range(0, b).Select(_ => rng.NextInt64(c)).ToArray();
        long[] counts = [5000, 1200, 300, 40, 0];
        LossOptions[] options =
        [
            new(),
            new() { Tau = 1.5, Gamma = 0.5, Beta = 0.99 },
            new() { Tau = -0.5, Gamma = 1, Beta = 0.9 },
        ];

        var input = JsonSerializer.Serialize(new
        {
            logits = Enumerable.Range(0, b).Select(i => logits.Skip(i * c).Take(c).ToArray()).ToArray(),
            targets,
            counts,
            options = options.Select(o => new { tau = o.Tau, gamma = o.Gamma, beta = o.Beta }).ToArray(),
        });
        using var dir = new TempDir();
        var inputPath = dir.Write("input.json", input);
        var reference = JsonSerializer.Deserialize<Dictionary<string, Reference>>(Python.Run(ReferenceScript, inputPath))!;

        for (var i = 0; i < options.Length; i++)
        {
            foreach (var name in AllLosses)
            {
                var expected = reference[string.Create(CultureInfo.InvariantCulture, $"{i}/{name}")];
                using var loss = Losses.Create(name, options[i], counts);

                // float64: the same numbers to rounding error, value and gradient.
                using (var scope = torch.NewDisposeScope())
                {
                    var z = torch.from_array<double>(logits, [b, c]).requires_grad_();
                    var l = loss.Compute(z, torch.tensor(targets));
                    l.backward();
                    Assert.Equal(ScalarType.Float64, l.dtype);
                    Assert.True(Math.Abs(expected.loss - l.item()) <= 1e-9, $"{name} #{i}: {l.item()} vs {expected.loss}");
                    var grad = z.grad!.ToArray<double>();
                    for (var k = 0; k < grad.Length; k++)
                    {
                        Assert.True(Math.Abs(expected.grad[k] - grad[k]) <= 1e-9, $"{name} #{i}: grad[{k}] {grad[k]} vs {expected.grad[k]}");
                    }
                }

                // float32 (what training uses): within float32 rounding of the logits and the arithmetic.
                using (var scope = torch.NewDisposeScope())
                {
                    var l = loss.Compute(torch.from_array<double>(logits, [b, c]).to(ScalarType.Float32), torch.tensor(targets));
                    Assert.Equal(ScalarType.Float32, l.dtype);
                    Assert.True(Math.Abs(expected.loss - l.item()) <= 1e-5 * Math.Max(1, Math.Abs(expected.loss)), $"{name} #{i} float32: {l.item()} vs {expected.loss}");
                }
            }
        }
    }

    [Fact]
    public void Compute_leaves_only_its_result_in_the_callers_scope_and_upcasts_half_precision()
    {
        foreach (var name in AllLosses)
        {
            using var loss = Losses.Create(name, new LossOptions(), HandCounts);
            using var scope = torch.NewDisposeScope();
            var z = torch.from_array<double>(HandLogits, [2, 3]).to(ScalarType.BFloat16);
            var y = torch.tensor(HandTargets);
            var before = scope.Count;
            var l = loss.Compute(z, y);
            Assert.Equal(before + 1, scope.Count);
            Assert.Equal(ScalarType.Float32, l.dtype);
            Assert.Empty(l.shape);

            // A second call reuses the cached constants and still adds only its result.
            loss.Compute(z, y);
            Assert.Equal(before + 2, scope.Count);
        }
    }

    [Fact]
    public void Bad_inputs_and_options_are_rejected()
    {
        using var scope = torch.NewDisposeScope();
        using var loss = Losses.Create("ce", new LossOptions(), HandCounts);
        var y = torch.tensor(HandTargets);
        Assert.Throws<ArgumentException>(() => loss.Compute(torch.zeros([2, 4]), y));
        Assert.Throws<ArgumentException>(() => loss.Compute(torch.zeros([2, 3]), torch.tensor(new long[] { 0, 1, 2 })));
        Assert.Throws<ArgumentException>(() => loss.Compute(torch.zeros([2, 3]), torch.tensor(new int[] { 0, 1 })));
        Assert.Throws<ArgumentException>(() => loss.Compute(torch.zeros([2, 3], ScalarType.Int64), y));

        Assert.Throws<ArgumentException>(() => Losses.Create("ce", new LossOptions(), []));
        Assert.Throws<ArgumentException>(() => Losses.Create("balanced-softmax", new LossOptions(), [3, -1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.Create("focal", new LossOptions { Gamma = -1 }, HandCounts));
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.Create("class-balanced", new LossOptions { Beta = 1.5 }, HandCounts));
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.Create("logit-adjustment", new LossOptions { Tau = double.NaN }, HandCounts));

        loss.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loss.Compute(torch.zeros([2, 3]), y));
    }

    private sealed record Reference(double loss, double[] grad);

    private sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= eps;

        public int GetHashCode(double obj) => 0;
    }
}
