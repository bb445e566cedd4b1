using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text;
using ImbalanceFair.Core.Attacks;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Training;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Bench;

/// <summary>
/// `pgd`: PGD-10 generation throughput (images per second) against a CLIP-style classifier, in imbfair
/// (<see cref="Attack.Pgd"/> through <see cref="AttackTarget"/>, as the pgd strategy and the eval attack run it) and in
/// PyTorch (bench/reference/pgd_clip.py: torchattacks' PGD loop on the same-shaped model, a child process serving
/// rounds on request), same libtorch, same thread count, in alternating rounds.
/// </summary>
internal static class PgdBenchmark
{
    private const string Help = """
        imbfair-bench pgd [options]
          --arch NAME      tiny-clip (ViT) | tiny-clip-conv (default tiny-clip)
          --image-size N   square image side (default 28, Fashion-MNIST's)
          --channels N     image channels, 1 (grey, repeated to 3 inside the model) or 3 (default 1)
          --classes N      classes (default 10)
          --batch N        images per attack batch (default 256)
          --batches N      attack batches per round (default 1)
          --steps N        PGD steps (default 10)
          --rounds N       timed rounds per side, alternating (default 5)
          --threads N      intra-op threads on both sides (default: the number of cores)
          --blas-threads N OpenBLAS threads on both sides, 0 to leave its default (default 1)
          --device D       cpu | cuda (default cpu)
          --python PATH    the interpreter with torch (default /usr/bin/python3, or $IMBFAIR_PYTHON)
          --reference PATH the PyTorch side (default bench/reference/pgd_clip.py)
          --csv PATH       where to write the results (default bench/results/pgd.csv)
        """;

    private const double Eps = 8.0 / 255, Alpha = 2.0 / 255;

    private sealed class Options() : BenchOptions("bench/reference/pgd_clip.py", "bench/results/pgd.csv")
    {
        public string Arch { get; set; } = "tiny-clip";
        public int ImageSize { get; set; } = 28;
        public int Channels { get; set; } = 1;
        public int Classes { get; set; } = 10;
        public int Batch { get; set; } = 256;
        public int Batches { get; set; } = 1;
        public int Steps { get; set; } = 10;
        public int BlasThreads { get; set; } = 1;
        public string Device { get; set; } = "cpu";
    }

    private sealed record Round(double Seconds, double ImagesPerSecond, double CpuSeconds)
    {
        public double PerCpuSecond => ImagesPerSecond * Seconds / CpuSeconds;
    }

    public static int Run(string[] args)
    {
        if (OptionReader.WantsHelp(args, Help))
        {
            return 0;
        }

        var o = Parse(args);
        BenchOptions.SetThreads(o.Threads, o.BlasThreads);

        if (o.Device == "cuda" && !torch.cuda.is_available())
        {
            throw new ArgumentException("--device cuda: libtorch sees no CUDA device");
        }

        var blas = torch.get_blas_num_threads() is { } b ? $"OpenBLAS {b} thread(s)" : "BLAS not OpenBLAS";
        Console.WriteLine($"pgd benchmark: PGD-{o.Steps} (L-inf, eps 8/255, step 2/255, random start) on {o.Arch} " +
                          $"({o.Channels}x{o.ImageSize}x{o.ImageSize}, {o.Classes} classes), {o.Batches} batch(es) of {o.Batch} per round, {o.Device}, " +
                          $"{o.Threads} intra-op threads, {blas}, {o.Rounds} alternating rounds after 1 warm-up round; libtorch {torch.version}");

        using var python = new PythonSide(o);
        using var ours = new ImbfairSide(o);
        ours.RunRound();
        python.WaitReady();

        var sides = Alternating.Rounds<Round>(o.Rounds, [_ => ours.RunRound(), _ => python.RunRound()], (r, x) =>
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {r + 1,2}: imbfair {x[0].ImagesPerSecond,8:F1} img/s ({x[0].PerCpuSecond,7:F1}/CPU-s)   pytorch {x[1].ImagesPerSecond,8:F1} img/s ({x[1].PerCpuSecond,7:F1}/CPU-s)   ratio {x[0].ImagesPerSecond / x[1].ImagesPerSecond:F3}")));
        var (mine, theirs) = (sides[0], sides[1]);

        var ourMedian = Stats.Median(mine.Select(x => x.ImagesPerSecond));
        var theirMedian = Stats.Median(theirs.Select(x => x.ImagesPerSecond));
        var ourCpu = Stats.Median(mine.Select(x => x.PerCpuSecond));
        var theirCpu = Stats.Median(theirs.Select(x => x.PerCpuSecond));
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine("| side    | images/s (median) | images/s (best) | images per CPU-second (median) |");
        sb.AppendLine("|---------|------------------:|----------------:|-------------------------------:|");
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| imbfair | {ourMedian,17:F1} | {mine.Max(x => x.ImagesPerSecond),15:F1} | {ourCpu,30:F1} |"));
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| pytorch | {theirMedian,17:F1} | {theirs.Max(x => x.ImagesPerSecond),15:F1} | {theirCpu,30:F1} |"));
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio imbfair/pytorch (images/s): {ourMedian / theirMedian:F3} median of rounds, {Stats.Median(mine.Zip(theirs, (a, t) => a.ImagesPerSecond / t.ImagesPerSecond)):F3} median of per-round ratios, " +
            $"{mine.Max(x => x.ImagesPerSecond) / theirs.Max(x => x.ImagesPerSecond):F3} best vs best; per CPU-second: {ourCpu / theirCpu:F3}"));
        Console.Write(sb.ToString());

        WriteCsv(o, mine, theirs);
        Console.WriteLine($"wrote {o.Csv}");
        return 0;
    }

    private static void WriteCsv(Options o, List<Round> mine, List<Round> theirs) =>
        o.WriteRounds("pgd", "arch,device,threads,blas_threads,batch,batches,steps,seconds,cpu_seconds,images_per_second",
            string.Create(CultureInfo.InvariantCulture, $"{o.Arch},{o.Device},{o.Threads},{o.BlasThreads},{o.Batch},{o.Batches},{o.Steps}"), mine, theirs,
            r => string.Create(CultureInfo.InvariantCulture, $"{r.Seconds:F6},{r.CpuSeconds:F6},{r.ImagesPerSecond:F2}"));

    private static Options Parse(string[] args) => BenchOptions.Parse<Options>(args, Help, static (o, a) =>
    {
        switch (a.Name)
        {
            case "--arch": o.Arch = a.OneOf("tiny-clip", "tiny-clip-conv"); return true;
            case "--image-size": o.ImageSize = a.Whole(4); return true;
            case "--channels": o.Channels = int.Parse(a.OneOf("1", "3"), CultureInfo.InvariantCulture); return true;
            case "--classes": o.Classes = a.Whole(2); return true;
            case "--batch": o.Batch = a.Whole(1); return true;
            case "--batches": o.Batches = a.Whole(1); return true;
            case "--steps": o.Steps = a.Whole(1); return true;
            case "--blas-threads": o.BlasThreads = a.Whole(0); return true;
            case "--device": o.Device = a.OneOf("cpu", "cuda"); return true;
            default: return false;
        }
    });

    /// <summary>The imbfair side: a CLIP classifier of the preset (random weights) attacked as the strategies attack it.</summary>
    private sealed class ImbfairSide : IDisposable
    {
        private readonly Options _o;
        private readonly Device _device;
        private readonly ClipModel _model;
        private readonly ClipClassifier _classifier;
        private readonly (Tensor x, Tensor y)[] _batches;

        public ImbfairSide(Options o)
        {
            _o = o;
            _device = o.Device == "cuda" ? new Device(DeviceType.CUDA, 0) : Device.CPU;
            var classes = Enumerable.Range(0, o.Classes).Select(c => $"class{c}").ToArray();
            string[] templates = ["a photo of a {}."];
            var tokenizer = PromptTokenizer.Build(classes, templates);
            torch.manual_seed(0);
            _model = new ClipModel(ClipPresets.For(o.Arch, o.ImageSize, tokenizer.VocabSize, tokenizer.ContextLength), [0.5], [0.25]);
            _classifier = new ClipClassifier(_model, tokenizer, classes, templates, TrainMode.TextHead, _device);
            using var scope = torch.NewDisposeScope();
            _batches = Enumerable.Range(0, o.Batches)
                .Select(_ => (torch.rand([o.Batch, o.Channels, o.ImageSize, o.ImageSize], device: _device).DetachFromDisposeScope(),
                    torch.randint(0, o.Classes, [o.Batch], device: _device).DetachFromDisposeScope()))
                .ToArray();
        }

        public Round RunRound()
        {
            using var self = Process.GetCurrentProcess();
            Sync();
            var cpu = self.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            using (var target = new AttackTarget(_classifier))
            {
                foreach (var (x, y) in _batches)
                {
                    using var scope = torch.NewDisposeScope();
                    var eps = torch.full([_o.Batch], Eps, device: _device);
                    var alpha = torch.full([_o.Batch], Alpha, device: _device);
                    Attack.Pgd(target.Logits, x, y, eps, alpha, _o.Steps, AttackNorm.Linf, randomStart: true);
                }
            }

            Sync();
            var seconds = clock.Elapsed.TotalSeconds;
            self.Refresh();
            return new Round(seconds, _o.Batch * _o.Batches / seconds, (self.TotalProcessorTime - cpu).TotalSeconds);
        }

        private void Sync()
        {
            if (_device.IsCuda)
            {
                torch.cuda.synchronize();
            }
        }

        public void Dispose()
        {
            foreach (var (x, y) in _batches)
            {
                x.Dispose();
                y.Dispose();
            }

            _classifier.Dispose();
            _model.Dispose();
        }
    }

    /// <summary>pgd_clip.py --serve in a child process: set up and warmed up once, then a round per request.</summary>
    private sealed class PythonSide(Options o) : ReferenceProcess(o.Python, o.Reference,
    [
        "--threads", $"{o.Threads}", "--blas-threads", $"{o.BlasThreads}", "--arch", o.Arch,
        "--image-size", $"{o.ImageSize}", "--channels", $"{o.Channels}", "--classes", $"{o.Classes}", "--batch", $"{o.Batch}",
        "--batches", $"{o.Batches}", "--steps", $"{o.Steps}", "--device", o.Device,
    ])
    {
        public Round RunRound()
        {
            var json = Ask("round");
            return new Round(json.GetProperty("seconds").GetDouble(), json.GetProperty("images_per_second").GetDouble(), json.GetProperty("cpu_seconds").GetDouble());
        }
    }
}
