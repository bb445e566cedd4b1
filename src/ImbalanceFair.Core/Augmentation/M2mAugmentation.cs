using ImbalanceFair.Core.Attacks;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;
using Serilog;
using F = ImbalanceFair.Torch.nn.functional;
using ImbalanceFair.Core.Config;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// <c>m2m</c>: Major-to-minor translation (Kim, Jeong and Shin, "M2m: Imbalanced Classification via Major-to-minor
/// Translation", CVPR 2020). Each sample a minority class k needs is made from a real image of a larger class:
/// <list type="number">
/// <item>a seed class k₀ is drawn with P(k₀ | k) ∝ 1 − β^max(n_k₀ − n_k, 0) (only larger classes have weight), then a
/// seed image uniformly from k₀'s real samples (<see cref="SeedClassProbabilities"/>);</item>
/// <item>the seed is translated towards k by <c>steps</c> L2-normalised gradient steps of size <c>step_size</c> on
/// CE(f(x), k) + λ·f_k₀(x), pixels clamped to [0, 1] (<see cref="Attack.M2mTranslate"/>), then rounded to uint8;</item>
/// <item>it is accepted when the model's softmax probability of k on the stored (uint8) image is ≥ γ — recorded as
/// source M2m with the seed as parent; otherwise it falls back to a random duplicate of a real sample of k, recorded
/// and counted as Oversample.</item>
/// </list>
/// The paper uses two networks: g, a classifier pre-trained on the imbalanced data (its cross-entropy and the
/// acceptance test) and f, the one being trained (the λ term), and it starts generating late in training (deferred
/// re-balancing). Here one model plays both roles: the model being trained, as it is at each epoch start, so the
/// samples are regenerated every epoch. The deferral then happens by itself: while the model is weak few translations
/// reach γ and the strategy behaves as oversampling; as it learns, accepted translations replace the duplicates.
/// Seeds, targets and fallbacks are drawn with <see cref="SeededRandom"/> from the run's seed and the epoch.
/// </summary>
public sealed class M2mAugmentation : IAugmentationStrategy
{
    public static StrategyDefinition Definition { get; } = new("m2m", M2mOptions.Section,
        (o, ctx) => new M2mAugmentation(o.Section<M2mOptions>(), ctx.Seed, ctx.Log));

    private readonly M2mOptions _options;
    private readonly long _seed;
    private readonly ILogger _log;
    private readonly int _batchSize;

    public M2mAugmentation(M2mOptions options, long seed, ILogger? log = null, int batchSize = 256)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (!(options.Beta is >= 0 and < 1))
        {
            throw new ArgumentException($"augment.m2m.beta must lie in [0, 1), not {options.Beta}");
        }

        if (!(options.Gamma is >= 0 and <= 1))
        {
            throw new ArgumentException($"augment.m2m.gamma must lie in [0, 1], not {options.Gamma}");
        }

        if (!double.IsFinite(options.Lambda) || options.Steps < 0 || !(options.StepSize >= 0) || !double.IsFinite(options.StepSize))
        {
            throw new ArgumentException("augment.m2m: lambda must be finite, steps >= 0 and step_size >= 0");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _seed = seed;
        _log = log ?? Serilog.Core.Logger.None;
        _batchSize = batchSize;
    }

    public string Name => "m2m";

    public bool RegeneratesEachEpoch => true;

    /// <summary>The last epoch's outcome: translations tried and accepted per target class.</summary>
    public (long[] Tried, long[] Accepted)? LastOutcome { get; private set; }

    /// <summary>
    /// P(k₀ | k) ∝ 1 − β^max(n_k₀ − n_k, 0) over the classes k₀, normalised; all zero when no class is larger than k.
    /// </summary>
    public static double[] SeedClassProbabilities(long[] counts, int k, double beta)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var weights = counts.Select(n => 1 - Math.Pow(beta, Math.Max(n - counts[k], 0))).ToArray();
        var total = weights.Sum();
        return total > 0 ? weights.Select(w => w / total).ToArray() : new double[counts.Length];
    }

    /// <summary>What one generated sample is made from: positions into the real set, and the target class.</summary>
    internal readonly record struct Planned(int Target, int SeedClass, long Seed, long Fallback);

    /// <summary>
    /// The draws of one epoch: for each class below target, target − n samples, each with a seed class (−1 when no class
    /// is larger), a seed image of it and a fallback duplicate of the target class. Per class and epoch a stream of the
    /// run's seed.
    /// </summary>
    internal static Planned[] Plan(RealTrainingData real, long[] targets, long seed, int epoch, double beta)
    {
        var plan = new List<Planned>();
        var members = Enumerable.Range(0, real.Classes).Select(real.IndicesOf).ToArray();
        for (var k = 0; k < real.Classes; k++)
        {
            var need = targets[k] - members[k].Length;
            if (need <= 0 || members[k].Length == 0)
            {
                continue;
            }

            var p = SeedClassProbabilities(real.Counts, k, beta);
            var rng = new SeededRandom(seed, 9_000_000 + (epoch * 100_000L) + k);
            for (var i = 0; i < need; i++)
            {
                var seedClass = Draw(p, rng.NextDouble());
                var seedImage = seedClass >= 0 ? members[seedClass][rng.NextInt64(members[seedClass].Length)] : -1;
                var fallback = members[k][rng.NextInt64(members[k].Length)];
                plan.Add(new Planned(k, seedClass, seedImage, fallback));
            }
        }

        return [.. plan];
    }

    /// <summary>The class whose cumulative probability first exceeds u (−1 when every probability is 0).</summary>
    internal static int Draw(double[] p, double u)
    {
        var cumulative = 0.0;
        var last = -1;
        for (var c = 0; c < p.Length; c++)
        {
            if (p[c] <= 0)
            {
                continue;
            }

            last = c;
            cumulative += p[c];
            if (u < cumulative)
            {
                return c;
            }
        }

        return last;
    }

    public EpochAugmentation Generate(int epoch, RealTrainingData real, long[] targets, ClipClassifier model)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(targets);
        var plan = Plan(real, targets, _seed, epoch, _options.Beta);
        if (plan.Length == 0)
        {
            LastOutcome = (new long[real.Classes], new long[real.Classes]);
            return new EpochAugmentation(AddedSamples.Empty(real.Images));
        }

        if (model is null)
        {
            throw new InvalidOperationException("augment.strategy m2m translates with the model being trained, and none was given");
        }

        using var scope = torch.NewDisposeScope();
        var device = real.Images.device;
        var n = plan.Length;
        var fallbackIdx = torch.from_array<long>(plan.Select(s => s.Fallback).ToArray(), [n], device);
        var output = real.Images.index_select(0, fallbackIdx);
        var labels = torch.from_array<long>(plan.Select(s => (long)s.Target).ToArray(), [n], device);
        var accepted = new bool[n];

        // Only the samples with a larger class to translate from are attempted; the rest are duplicates outright.
        var tried = Enumerable.Range(0, n).Where(i => plan[i].SeedClass >= 0).ToArray();
        using (var target = new AttackTarget(model))
        {
            for (var start = 0; start < tried.Length; start += _batchSize)
            {
                RunCancellation.ThrowIfStopped();
                using var batchScope = torch.NewDisposeScope();
                var batch = tried.AsSpan(start, Math.Min(_batchSize, tried.Length - start)).ToArray();
                var positions = torch.from_array<long>(batch.Select(i => (long)i).ToArray(), [batch.Length], device);
                var seeds = real.Images.index_select(0, torch.from_array<long>(batch.Select(i => plan[i].Seed).ToArray(), [batch.Length], device));
                var k = labels.index_select(0, positions);
                var seedClasses = torch.from_array<long>(batch.Select(i => (long)plan[i].SeedClass).ToArray(), [batch.Length], device);
                var translated = Attack.M2mTranslate(target.Logits, seeds.to(ScalarType.Float32) / 255.0, k, seedClasses,
                    _options.Lambda, _options.Steps, _options.StepSize);
                var stored = (translated * 255).round().clamp(0, 255).to(ScalarType.UInt8);

                // The acceptance test sees exactly what will be trained on.
                Tensor ok;
                using (torch.no_grad())
                {
                    var probs = F.softmax(target.Logits(stored.to(ScalarType.Float32) / 255.0), -1).gather(1, k.unsqueeze(1)).squeeze(1);
                    ok = probs.ge(_options.Gamma);
                }

                var okHost = ok.to(Device.CPU).ToArray<bool>();
                for (var j = 0; j < batch.Length; j++)
                {
                    accepted[batch[j]] = okHost[j];
                }

                var keep = torch.where(ok.view(-1, 1, 1, 1), stored, output.index_select(0, positions));
                output.index_put_([positions], keep);
            }
        }

        var source = accepted.Select(a => a ? SampleSource.M2m : SampleSource.Oversample).ToArray();
        var parent = plan.Select((s, i) => real.OriginalIndices[accepted[i] ? s.Seed : s.Fallback]).ToArray();
        var triedPerClass = ClassCounts.Of(tried.Select(i => (long)plan[i].Target), real.Classes);
        var acceptedPerClass = ClassCounts.Of(Enumerable.Range(0, n).Where(i => accepted[i]).Select(i => (long)plan[i].Target), real.Classes);
        LastOutcome = (triedPerClass, acceptedPerClass);
        _log.Information("m2m: epoch {Epoch}: {Accepted} of {Tried} translations reached gamma {Gamma}; {Duplicates} duplicates",
            epoch + 1, accepted.Count(a => a), tried.Length, _options.Gamma, n - accepted.Count(a => a));
        return new EpochAugmentation(new AddedSamples(output, labels, source, parent));
    }
}

public sealed record M2mOptions
{
    public double Beta { get; init; } = 0.999;

    public double Lambda { get; init; } = 0.5;

    public double Gamma { get; init; } = 0.9;

    public int Steps { get; init; } = 10;

    public double StepSize { get; init; } = 0.1;

    public static readonly OptionSection<M2mOptions> Section = new("m2m",
        (y, d) =>
        {
            y.Allow("beta", "lambda", "gamma", "steps", "step_size");
            return new()
            {
                Beta = ConfigValues.Num(y, "beta", d.Beta, 0, 1, maxExclusive: true), Lambda = ConfigValues.Num(y, "lambda", d.Lambda, 0, double.MaxValue),
                Gamma = ConfigValues.Num(y, "gamma", d.Gamma, 0, 1), Steps = ConfigValues.Int32(y, "steps", d.Steps, 1, 10_000),
                StepSize = ConfigValues.Num(y, "step_size", d.StepSize, 0, double.MaxValue, minExclusive: true),
            };
        },
        o => [S("beta", Num(o.Beta)), S("lambda", Num(o.Lambda)), S("gamma", Num(o.Gamma)), S("steps", Num(o.Steps)), S("step_size", Num(o.StepSize))]);
}
