using System.Diagnostics;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Torch;
using Serilog;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Core.Augmentation.Diffusion;

/// <summary>
/// Trains a <see cref="Denoiser"/> with the noise-prediction objective of DDPM (Ho et al. 2020, L_simple): x_0 a
/// training image, t ~ U{0 … T−1}, ε ~ N(0, I), x_t = √ᾱ_t x_0 + √(1−ᾱ_t) ε, loss ‖ε − ε_θ(x_t, t, y)‖² (mean); or,
/// with prediction v, its v-parametrisation (Salimans &amp; Ho 2022): target v = √ᾱ_t ε − √(1−ᾱ_t) x_0, the same
/// information, better conditioned where there is little signal left. The class y is replaced by "no class" with
/// probability class_dropout (classifier-free guidance). AdamW (weight decay 0), cosine
/// learning rate with a short warm-up, gradient norm clipped at 1, and an exponential moving average of the weights,
/// which is what is returned and sampled from. Batches draw a class with probability ∝ n_c^q
/// (<see cref="GeneratorOptions.ClassSampling"/>), then an image of it uniformly, from a <see cref="SeededRandom"/> of
/// the generator seed; t, ε and the dropout come from libtorch's generator seeded with it (the caller's generator is
/// restored afterwards). Cancellation is checked at every step.
/// </summary>
public static class GeneratorTraining
{
    private const long BatchStream = 13000;

    /// <summary>The per-class draw probabilities p_c ∝ n_c^q (0 for a class without images).</summary>
    public static double[] ClassProbabilities(long[] counts, double power)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var weights = counts.Select(n => n > 0 ? Math.Pow(n, power) : 0).ToArray();
        var total = weights.Sum();
        if (total <= 0)
        {
            throw new ArgumentException("the generator has no training images", nameof(counts));
        }

        return weights.Select(w => w / total).ToArray();
    }

    /// <summary>The training image indices of each step's batch (deterministic in the seed).</summary>
    public static IEnumerable<long[]> Batches(long[] labels, int classes, GeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        var members = Enumerable.Range(0, classes).Select(c => new List<long>()).ToArray();
        for (var i = 0; i < labels.Length; i++)
        {
            members[labels[i]].Add(i);
        }

        var p = ClassProbabilities(members.Select(m => (long)m.Count).ToArray(), options.SamplingPower);
        var cumulative = new double[classes];
        double sum = 0;
        for (var c = 0; c < classes; c++)
        {
            sum += p[c];
            cumulative[c] = sum;
        }

        var rng = new SeededRandom(options.Seed, BatchStream);
        for (var step = 0; step < options.TrainSteps; step++)
        {
            var batch = new long[options.BatchSize];
            for (var b = 0; b < batch.Length; b++)
            {
                var u = rng.NextDouble() * sum;
                var c = Array.FindIndex(cumulative, v => u < v);
                c = c < 0 ? Array.FindLastIndex(p, v => v > 0) : c;
                batch[b] = members[c][(int)rng.NextInt64(members[c].Count)];
            }

            yield return batch;
        }
    }

    /// <summary>One step's loss: the mean squared error of the predicted noise (or v) (no backward).</summary>
    public static Tensor Loss(Denoiser model, Tensor x0, Tensor y, NoiseSchedule schedule, double classDropout, string prediction = "eps")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(schedule);
        using var scope = torch.NewDisposeScope();
        var device = x0.device;
        var n = x0.size(0);
        var t = torch.randint(0, schedule.Steps, [n], device: device);
        var noise = torch.randn_like(x0);
        var alphaBar = torch.tensor(schedule.AlphasCumprod.Select(a => (float)a).ToArray(), device).index_select(0, t).view(n, 1, 1, 1);
        var xt = (alphaBar.sqrt() * x0) + ((1.0 - alphaBar).sqrt() * noise);
        var dropped = torch.rand([n], device: device).lt(classDropout);
        var label = torch.where(dropped, torch.full_like(y, model.NullClass), y);
        var target = prediction == "v" ? (alphaBar.sqrt() * noise) - ((1.0 - alphaBar).sqrt() * x0) : noise;
        return F.mse_loss(model.forward(xt, t.to(ScalarType.Float32), label), target).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Trains a fresh denoiser on <paramref name="images"/> (uint8 [N, C, H, W], on the device) with host labels, and
    /// returns its moving-average weights in a new model on the device.
    /// </summary>
    public static Denoiser Train(Tensor images, long[] labels, int classes, GeneratorOptions options, Device device, ILogger log, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var schedule = NoiseSchedule.Create(options.Schedule, options.Timesteps);
        using var rngState = torch.get_rng_state();
        try
        {
            torch.manual_seed((ulong)options.Seed);
            var model = new Denoiser(images.size(1), options.Channels, classes);
            var ema = new Denoiser(images.size(1), options.Channels, classes);
            try
            {
                model.to(device);
                ema.to(device);
                CopyWeights(model, ema);
                model.train();
                Loop(model, ema, images, labels, classes, schedule, options, device, log, cancel);
                ema.eval();
                return ema;
            }
            catch
            {
                ema.Dispose();
                throw;
            }
            finally
            {
                model.Dispose();
            }
        }
        finally
        {
            torch.set_rng_state(rngState);
        }
    }

    private static void Loop(Denoiser model, Denoiser ema, Tensor images, long[] labels, int classes, NoiseSchedule schedule, GeneratorOptions options, Device device, ILogger log, CancellationToken cancel)
    {
        using var outer = torch.NewDisposeScope();
        var labelsOnDevice = torch.from_array<long>(labels, [labels.Length], device);
        var parameters = model.parameters().ToArray();
        var averaged = ema.parameters().ToArray();
        using var optimizer = new optim.AdamW(parameters, lr: options.Lr, weight_decay: 0);
        var steps = options.TrainSteps;
        var schedulerLr = optim.lr_scheduler.get_cosine_schedule_with_warmup(optimizer, Math.Min(100, steps / 10), steps);
        var clock = Stopwatch.StartNew();
        var reportEvery = Math.Max(1, steps / 20);
        double lossSum = 0;
        var lossCount = 0;
        var step = 0;
        foreach (var batch in Batches(labels, classes, options))
        {
            cancel.ThrowIfCancellationRequested();
            using (var scope = torch.NewDisposeScope())
            {
                var idx = torch.from_array<long>(batch, [batch.Length], device);
                var x0 = GeneratorPixels.ToModel(images.index_select(0, idx));
                var y = labelsOnDevice.index_select(0, idx);
                var loss = Loss(model, x0, y, schedule, options.ClassDropout, options.Prediction);
                optimizer.zero_grad();
                loss.backward();
                nn.utils.clip_grad_norm_(parameters, 1.0);
                optimizer.step();
                schedulerLr.step();
                UpdateAverage(averaged, parameters, Math.Min(options.EmaDecay, (1.0 + step) / (10.0 + step)));
                lossSum += loss.item();
                lossCount++;
            }

            step++;
            if (step % reportEvery == 0 || step == steps)
            {
                var seconds = clock.Elapsed.TotalSeconds;
                log.Information("generator: step {Step}/{Steps}, loss {Loss:F4}, {Rate:F0} images/s, {Left:F0} s left",
                    step, steps, lossSum / lossCount, step * (double)options.BatchSize / seconds, seconds / step * (steps - step));
                lossSum = 0;
                lossCount = 0;
            }
        }
    }

    /// <summary>θ_ema ← decay·θ_ema + (1 − decay)·θ.</summary>
    private static void UpdateAverage(Tensor[] averaged, Tensor[] current, double decay)
    {
        using var noGrad = torch.no_grad();
        for (var i = 0; i < averaged.Length; i++)
        {
            averaged[i].lerp_(current[i], 1 - decay);
        }
    }

    private static void CopyWeights(Denoiser from, Denoiser to)
    {
        using var noGrad = torch.no_grad();
        foreach (var (a, b) in from.parameters().Zip(to.parameters()))
        {
            b.copy_(a);
        }
    }
}
