using ImbalanceFair.Core.Augmentation.Diffusion;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Tests.Shared;
using ImbalanceFair.Torch;
using ImbalanceFair.Torch.Serialization;

namespace ImbalanceFair.Core.Tests.Augmentation.Diffusion;

/// <summary>
/// The generator's U-Net, noise schedule and DDIM step: shapes, a finite-difference gradient check, the closed forms,
/// and the same network, schedule and step in PyTorch (bench/reference/diffusion_unet.py) from the same weights.
/// </summary>
public class DenoiserTests
{
    [Theory]
    [InlineData(1, 28, 28)]
    [InlineData(3, 16, 16)]
    [InlineData(3, 8, 12)]
    public void The_output_has_the_input_shape_and_non_multiples_of_4_are_refused(int channels, int h, int w)
    {
        torch.manual_seed(0);
        using var model = new Denoiser(channels, 16, 5);
        using var scope = torch.NewDisposeScope();
        var x = torch.randn([3, channels, h, w]);
        var eps = model.forward(x, torch.tensor(new float[] { 0, 10, 999 }), torch.tensor(new long[] { 0, 4, 5 }));
        Assert.Equal(new long[] { 3, channels, h, w }, eps.shape);
        Assert.True(eps.isfinite().all().item() != 0);
        var e = Assert.Throws<ArgumentException>(() => model.forward(torch.randn([1, channels, 10, 12]), torch.zeros([1]), torch.zeros([1], ScalarType.Int64)));
        Assert.Contains("multiples of 4", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new Denoiser(1, 12, 2));
    }

    [Fact]
    public void Gradients_match_central_finite_differences_in_double_precision()
    {
        torch.manual_seed(1);
        using var model = new Denoiser(2, 8, 3);
        model.to(ScalarType.Float64);
        using var scope = torch.NewDisposeScope();
        var x = torch.randn([2, 2, 8, 8], ScalarType.Float64);
        var t = torch.tensor(new double[] { 3, 600 });
        var y = torch.tensor(new long[] { 1, 3 });
        var weight = torch.randn([2, 2, 8, 8], ScalarType.Float64);
        Tensor Objective() => (model.forward(x, t, y) * weight).sum();
        model.zero_grad();
        Objective().backward();
        var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var name in new[] { "conv_in.weight", "mid_attn.qkv.weight", "class_emb.weight", "time_in.weight", "up0.skip.weight", "out_norm.bias" })
        {
            var p = named[name];
            var grad = p.grad!.flatten().ToArray<double>();
            var flat = p.detach().flatten();
            var n = flat.numel();
            foreach (var i in new[] { 0L, n / 3, n - 1 })
            {
                var numeric = Central(p, i, Objective);
                Assert.True(Math.Abs(numeric - grad[i]) <= 1e-6 + (1e-5 * Math.Abs(numeric)), $"{name}[{i}]: autograd {grad[i]}, finite differences {numeric}");
            }
        }
    }

    private static double Central(Tensor p, long i, Func<Tensor> objective)
    {
        const double h = 1e-6;
        using var noGrad = torch.no_grad();
        using var view = p.view(-1);
        using var at = view.narrow(0, i, 1);
        var original = at.item();
        Set(view, i, original + h);
        var plus = objective().item();
        Set(view, i, original - h);
        var minus = objective().item();
        Set(view, i, original);
        return (plus - minus) / (2 * h);
    }

    private static void Set(Tensor flat, long i, double value)
    {
        using var element = flat.narrow(0, i, 1);
        element.fill_(value);
    }

    [Fact]
    public void The_cosine_schedule_has_the_closed_form_alpha_bar_and_the_linear_its_endpoints()
    {
        var s = NoiseSchedule.Cosine(1000);
        static double F(double t) => Math.Pow(Math.Cos((t / 1000 + 0.008) / 1.008 * Math.PI / 2), 2);
        foreach (var t in new[] { 0, 1, 250, 500, 900, 990 })
        {
            // Unclipped betas telescope: ᾱ_t = Π (1 − β_i) = f(t + 1) / f(0).
            Assert.Equal(F(t + 1) / F(0), s.AlphasCumprod[t], 1e-12);
        }

        Assert.Equal(NoiseSchedule.MaxBeta, s.Betas[^1], 12);
        Assert.True(s.AlphasCumprod.Zip(s.AlphasCumprod.Skip(1)).All(p => p.Second < p.First));
        var linear = NoiseSchedule.Linear(1000);
        Assert.Equal(1e-4, linear.Betas[0], 12);
        Assert.Equal(0.02, linear.Betas[^1], 12);
        Assert.Equal(1e-3, NoiseSchedule.Linear(100).Betas[0], 12);
        Assert.Throws<ArgumentException>(() => NoiseSchedule.Create("sigmoid", 10));
    }

    [Theory]
    [InlineData("eps")]
    [InlineData("v")]
    public void One_DDIM_step_is_the_eta_zero_update_from_the_clipped_x0_and_the_last_step_lands_on_it(string prediction)
    {
        var schedule = NoiseSchedule.Cosine(1000);
        var sampler = new DdimSampler(schedule, 20, 1.0, prediction);
        Assert.Equal(50, sampler.Stride);
        Assert.Equal(999, sampler.TimeSteps[0]);
        Assert.Equal(949, sampler.TimeSteps[1]);
        Assert.Equal(49, sampler.TimeSteps[^1]);
        using var scope = torch.NewDisposeScope();
        float[] xs = [0.3f, -1.7f, 2.5f, 0.0f], outs = [0.1f, -0.4f, 1.2f, -2.0f];
        var xt = torch.tensor(xs);
        var output = torch.tensor(outs);
        foreach (var (t, aPrev) in new[] { (500, schedule.AlphasCumprod[450]), (49, 1.0) })
        {
            var result = sampler.Step(xt, output, t).ToArray<float>();
            var a = schedule.AlphasCumprod[t];
            for (var i = 0; i < 4; i++)
            {
                var x0 = prediction == "v" ? (Math.Sqrt(a) * xs[i]) - (Math.Sqrt(1 - a) * outs[i]) : (xs[i] - (Math.Sqrt(1 - a) * outs[i])) / Math.Sqrt(a);
                x0 = Math.Clamp(x0, -1, 1);
                var eps = (xs[i] - (Math.Sqrt(a) * x0)) / Math.Sqrt(1 - a);
                Assert.Equal((Math.Sqrt(aPrev) * x0) + (Math.Sqrt(1 - aPrev) * eps), result[i], 4);
            }
        }

        Assert.Throws<ArgumentException>(() => new DdimSampler(schedule, 20, 1.0, "x0"));
    }

    [Fact]
    public void The_network_its_gradients_the_schedule_a_guided_epsilon_and_a_DDIM_step_match_PyTorch()
    {
        using var dir = new TempDir();
        torch.manual_seed(7);
        using var model = new Denoiser(3, 16, 4);
        SafeTensors.SaveStateDict(model, dir.File("weights.safetensors"));
        using var scope = torch.NewDisposeScope();
        var x = torch.randn([3, 3, 12, 16]);
        var t = torch.tensor(new float[] { 0, 321, 999 });
        var y = torch.tensor(new long[] { 0, 3, 4 });
        var weight = torch.randn([3, 3, 12, 16]);
        const int timesteps = 1000, samplerSteps = 25, stepT = 480;
        const double guidance = 2.5;
        SafeTensors.Save(dir.File("inputs.safetensors"), new Dictionary<string, Tensor>
        {
            ["x"] = x, ["t"] = t, ["y"] = y, ["weight"] = weight,
            ["cfg_channels"] = torch.tensor(new long[] { 3 }), ["cfg_base"] = torch.tensor(new long[] { 16 }), ["cfg_classes"] = torch.tensor(new long[] { 4 }),
            ["cfg_timesteps"] = torch.tensor(new long[] { timesteps }), ["cfg_sampler_steps"] = torch.tensor(new long[] { samplerSteps }),
            ["cfg_step_t"] = torch.tensor(new long[] { stepT }), ["cfg_guidance"] = torch.tensor(new double[] { guidance }),
        });
        Python.Run($"import sys; sys.path.insert(0, '{Path.Combine(Repo.Root, "bench", "reference")}'); import diffusion_unet; diffusion_unet.check(sys.argv[1])", dir.Path);

        var output = model.forward(x, t, y);
        (output * weight).sum().backward();
        Close(output.detach(), dir.File("out.bin"), 1e-4);
        Close(model.conv_in.weight.grad!, dir.File("grad_conv_in.bin"), 1e-3);
        Close(model.mid_attn.qkv.weight.grad!, dir.File("grad_qkv.bin"), 1e-3);
        Close(model.class_emb.weight.grad!, dir.File("grad_class_emb.bin"), 1e-3);
        Close(model.time_in.weight.grad!, dir.File("grad_time_in.bin"), 1e-3);

        var schedule = NoiseSchedule.Cosine(timesteps);
        var reference = Floats64(dir.File("alphas_cumprod.bin"));
        for (var i = 0; i < timesteps; i++)
        {
            Assert.Equal(reference[i], schedule.AlphasCumprod[i], 12);
        }

        var sampler = new DdimSampler(schedule, samplerSteps, guidance);
        using var noGrad = torch.no_grad();
        var eps = sampler.Guided(model, x, stepT, y);
        Close(eps, dir.File("guided_eps.bin"), 1e-4);
        Close(sampler.Step(x, eps, stepT), dir.File("ddim_step.bin"), 1e-4);
        Close(new DdimSampler(schedule, samplerSteps, guidance, "v").Step(x, eps, stepT), dir.File("ddim_step_v.bin"), 1e-4);
    }

    private static void Close(Tensor ours, string referenceFile, double tolerance)
    {
        var theirs = File.ReadAllBytes(referenceFile);
        var expected = new float[theirs.Length / 4];
        Buffer.BlockCopy(theirs, 0, expected, 0, theirs.Length);
        var actual = ours.contiguous().flatten().ToArray<float>();
        Assert.Equal(expected.Length, actual.Length);
        var scale = Math.Max(1e-3, expected.Max(v => Math.Abs(v)));
        var worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)) / scale;
        Assert.True(worst < tolerance, $"{Path.GetFileName(referenceFile)}: largest difference {worst:G3} of the largest magnitude (tolerance {tolerance})");
    }

    private static double[] Floats64(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var values = new double[bytes.Length / 8];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}
