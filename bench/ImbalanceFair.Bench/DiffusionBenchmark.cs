using System.Diagnostics;
using System.Globalization;
using System.Text;
using ImbalanceFair.Core.Augmentation.Diffusion;
using ImbalanceFair.Torch;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Bench;

/// <summary>
/// `diffusion`: the built-in generator's U-Net (<see cref="Denoiser"/>) in imbfair and the same network in PyTorch
/// (bench/reference/diffusion_unet.py, a child process serving rounds on request), same libtorch and threads, in
/// alternating rounds: training images/s (ε-prediction loss with class dropout, backward, gradient clipping, AdamW,
/// as <see cref="GeneratorTraining"/> steps) and sampling network evaluations/s (DDIM with classifier-free guidance,
/// two evaluations per image and step, as <see cref="DdimSampler"/>).
/// </summary>
internal static class DiffusionBenchmark
{
    private const string Help = """
        imbfair-bench diffusion [options]
          --base N          U-Net base channels (default 16, the generator's default)
          --image-size N    square image side, a multiple of 4 (default 28, Fashion-MNIST's)
          --channels N      image channels (default 1)
          --classes N       classes (default 10)
          --batch N         training batch (default 32, the generator's default)
          --steps N         training steps per round (default 20)
          --sample-batch N  images per sampling round (default 64)
          --sampler-steps N DDIM steps per sampling round (default 10, the generator's default)
          --rounds N        timed rounds per side, alternating (default 5)
          --threads N       intra-op threads on both sides (default: the number of cores)
          --blas-threads N  OpenBLAS threads on both sides, 0 to leave its default (default 1)
          --python PATH     the interpreter with torch (default /usr/bin/python3, or $IMBFAIR_PYTHON)
          --reference PATH  the PyTorch side (default bench/reference/diffusion_unet.py)
          --csv PATH        where to write the results (default bench/results/diffusion.csv)
        """;

    /// <summary>The generator's defaults (augment.diffusion.generator), which the benchmark's defaults follow.</summary>
    private static readonly GeneratorOptions s_generator = new();

    private sealed class Options() : BenchOptions("bench/reference/diffusion_unet.py", "bench/results/diffusion.csv")
    {
        public int Base { get; set; } = s_generator.Channels;
        public int ImageSize { get; set; } = 28;
        public int Channels { get; set; } = 1;
        public int Classes { get; set; } = 10;
        public int Batch { get; set; } = s_generator.BatchSize;
        public int Steps { get; set; } = 20;
        public int SampleBatch { get; set; } = 64;
        public int SamplerSteps { get; set; } = s_generator.SamplerSteps;
        public int BlasThreads { get; set; } = 1;
    }

    private sealed record Round(double TrainImagesPerSecond, double SampleEvaluationsPerSecond);

    public static int Run(string[] args)
    {
        if (OptionReader.WantsHelp(args, Help))
        {
            return 0;
        }

        var o = Parse(args);
        BenchOptions.SetThreads(o.Threads, o.BlasThreads);

        Console.WriteLine($"diffusion benchmark: U-Net base {o.Base} on {o.Channels}x{o.ImageSize}x{o.ImageSize}, {o.Classes} classes; training {o.Steps} steps of {o.Batch}, " +
                          $"sampling {o.SampleBatch} images x {o.SamplerSteps} DDIM steps with guidance (2 evaluations each); {o.Threads} intra-op threads, {o.Rounds} alternating rounds; libtorch {torch.version}");
        using var python = new PythonSide(o);
        using var ours = new ImbfairSide(o);
        ours.RunRound();
        python.WaitReady();
        var sides = Alternating.Rounds<Round>(o.Rounds, [_ => ours.RunRound(), _ => python.RunRound()], (r, x) =>
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {r + 1,2}: train imbfair {x[0].TrainImagesPerSecond,8:F1} img/s  pytorch {x[1].TrainImagesPerSecond,8:F1} img/s   sample imbfair {x[0].SampleEvaluationsPerSecond,8:F1} eval/s  pytorch {x[1].SampleEvaluationsPerSecond,8:F1} eval/s")));
        var (mine, theirs) = (sides[0], sides[1]);
        double trainOurs = Stats.Median(mine.Select(r => r.TrainImagesPerSecond)), trainTheirs = Stats.Median(theirs.Select(r => r.TrainImagesPerSecond));
        double sampleOurs = Stats.Median(mine.Select(r => r.SampleEvaluationsPerSecond)), sampleTheirs = Stats.Median(theirs.Select(r => r.SampleEvaluationsPerSecond));
        Console.WriteLine();
        Console.WriteLine("| measure (median of rounds) | imbfair | pytorch | ratio |");
        Console.WriteLine("|---|--:|--:|--:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| training images/s | {trainOurs:F1} | {trainTheirs:F1} | {trainOurs / trainTheirs:F3} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| sampling evaluations/s | {sampleOurs:F1} | {sampleTheirs:F1} | {sampleOurs / sampleTheirs:F3} |"));
        WriteCsv(o, mine, theirs);
        Console.WriteLine($"wrote {o.Csv}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio imbfair/pytorch: training {trainOurs / trainTheirs:F3}, sampling {sampleOurs / sampleTheirs:F3}"));
        return 0;
    }

    private static void WriteCsv(Options o, List<Round> mine, List<Round> theirs) =>
        o.WriteRounds("diffusion", "base,image_size,channels,threads,blas_threads,batch,steps,sample_batch,sampler_steps,train_images_per_second,sample_evaluations_per_second",
            string.Create(CultureInfo.InvariantCulture, $"{o.Base},{o.ImageSize},{o.Channels},{o.Threads},{o.BlasThreads},{o.Batch},{o.Steps},{o.SampleBatch},{o.SamplerSteps}"), mine, theirs,
            r => string.Create(CultureInfo.InvariantCulture, $"{r.TrainImagesPerSecond:F2},{r.SampleEvaluationsPerSecond:F2}"));

    private static Options Parse(string[] args) => BenchOptions.Parse<Options>(args, Help, static (o, a) =>
    {
        switch (a.Name)
        {
            case "--base": o.Base = a.Whole(8); return true;
            case "--image-size": o.ImageSize = a.Whole(4); return true;
            case "--channels": o.Channels = a.Whole(1); return true;
            case "--classes": o.Classes = a.Whole(1); return true;
            case "--batch": o.Batch = a.Whole(1); return true;
            case "--steps": o.Steps = a.Whole(1); return true;
            case "--sample-batch": o.SampleBatch = a.Whole(1); return true;
            case "--sampler-steps": o.SamplerSteps = a.Whole(1); return true;
            case "--blas-threads": o.BlasThreads = a.Whole(0); return true;
            default: return false;
        }
    });

    /// <summary>The imbfair side: the generator's own loss, sampler and optimiser settings on fixed random data.</summary>
    private sealed class ImbfairSide : IDisposable
    {
        private readonly Options _o;
        private readonly Denoiser _model;
        private readonly optim.AdamW _optimizer;
        private readonly NoiseSchedule _schedule = NoiseSchedule.Cosine(1000);
        private readonly Tensor _images;
        private readonly Tensor _labels;

        public ImbfairSide(Options o)
        {
            _o = o;
            torch.manual_seed(0);
            _model = new Denoiser(o.Channels, o.Base, o.Classes);
            _optimizer = new optim.AdamW(_model.parameters(), lr: 1e-3, weight_decay: 0);
            using var scope = torch.NewDisposeScope();
            _images = ((torch.rand([o.Batch, o.Channels, o.ImageSize, o.ImageSize]) * 2) - 1).DetachFromDisposeScope();
            _labels = torch.randint(0, o.Classes, [o.Batch]).DetachFromDisposeScope();
        }

        public Round RunRound()
        {
            var clock = Stopwatch.StartNew();
            _model.train();
            var parameters = _model.parameters().ToArray();
            for (var s = 0; s < _o.Steps; s++)
            {
                using var scope = torch.NewDisposeScope();
                var loss = GeneratorTraining.Loss(_model, _images, _labels, _schedule, 0.1, "v");
                _optimizer.zero_grad();
                loss.backward();
                nn.utils.clip_grad_norm_(parameters, 1.0);
                _optimizer.step();
            }

            var train = _o.Steps * _o.Batch / clock.Elapsed.TotalSeconds;
            clock.Restart();
            var sampler = new DdimSampler(_schedule, _o.SamplerSteps, 2.0, "v");
            using (var scope = torch.NewDisposeScope())
            {
                var noise = torch.randn([_o.SampleBatch, _o.Channels, _o.ImageSize, _o.ImageSize]);
                var y = torch.randint(0, _o.Classes, [_o.SampleBatch]);
                sampler.Sample(_model, noise, y).Dispose();
            }

            var evaluations = 2.0 * _o.SampleBatch * _o.SamplerSteps / clock.Elapsed.TotalSeconds;
            return new Round(train, evaluations);
        }

        public void Dispose()
        {
            _images.Dispose();
            _labels.Dispose();
            _optimizer.Dispose();
            _model.Dispose();
        }
    }

    /// <summary>diffusion_unet.py --serve in a child process: a training round and a sampling round per request.</summary>
    private sealed class PythonSide(Options o) : ReferenceProcess(o.Python, o.Reference,
    [
        "--threads", $"{o.Threads}", "--blas-threads", $"{o.BlasThreads}", "--base", $"{o.Base}", "--classes", $"{o.Classes}",
        "--image-channels", $"{o.Channels}", "--size", $"{o.ImageSize}", "--batch", $"{o.Batch}", "--steps", $"{o.Steps}",
        "--sample-batch", $"{o.SampleBatch}", "--sampler-steps", $"{o.SamplerSteps}",
    ])
    {
        public Round RunRound()
        {
            var train = Ask("train");
            var sample = Ask("sample");
            return new Round(train.GetProperty("images_per_second").GetDouble(), sample.GetProperty("evaluations_per_second").GetDouble());
        }
    }
}
