using ImbalanceFair.Tests.Shared;
using System.Globalization;
using System.Text.Json;
using ImbalanceFair.Torch.Tests.Support;

namespace ImbalanceFair.Torch.Tests;

/// <summary>AdamW and SGD against torch.optim (Debian's python3) on the same problem, and state dict round trips.</summary>
public sealed class OptimTests
{
    private const int Steps = 5;

    // Step index (0-based) at which the bias gets no gradient: torch.optim skips it, so its own step count lags.
    private const int BiasFrozenStep = 2;

    private const string TrajectoryScript = """
        import json, sys, torch
        torch.set_num_threads(1)
        cfg = json.loads(sys.argv[1])
        W = torch.tensor(cfg["W"], dtype=torch.float32).reshape(3, 4).requires_grad_()
        b = torch.tensor(cfg["B"], dtype=torch.float32).requires_grad_()
        x = torch.tensor(cfg["X"], dtype=torch.float32).reshape(5, 4)
        y = torch.tensor(cfg["Y"], dtype=torch.float32).reshape(5, 3)
        o = cfg["Opt"]
        if o["Name"] == "adamw":
            opt = torch.optim.AdamW([W, b], lr=o["Lr"], betas=(o["Beta1"], o["Beta2"]), eps=o["Eps"], weight_decay=o["Wd"])
        else:
            opt = torch.optim.SGD([W, b], lr=o["Lr"], momentum=o["Momentum"], dampening=o["Dampening"],
                                  weight_decay=o["Wd"], nesterov=o["Nesterov"])
        out = []
        for t in range(cfg["Steps"]):
            opt.zero_grad(set_to_none=True)
            bb = b.detach() if t == cfg["BiasFrozenStep"] else b
            loss = ((x @ W.T + bb - y) ** 2).mean()
            loss.backward()
            opt.step()
            out.append(W.detach().flatten().tolist() + b.detach().tolist())
        print(json.dumps(out))
        """;

    private sealed record OptConfig(
        string Name, double Lr, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8, double Wd = 0,
        double Momentum = 0, double Dampening = 0, bool Nesterov = false)
    {
        public optim.Optimizer Create(IEnumerable<Tensor> parameters) => Name == "adamw"
            ? new optim.AdamW(parameters, Lr, Beta1, Beta2, Eps, Wd)
            : new optim.SGD(parameters, Lr, Momentum, Dampening, Wd, Nesterov);

        public override string ToString() => JsonSerializer.Serialize(this);
    }

    [Theory]
    [InlineData(1e-3, 0.9, 0.999, 1e-8, 1e-2)] // PyTorch's defaults
    [InlineData(0.05, 0.8, 0.99, 1e-6, 0.1)]
    public void AdamW_trajectory_matches_torch_optim(double lr, double beta1, double beta2, double eps, double wd) =>
        CheckTrajectory(new OptConfig("adamw", lr, Beta1: beta1, Beta2: beta2, Eps: eps, Wd: wd));

    [Theory]
    [InlineData(0.1, 0.9, 0.0, 0.01, true)]
    [InlineData(0.05, 0.8, 0.3, 0.0, false)]
    [InlineData(0.1, 0.0, 0.0, 0.05, false)]
    public void SGD_trajectory_matches_torch_optim(double lr, double momentum, double dampening, double wd, bool nesterov) =>
        CheckTrajectory(new OptConfig("sgd", lr, Momentum: momentum, Dampening: dampening, Wd: wd, Nesterov: nesterov));

    private static void CheckTrajectory(OptConfig config)
    {
        var problem = Problem.Create();
        var json = JsonSerializer.Serialize(new { problem.W, problem.B, problem.X, problem.Y, Opt = config, Steps, BiasFrozenStep });
        var expected = JsonSerializer.Deserialize<double[][]>(Python.Run(TrajectoryScript, json))!;

        using var w = torch.tensor(problem.W, [3, 4]).requires_grad_().DetachFromDisposeScope();
        using var b = torch.tensor(problem.B).requires_grad_().DetachFromDisposeScope();
        using var x = torch.tensor(problem.X, [5, 4]).DetachFromDisposeScope();
        using var y = torch.tensor(problem.Y, [5, 3]).DetachFromDisposeScope();
        using var opt = config.Create([w, b]);
        Assert.Equal(Steps, expected.Length);
        for (var t = 0; t < Steps; t++)
        {
            TrainStep(opt, w, b, x, y, freezeBias: t == BiasFrozenStep);
            var actual = w.ToArray<float>().Concat(b.ToArray<float>()).ToArray();
            Assert.Equal(expected[t].Length, actual.Length);
            for (var i = 0; i < actual.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[t][i]) <= 1e-6,
                    $"step {t + 1}, element {i}: imbfair {actual[i]:R}, torch {expected[t][i]:R} ({config})");
            }
        }

        Assert.Equal(Steps, opt.StepCount);
        var moved = w.ToArray<float>().Zip(problem.W, (a, c) => Math.Abs(a - c)).Max();
        Assert.True(moved > 1e-4, $"the parameters barely moved ({moved}): the check would prove nothing");
    }

    private static void TrainStep(optim.Optimizer opt, Tensor w, Tensor b, Tensor x, Tensor y, bool freezeBias = false)
    {
        using var scope = torch.NewDisposeScope();
        opt.zero_grad();
        var bias = freezeBias ? b.detach() : b;
        var loss = (torch.matmul(x, w.t()) + bias - y).pow(2).mean();
        loss.backward();
        opt.step();
    }

    [Theory]
    [InlineData("adamw")]
    [InlineData("sgd")]
    public void State_dict_round_trip_continues_identically(string name)
    {
        var config = name == "adamw"
            ? new OptConfig("adamw", 0.02, Wd: 0.05)
            : new OptConfig("sgd", 0.05, Momentum: 0.9, Wd: 0.01, Nesterov: true);
        var problem = Problem.Create();
        using var x = torch.tensor(problem.X, [5, 4]).DetachFromDisposeScope();
        using var y = torch.tensor(problem.Y, [5, 3]).DetachFromDisposeScope();

        // Uninterrupted: 6 steps.
        using var w1 = torch.tensor(problem.W, [3, 4]).requires_grad_().DetachFromDisposeScope();
        using var b1 = torch.tensor(problem.B).requires_grad_().DetachFromDisposeScope();
        using var opt1 = config.Create([w1, b1]);
        for (var t = 0; t < 6; t++)
        {
            TrainStep(opt1, w1, b1, x, y, freezeBias: t == 1);
        }

        // Interrupted after 3: save parameters and optimizer state, rebuild everything, load, 3 more.
        using var w2 = torch.tensor(problem.W, [3, 4]).requires_grad_().DetachFromDisposeScope();
        using var b2 = torch.tensor(problem.B).requires_grad_().DetachFromDisposeScope();
        float[] savedW, savedB;
        Dictionary<string, float[]> savedBuffers;
        Dictionary<string, (double value, ScalarType type)> savedScalars;
        using (var opt2 = config.Create([w2, b2]))
        {
            for (var t = 0; t < 3; t++)
            {
                TrainStep(opt2, w2, b2, x, y, freezeBias: t == 1);
            }

            savedW = w2.ToArray<float>();
            savedB = b2.ToArray<float>();
            using var scope = torch.NewDisposeScope();
            var state = opt2.StateDict();
            var expectedKeys = new List<string> { "step_count", "lr", "state.0.step", "state.1.step" };
            if (name == "adamw")
            {
                expectedKeys.AddRange(["state.0.exp_avg", "state.0.exp_avg_sq", "state.1.exp_avg", "state.1.exp_avg_sq"]);
                Assert.Equal(new long[] { 3, 4 }, state["state.0.exp_avg"].shape);
            }
            else
            {
                expectedKeys.AddRange(["state.0.momentum_buffer", "state.1.momentum_buffer"]);
            }

            Assert.Equal(expectedKeys.Order(), state.Keys.Order());
            Assert.Equal(3, state["step_count"].itemLong());
            Assert.Equal(3, state["state.0.step"].itemLong());
            Assert.Equal(2, state["state.1.step"].itemLong()); // the bias had no gradient in step 2
            Assert.Equal(config.Lr, state["lr"].item());

            // Through host arrays, as a checkpoint file would.
            savedBuffers = state.Where(kv => kv.Value.dim() > 0).ToDictionary(kv => kv.Key, kv => kv.Value.ToArray<float>());
            savedScalars = state.Where(kv => kv.Value.dim() == 0).ToDictionary(kv => kv.Key, kv => (kv.Value.item(), kv.Value.dtype));
        }

        using var w3 = torch.tensor(savedW, [3, 4]).requires_grad_().DetachFromDisposeScope();
        using var b3 = torch.tensor(savedB).requires_grad_().DetachFromDisposeScope();
        using var opt3 = config.Create([w3, b3]);
        using (var scope = torch.NewDisposeScope())
        {
            var restored = savedBuffers.ToDictionary(kv => kv.Key, kv => torch.tensor(kv.Value, kv.Key.StartsWith("state.0.", StringComparison.Ordinal) ? [3, 4] : [3]));
            foreach (var (key, (value, type)) in savedScalars)
            {
                restored[key] = torch.full([], value, type);
            }

            opt3.LoadStateDict(restored);
            // The optimizer copied the values: changing the source afterwards does not reach it.
            foreach (var t in restored.Values)
            {
                t.fill_(12345);
            }
        }

        Assert.Equal(3, opt3.StepCount);
        for (var t = 3; t < 6; t++)
        {
            TrainStep(opt3, w3, b3, x, y);
        }

        Assert.Equal(w1.ToArray<float>(), w3.ToArray<float>());
        Assert.Equal(b1.ToArray<float>(), b3.ToArray<float>());
        Assert.Equal(6, opt3.StepCount);
    }

    [Fact]
    public void Load_state_dict_rejects_bad_state_and_changes_nothing()
    {
        using var w = torch.zeros([3, 4], requiresGrad: true).DetachFromDisposeScope();
        using var opt = new optim.AdamW([w]);
        using var scope = torch.NewDisposeScope();
        var good = new Dictionary<string, Tensor>
        {
            ["state.0.step"] = torch.full([], 4, ScalarType.Int64),
            ["state.0.exp_avg"] = torch.ones([3, 4]),
            ["state.0.exp_avg_sq"] = torch.ones([3, 4]),
        };

        var wrongShape = new Dictionary<string, Tensor>(good) { ["state.0.exp_avg"] = torch.ones([4, 3]) };
        var ex = Assert.Throws<InvalidOperationException>(() => opt.load_state_dict(wrongShape));
        Assert.Contains("size mismatch for 'state.0.exp_avg'", ex.Message, StringComparison.Ordinal);

        var unknown = new Dictionary<string, Tensor>(good) { ["state.0.momentum_buffer"] = torch.ones([3, 4]) };
        Assert.Contains("unexpected key 'state.0.momentum_buffer'", Assert.Throws<InvalidOperationException>(() => opt.load_state_dict(unknown)).Message, StringComparison.Ordinal);

        var beyond = new Dictionary<string, Tensor>(good) { ["state.1.step"] = torch.full([], 1, ScalarType.Int64) };
        Assert.Contains("refers to parameter 1", Assert.Throws<InvalidOperationException>(() => opt.load_state_dict(beyond)).Message, StringComparison.Ordinal);

        var incomplete = new Dictionary<string, Tensor>(good);
        incomplete.Remove("state.0.exp_avg_sq");
        Assert.Contains("missing exp_avg_sq", Assert.Throws<InvalidOperationException>(() => opt.load_state_dict(incomplete)).Message, StringComparison.Ordinal);

        Assert.DoesNotContain(opt.state_dict().Keys, k => k.StartsWith("state.", StringComparison.Ordinal));
        opt.load_state_dict(good);
        Assert.Equal(4, opt.state_dict()["state.0.step"].itemLong());
    }

    [Fact]
    public void Step_leaves_no_tensor_in_the_callers_scope_and_skips_parameters_without_gradients()
    {
        using var w = torch.ones([2, 2], requiresGrad: true).DetachFromDisposeScope();
        using var unused = torch.ones([3], requiresGrad: true).DetachFromDisposeScope();
        using var opt = new optim.AdamW([w, unused], lr: 0.1);
        using var scope = torch.NewDisposeScope();
        using (var inner = torch.NewDisposeScope())
        {
            w.sum().backward();
        }

        var before = scope.Count;
        opt.step();
        opt.step();
        Assert.Equal(before, scope.Count);
        Assert.Equal([1f, 1f, 1f], unused.ToArray<float>());
        Assert.All(w.ToArray<float>(), v => Assert.True(v < 1f));
        Assert.DoesNotContain("state.1.step", opt.state_dict().Keys);
    }

    [Fact]
    public void Constructors_validate_hyperparameters()
    {
        using var w = torch.zeros([2], requiresGrad: true).DetachFromDisposeScope();
        Assert.Throws<ArgumentException>(() => new optim.SGD([w], 0.1, nesterov: true));
        Assert.Throws<ArgumentException>(() => new optim.SGD([w], 0.1, momentum: 0.9, dampening: 0.1, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new optim.AdamW([w], beta1: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new optim.AdamW([w], lr: -1));
        Assert.Throws<ArgumentException>(() => new optim.AdamW([w, w]));
        Assert.Throws<ArgumentException>(() => new optim.AdamW([]));
        using var opt = new optim.AdamW([w]);
        Assert.Equal(1e-3, opt.lr);
        Assert.Equal(0.9, opt.beta1);
        Assert.Equal(0.999, opt.beta2);
        Assert.Equal(1e-8, opt.eps);
        Assert.Equal(1e-2, opt.weight_decay);
        opt.lr = 0.5;
        Assert.Equal(0.5, opt.lr);
    }

    private sealed record Problem(float[] W, float[] B, float[] X, float[] Y)
    {
        public static Problem Create() => new(Values(12, 0.3, 0.5), Values(3, 1.1, 0.2), Values(20, 2.0, 1.0), Values(15, -0.7, 0.8));

        private static float[] Values(int n, double phase, double scale) =>
            Enumerable.Range(0, n).Select(i => (float)(scale * Math.Sin(phase + 1.7 * i))).ToArray();
    }
}

/// <summary>The cosine schedule with linear warm-up at hand-computed steps.</summary>
public sealed class LrSchedulerTests
{
    private static optim.SGD NewOptimizer(Tensor p, double lr) => new([p], lr);

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(5, 0.5)]             // warm-up: 5/10
    [InlineData(10, 1.0)]            // peak
    [InlineData(35, 0.853553390593)] // progress 1/4: (1 + cos(π/4)) / 2
    [InlineData(60, 0.5)]            // progress 1/2
    [InlineData(85, 0.146446609407)] // progress 3/4: (1 − cos(π/4)) / 2
    [InlineData(110, 0.0)]           // the end
    [InlineData(500, 0.0)]           // stays at the floor past the end
    public void Cosine_with_warmup_at_known_steps(long step, double expected)
    {
        using var p = torch.zeros([1], requiresGrad: true).DetachFromDisposeScope();
        using var opt = NewOptimizer(p, 1.0);
        var schedule = optim.lr_scheduler.get_cosine_schedule_with_warmup(opt, 10, 110);
        Assert.Equal(expected, schedule.LrAt(step), 1e-9);
    }

    [Theory]
    [InlineData(5, 0.5)]             // warm-up is not lifted by the floor
    [InlineData(10, 1.0)]
    [InlineData(60, 0.55)]           // 0.1 + 0.9 · 0.5
    [InlineData(110, 0.1)]
    [InlineData(1000, 0.1)]
    public void Cosine_with_warmup_and_min_lr(long step, double expected)
    {
        using var p = torch.zeros([1], requiresGrad: true).DetachFromDisposeScope();
        using var opt = NewOptimizer(p, 1.0);
        var schedule = new optim.lr_scheduler.CosineWithWarmup(opt, warmup_steps: 10, total_steps: 110, min_lr: 0.1);
        Assert.Equal(expected, schedule.LrAt(step), 1e-9);
    }

    [Fact]
    public void Steps_set_the_optimizer_lr_and_the_position_resumes()
    {
        using var p = torch.zeros([1], requiresGrad: true).DetachFromDisposeScope();
        using var opt = NewOptimizer(p, 3e-4);
        var schedule = new optim.lr_scheduler.CosineWithWarmup(opt, 4, 20);
        Assert.Equal(0.0, opt.lr);          // position 0 on construction, as LambdaLR
        Assert.Equal(3e-4, schedule.base_lr);
        var seen = new List<double>();
        for (var i = 0; i < 12; i++)
        {
            schedule.step();
            seen.Add(opt.lr);
        }

        Assert.Equal(12, schedule.last_epoch);
        Assert.Equal(1.5e-4, seen[1], 1e-15);  // step 2 of 4 warm-up
        Assert.Equal(3e-4, seen[3], 1e-15);    // step 4: the peak
        Assert.Equal(3e-4 * 0.5, seen[11], 1e-15); // step 12: progress 8/16

        // Resume: a new optimizer at the base lr and a new schedule moved to the saved position.
        using var opt2 = NewOptimizer(p, 3e-4);
        var resumed = new optim.lr_scheduler.CosineWithWarmup(opt2, 4, 20) { last_epoch = 12 };
        Assert.Equal(opt.lr, opt2.lr);
        schedule.step();
        resumed.step();
        Assert.Equal(opt.lr, opt2.lr);
        Assert.Equal(opt.lr, resumed.get_last_lr());

        // Resume through the optimizer's state dict (which holds the scheduled lr of step 13): a schedule made
        // after loading still scales the configured rate, not the restored one.
        using var opt3 = NewOptimizer(p, 3e-4);
        using (var scope = torch.NewDisposeScope())
        {
            opt3.load_state_dict(opt.state_dict());
        }

        Assert.Equal(opt.lr, opt3.lr);
        var resumed3 = new optim.lr_scheduler.CosineWithWarmup(opt3, 4, 20) { last_epoch = 13 };
        Assert.Equal(3e-4, resumed3.base_lr);
        Assert.Equal(opt.lr, opt3.lr);
    }

    [Fact]
    public void Lambda_lr_scales_the_base_rate()
    {
        using var p = torch.zeros([1], requiresGrad: true).DetachFromDisposeScope();
        using var opt = NewOptimizer(p, 0.2);
        var schedule = new optim.lr_scheduler.LambdaLR(opt, s => 1.0 / (s + 1));
        Assert.Equal(0.2, opt.lr, 1e-15);
        schedule.step();
        Assert.Equal(0.1, opt.lr, 1e-15);
        schedule.last_epoch = 3;
        Assert.Equal(0.05, opt.lr, 1e-15);
    }
}

/// <summary>nn.utils.clip_grad_norm_ against hand-computed norms.</summary>
public sealed class ClipGradNormTests
{
    private static (Tensor a, Tensor b, Tensor none) WithGradients()
    {
        // grads: a = [[3, 0], [0, 0]], b = [0, 4, 0]  → global norm 5; "none" gets no gradient.
        var a = torch.zeros([2, 2], requiresGrad: true).DetachFromDisposeScope();
        var b = torch.zeros([3], requiresGrad: true).DetachFromDisposeScope();
        var none = torch.zeros([2], requiresGrad: true).DetachFromDisposeScope();
        using var scope = torch.NewDisposeScope();
        var loss = (a * torch.tensor([3f, 0f, 0f, 0f], [2, 2])).sum() + (b * torch.tensor([0f, 4f, 0f])).sum();
        loss.backward();
        return (a, b, none);
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < actual.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-6);
        }
    }

    private static float[] Grad(Tensor t)
    {
        using var g = t.grad!;
        return g.ToArray<float>();
    }

    [Fact]
    public void Clips_to_max_norm_and_returns_the_norm_before()
    {
        var (a, b, none) = WithGradients();
        using (a)
        using (b)
        using (none)
        {
            var norm = nn.utils.clip_grad_norm_([a, b, none], 1.0);
            Assert.Equal(5.0, norm, 1e-6);
            var coef = 1.0 / (5.0 + 1e-6);
            AssertClose([3 * coef, 0, 0, 0], Grad(a));
            AssertClose([0, 4 * coef, 0], Grad(b));
            Assert.Null(none.grad);

            // Now under the limit: unchanged, and the reported norm is the clipped one (≈ 1).
            var after = nn.utils.clip_grad_norm_([a, b, none], 1.0);
            Assert.Equal(1.0, after, 1e-6);
            AssertClose([3 * coef, 0, 0, 0], Grad(a));
        }
    }

    [Fact]
    public void Leaves_gradients_below_max_norm_alone()
    {
        var (a, b, none) = WithGradients();
        using (a)
        using (b)
        using (none)
        {
            Assert.Equal(5.0, nn.utils.clip_grad_norm_([a, b], 10.0), 1e-6);
            Assert.Equal([3f, 0f, 0f, 0f], Grad(a));
            Assert.Equal([0f, 4f, 0f], Grad(b));
        }
    }

    [Fact]
    public void No_gradients_give_norm_zero()
    {
        using var p = torch.ones([4], requiresGrad: true).DetachFromDisposeScope();
        Assert.Equal(0.0, nn.utils.clip_grad_norm_([p], 1.0));
    }
}
