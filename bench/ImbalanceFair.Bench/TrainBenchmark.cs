using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text;
using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Training;
using ImbalanceFair.Core;
using ImbalanceFair.Torch.Serialization;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Bench;

/// <summary>
/// The train benchmark: training throughput of the same CLIP model (preset tiny-clip or tiny-clip-conv) and the
/// same text-head training step in imbfair and in plain PyTorch (bench/reference/train_clip.py, a child process
/// serving rounds on request), same libtorch, same threads, alternating timed rounds.
/// The imbfair side is the real Core code: ClipModel, ClipClassifier and Trainer.Run, one epoch of --steps
/// batches per round (a fresh optimizer and schedule each round, as each Run makes; the PyTorch side does the same).
/// Before timing, both sides must have the same parameter names, shapes and count, and, from the same weights and
/// batch, the same loss and gradient norm: a mismatch ends the benchmark with an error.
/// </summary>
internal static class TrainBenchmark
{
    private const string Help = """
        imbfair-bench train [options]
          --arch NAME      tiny-clip | tiny-clip-conv (default tiny-clip)
          --batch N        images per step (default 256)
          --steps N        training steps per round (default 20)
          --rounds N       timed rounds per side, alternating (default 5)
          --warmup N       untimed steps before the first round, each side (default 3)
          --threads N      intra-op threads on both sides (default: the number of cores)
          --blas-threads N OpenBLAS threads on both sides, or 0 to leave OpenBLAS's own default (default 1)
          --attention X    the PyTorch side's attention: sdpa (torch's private _scaled_dot_product_attention,
                           the kernel imbfair calls) | math (softmax(q kᵀ/√d + mask) v written out) (default sdpa)
          --allocator X    shipped: imbfair applies its glibc allocator policy (TorchRuntime.ConfigureAllocator,
                           as the CLI does), PyTorch runs with glibc's defaults, as each runs by default;
                           same: the PyTorch side gets the same policy (through MALLOC_* variables);
                           default: neither side changes glibc's defaults (default shipped)
          --kernels X      on | off: imbfair with or without the shim's own CPU kernels (fused attention, split
                           linear GEMMs; torch.set_native_kernels); both: a third side, imbfair without them, in
                           the same alternating rounds, for the kernels' own gain; blas: a third side, imbfair
                           with its float32 GEMMs on OpenBLAS instead of oneDNN (torch.set_onednn_gemm); bf16: a third
                           side, imbfair with train.precision: bf16 (bf16 GEMMs on a CPU with bf16 instructions) (default on)
          --dataset NAME   the descriptor whose classes, prompt templates and normalisation are used; the images
                           are random 28x28 grey uint8 (default fashion-mnist: 10 classes x 4 templates)
          --python PATH    the interpreter with torch (default /usr/bin/python3, or $IMBFAIR_PYTHON)
          --reference PATH the PyTorch side (default bench/reference/train_clip.py)
          --csv PATH       where to write the results (default bench/results/train.csv; rows of other
                           architectures already there are kept)
        """;

    private const int ImageSize = 28;

    private sealed class Options() : BenchOptions("bench/reference/train_clip.py", "bench/results/train.csv")
    {
        public string Arch { get; set; } = "tiny-clip";
        public int Batch { get; set; } = 256;
        public int Steps { get; set; } = 20;
        public int Warmup { get; set; } = 3;
        public int BlasThreads { get; set; } = 1;
        public string Attention { get; set; } = "sdpa";
        public string Allocator { get; set; } = "shipped";
        public string Kernels { get; set; } = "on";
        public string Dataset { get; set; } = "fashion-mnist";
    }

    // Elsewhere: the mean number of cores that other processes kept busy during the round (from /proc/stat, less
    // the timed side's own CPU time); the machine may be shared, and a busy core slows a 2-thread OpenMP step badly.
    private sealed record Round(double Seconds, double ImagesPerSecond, double CpuSeconds, double Loss, long PageFaults, int Steps, double Elsewhere = double.NaN);

    /// <summary>Rounds with more than this many cores busy elsewhere are reported as disturbed.</summary>
    private const double QuietCores = 0.15;

    /// <summary>Times one round of a side: wall time, and the machine's busy CPU time from /proc/stat.</summary>
    private static Round Timed(Func<Round> run)
    {
        var before = MachineBusySeconds();
        var clock = Stopwatch.StartNew();
        var round = run();
        var wall = clock.Elapsed.TotalSeconds;
        var after = MachineBusySeconds();
        return before is { } b && after is { } a ? round with { Elsewhere = Math.Max(0, (a - b - round.CpuSeconds) / wall) } : round;
    }

    /// <summary>This process's minor page faults so far (/proc/self/stat), or 0 off Linux.</summary>
    private static long MinorFaults()
    {
        try
        {
            // Fields after the parenthesised command name: state ppid pgrp session tty_nr tpgid flags minflt ...
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[7], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>CPU seconds all cores have been busy since boot (user, nice, system, irq, softirq, steal), or null off Linux.</summary>
    private static double? MachineBusySeconds()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long Field(int i) => long.Parse(fields[i], CultureInfo.InvariantCulture);

            // USER_HZ is 100 on every Linux architecture .NET runs on.
            return (Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8)) / 100.0;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static int Run(string[] args)
    {
        if (OptionReader.WantsHelp(args, Help))
        {
            return 0;
        }

        var o = Parse(args);
        var allocator = o.Allocator != "default" && TorchRuntime.ConfigureAllocator()
            ? $"imbfair: trim threshold {TorchRuntime.TrimThresholdBytes >> 20} MiB, mmap threshold {TorchRuntime.MmapThresholdBytes >> 20} MiB; pytorch: {(o.Allocator == "same" ? "the same" : "glibc defaults")}"
            : Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is { Length: > 0 } trim
                ? $"both sides from the environment (MALLOC_TRIM_THRESHOLD_={trim})"
                : "glibc defaults on both sides";
        BenchOptions.SetThreads(o.Threads, o.BlasThreads);

        var descriptor = DatasetCatalog.Find(o.Dataset);
        var blas = torch.get_blas_num_threads() is { } b ? $"OpenBLAS {b} thread(s)" : "BLAS not OpenBLAS";
        Console.WriteLine($"train benchmark: {o.Arch}, text-head step (CE, AdamW, clip 1.0) on {ImageSize}x{ImageSize} grey images, batch {o.Batch}, " +
                          $"{descriptor.NumClasses} classes x {descriptor.Prompts.Count} templates ({descriptor.Name}); {o.Threads} intra-op threads, {blas}; " +
                          $"{o.Rounds} alternating rounds of {o.Steps} steps after {o.Warmup} warm-up steps; libtorch {torch.version}; PyTorch attention: {o.Attention}; allocator: {allocator}");

        using var ours = new ImbfairSide(o, descriptor);
        using var python = new PythonSide(o, descriptor);
        python.WaitReady(ours);
        Console.WriteLine($"parameters: imbfair {ours.ParameterCount:N0}, pytorch {python.ParameterCount:N0} (same names and shapes); " +
                          $"vocabulary {ours.VocabSize}, context {ours.ContextLength}");
        CheckSameComputation(ours, python);

        ours.Warmup();
        Func<int, Round> Imbfair(bool kernels, bool onednn = true, string precision = "fp32") => r =>
        {
            torch.set_native_kernels(kernels);
            torch.set_onednn_gemm(onednn);
            try
            {
                return Timed(() => ours.RunRound(r, precision));
            }
            finally
            {
                torch.set_native_kernels(true);
                torch.set_onednn_gemm(true);
            }
        };

        List<Func<int, Round>> sides = [Imbfair(o.Kernels != "off"), _ => Timed(python.RunRound)];
        if (o.Kernels is "both" or "blas" or "bf16")
        {
            sides.Add(o.Kernels switch { "both" => Imbfair(false), "blas" => Imbfair(true, onednn: false), _ => Imbfair(true, precision: "bf16") });
        }

        var thirdName = o.Kernels switch { "blas" => "with BLAS GEMMs", "bf16" => "bf16", _ => "without kernels" };

        var results = Alternating.Rounds(o.Rounds, sides, (r, x) =>
        {
            var third = x.Length > 2
                ? string.Create(CultureInfo.InvariantCulture, $"   {thirdName} {x[2].ImagesPerSecond,7:F0} img/s (gain {x[0].ImagesPerSecond / x[2].ImagesPerSecond:F3})")
                : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {r + 1,2}: imbfair {x[0].ImagesPerSecond,7:F0} img/s ({PerCpuSecond(x[0]),6:F0}/CPU-s, {FaultsPerStep(x[0]),5:F0} faults/step, {x[0].Elsewhere:F2} cores busy elsewhere)   " +
                $"pytorch {x[1].ImagesPerSecond,7:F0} img/s ({PerCpuSecond(x[1]),6:F0}/CPU-s, {FaultsPerStep(x[1]),5:F0} faults/step, {x[1].Elsewhere:F2} elsewhere)   ratio {x[0].ImagesPerSecond / x[1].ImagesPerSecond:F3}") + third);
        });
        var (mine, theirs) = (results[0], results[1]);
        var without = results.Length > 2 ? results[2] : null;

        var ourMedian = Stats.Median(mine.Select(x => x.ImagesPerSecond));
        var theirMedian = Stats.Median(theirs.Select(x => x.ImagesPerSecond));
        var ourBest = mine.Max(x => x.ImagesPerSecond);
        var theirBest = theirs.Max(x => x.ImagesPerSecond);
        var ourCpu = Stats.Median(mine.Select(PerCpuSecond));
        var theirCpu = Stats.Median(theirs.Select(PerCpuSecond));
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine("| arch | side | images/s (median) | images/s (best) | images per CPU-second (median) | page faults per step (median) |");
        sb.AppendLine("|------|------|------------------:|----------------:|-------------------------------:|------------------------------:|");
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {o.Arch} | imbfair | {ourMedian:F0} | {ourBest:F0} | {ourCpu:F0} | {Stats.Median(mine.Select(FaultsPerStep)):F0} |"));
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {o.Arch} | pytorch | {theirMedian:F0} | {theirBest:F0} | {theirCpu:F0} | {Stats.Median(theirs.Select(FaultsPerStep)):F0} |"));
        if (without is not null)
        {
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {o.Arch} | imbfair {thirdName} | {Stats.Median(without.Select(x => x.ImagesPerSecond)):F0} | {without.Max(x => x.ImagesPerSecond):F0} | {Stats.Median(without.Select(PerCpuSecond)):F0} | {Stats.Median(without.Select(FaultsPerStep)):F0} |"));
        }

        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio imbfair/pytorch (images/s): {ourMedian / theirMedian:F3} median of rounds, {Stats.Median(mine.Zip(theirs, (a, c) => a.ImagesPerSecond / c.ImagesPerSecond)):F3} median of per-round ratios, " +
            $"{ourBest / theirBest:F3} best vs best; per CPU-second: {ourCpu / theirCpu:F3}"));
        if (without is not null)
        {
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"imbfair vs imbfair {thirdName} (images/s): {Stats.Median(mine.Zip(without, (a, c) => a.ImagesPerSecond / c.ImagesPerSecond)):F3} median of per-round ratios; " +
                $"imbfair {thirdName} vs pytorch: {Stats.Median(without.Zip(theirs, (a, c) => a.ImagesPerSecond / c.ImagesPerSecond)):F3} median of per-round ratios"));
        }

        var quiet = Enumerable.Range(0, o.Rounds).Where(i => !(mine[i].Elsewhere > QuietCores) && !(theirs[i].Elsewhere > QuietCores)).ToList();
        if (quiet.Count == o.Rounds)
        {
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"every round ran on a quiet machine (at most {QuietCores} cores busy elsewhere)"));
        }
        else if (quiet.Count > 0)
        {
            double QuietMedian(List<Round> side) => Stats.Median(quiet.Select(i => side[i].ImagesPerSecond));
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"other processes kept more than {QuietCores} cores busy in {o.Rounds - quiet.Count} of {o.Rounds} round pairs; in the {quiet.Count} quiet pair(s): " +
                $"imbfair {QuietMedian(mine):F0} img/s, pytorch {QuietMedian(theirs):F0} img/s (medians), ratio {QuietMedian(mine) / QuietMedian(theirs):F3}, " +
                $"median of per-round ratios {Stats.Median(quiet.Select(i => mine[i].ImagesPerSecond / theirs[i].ImagesPerSecond)):F3}"));
        }
        else
        {
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"warning: other processes kept more than {QuietCores} cores busy in every round pair; the numbers measure the contention as much as the code"));
        }

        Console.Write(sb.ToString());

        WriteCsv(o, mine, theirs, without);
        Console.WriteLine($"wrote {o.Csv}");
        return 0;
    }

    /// <summary>
    /// Both sides from the same weights on the same batch: the loss and the global gradient norm must agree, or the
    /// two sides are not the same model and the comparison would mean nothing.
    /// </summary>
    private static void CheckSameComputation(ImbfairSide ours, PythonSide python)
    {
        var path = Path.Combine(Path.GetTempPath(), $"imbfair-train-check-{Environment.ProcessId}.safetensors");
        try
        {
            var (loss, norm) = ours.CheckStep(path);
            var (theirLoss, theirNorm) = python.Check(path);
            var lossOk = Math.Abs(loss - theirLoss) <= 1e-4 * Math.Max(1, Math.Abs(loss));
            var normOk = Math.Abs(norm - theirNorm) <= 1e-3 * Math.Max(1e-3, Math.Abs(norm));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"same weights, same batch: loss imbfair {loss:F6} pytorch {theirLoss:F6}; gradient norm imbfair {norm:F6} pytorch {theirNorm:F6}"));
            if (!lossOk || !normOk)
            {
                throw new InvalidOperationException("the two sides do not compute the same training step (loss or gradient norm differ); the benchmark would compare different work");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void WriteCsv(Options o, List<Round> ours, List<Round> theirs, List<Round>? without)
    {
        const string Header = "run_utc,arch,side,round,threads,blas_threads,batch,steps,attention,allocator,native_kernels,seconds,cpu_seconds,images_per_second,loss,minor_page_faults,cores_busy_elsewhere";
        var inv = CultureInfo.InvariantCulture;
        var when = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", inv);
        var sb = new StringBuilder(Header).Append('\n');

        // Keep the rows of the other architectures from earlier runs: one file holds the latest run of each.
        if (File.Exists(o.Csv))
        {
            var lines = File.ReadAllLines(o.Csv);
            if (lines.Length > 0 && lines[0] == Header)
            {
                foreach (var line in lines.Skip(1).Where(l => l.Split(',') is { Length: > 2 } f && f[1] != o.Arch))
                {
                    sb.Append(line).Append('\n');
                }
            }
        }

        void Row(string side, int round, Round x, string kernels) =>
            sb.Append(inv, $"{when},{o.Arch},{side},{round},{o.Threads},{o.BlasThreads},{o.Batch},{o.Steps},{o.Attention},{o.Allocator},{kernels},")
              .Append(inv, $"{x.Seconds:F6},{x.CpuSeconds:F6},{x.ImagesPerSecond:F2},{x.Loss:F6},{x.PageFaults},{x.Elsewhere:F3}\n");
        for (var r = 0; r < ours.Count; r++)
        {
            Row("imbfair", r + 1, ours[r], o.Kernels == "off" ? "off" : "on");
            Row("pytorch", r + 1, theirs[r], "");
            if (without is not null)
            {
                Row("imbfair", r + 1, without[r], o.Kernels is "blas" or "bf16" ? o.Kernels : "off");
            }
        }

        o.WriteCsv(sb.ToString());
    }

    private static double PerCpuSecond(Round r) => r.ImagesPerSecond * r.Seconds / r.CpuSeconds;

    private static double FaultsPerStep(Round r) => (double)r.PageFaults / r.Steps;

    private static Options Parse(string[] args) => BenchOptions.Parse<Options>(args, Help, static (o, a) =>
    {
        switch (a.Name)
        {
            case "--arch": o.Arch = a.OneOf("tiny-clip", "tiny-clip-conv"); return true;
            case "--batch": o.Batch = a.Whole(1); return true;
            case "--steps": o.Steps = a.Whole(1); return true;
            case "--warmup": o.Warmup = a.Whole(1); return true;
            case "--blas-threads": o.BlasThreads = a.Whole(0); return true;
            case "--attention": o.Attention = a.OneOf("sdpa", "math"); return true;
            case "--allocator": o.Allocator = a.OneOf("shipped", "same", "default"); return true;
            case "--kernels": o.Kernels = a.OneOf("on", "off", "both", "blas", "bf16"); return true;
            case "--dataset": o.Dataset = a.Value(); return true;
            default: return false;
        }
    });

    /// <summary>Random grey uint8 images [n, 1, 28, 28] and labels, as a Fashion-MNIST training set holds them.</summary>
    private static (Tensor images, Tensor labels) RandomSet(long n, int classes)
    {
        using var scope = torch.NewDisposeScope();
        var images = torch.randint(0, 256, [n, 1, ImageSize, ImageSize], ScalarType.UInt8);
        var labels = torch.randint(0, classes, [n]);
        return (images.DetachFromDisposeScope(), labels.DetachFromDisposeScope());
    }

    /// <summary>The real thing: ClipModel + ClipClassifier (text head) trained by Trainer.Run.</summary>
    private sealed class ImbfairSide : IDisposable
    {
        private readonly Options _o;
        private readonly DatasetDescriptor _descriptor;
        private readonly ClipModel _model;
        private readonly ClipClassifier _classifier;
        private readonly Tensor _images;
        private readonly Tensor _labels;

        public ImbfairSide(Options o, DatasetDescriptor descriptor)
        {
            _o = o;
            _descriptor = descriptor;
            torch.manual_seed(0);
            var tokenizer = PromptTokenizer.Build(descriptor.Classes, descriptor.Prompts);
            VocabSize = tokenizer.VocabSize;
            ContextLength = tokenizer.ContextLength;
            _model = new ClipModel(ClipPresets.For(o.Arch, ImageSize, tokenizer.VocabSize, tokenizer.ContextLength), descriptor.Mean, descriptor.Std);
            _classifier = new ClipClassifier(_model, tokenizer, descriptor.Classes, descriptor.Prompts, TrainMode.TextHead, Device.CPU);
            (_images, _labels) = RandomSet((long)o.Steps * o.Batch, descriptor.NumClasses);
        }

        public int VocabSize { get; }

        public int ContextLength { get; }

        public long ParameterCount => _model.parameter_count();

        public SortedDictionary<string, string> StateShapes()
        {
            var shapes = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, t) in _model.state_dict())
            {
                shapes[name] = $"[{string.Join(", ", t.shape)}]";
            }

            return shapes;
        }

        private TrainOptions Options(int steps, string precision = "fp32") => new()
        {
            Mode = TrainMode.TextHead,
            Loss = "ce",
            Sampler = "instance",
            Epochs = 1,
            BatchSize = _o.Batch,
            Optimizer = new OptimizerOptions { Name = "adamw", Lr = 1e-3, Beta1 = 0.9, Beta2 = 0.98, Eps = 1e-6, WeightDecay = 0.05 },
            Schedule = new ScheduleOptions { Name = "cosine", WarmupSteps = 100 },
            Precision = precision,
            Select = "last",
            GradClip = 1.0,
            LogEvery = Math.Max(1, steps),
        };

        /// <summary>The loss and the global gradient norm of one forward/backward on a fixed batch; writes the weights and the batch to <paramref name="path"/>.</summary>
        public (double loss, double gradNorm) CheckStep(string path)
        {
            using var scope = torch.NewDisposeScope();
            var pixels = torch.randint(0, 256, [16, 1, ImageSize, ImageSize], ScalarType.UInt8).to(ScalarType.Float32) / 255.0;
            var labels = torch.randint(0, _descriptor.NumClasses, [16]);
            var tensors = _model.state_dict().ToDictionary(kv => "model." + kv.Key, kv => kv.Value, StringComparer.Ordinal);
            tensors["pixels"] = pixels;
            tensors["labels"] = labels;
            SafeTensors.Save(path, tensors);

            _classifier.Train(true);
            var parameters = _classifier.TrainableParameters();
            var loss = nn.functional.cross_entropy(_classifier.Logits(pixels), labels);
            loss.backward();
            var norm = nn.utils.clip_grad_norm_(parameters, double.PositiveInfinity);
            var value = loss.item();
            foreach (var p in parameters)
            {
                p.zero_grad();
            }

            return (value, norm);
        }

        public void Warmup()
        {
            var (images, labels) = RandomSet((long)_o.Warmup * _o.Batch, _descriptor.NumClasses);
            using (images)
            using (labels)
            {
                Train(images, labels, _o.Warmup, seed: -1);
            }
        }

        private TrainResult Train(Tensor images, Tensor labels, int steps, long seed, string precision = "fp32")
        {
            var trainer = new Trainer(_classifier, new FixedTrainingSet(images, labels, _descriptor.NumClasses), validation: null, Options(steps, precision), seed);
            return trainer.Run();
        }

        public Round RunRound(int round, string precision)
        {
            using var self = Process.GetCurrentProcess();
            var cpu = self.TotalProcessorTime;
            var faults = MinorFaults();
            var clock = Stopwatch.StartNew();
            var result = Train(_images, _labels, _o.Steps, seed: round, precision);
            var seconds = clock.Elapsed.TotalSeconds;
            self.Refresh();
            if (result.State.GlobalStep != _o.Steps)
            {
                throw new InvalidOperationException($"the trainer ran {result.State.GlobalStep} steps, not {_o.Steps}");
            }

            return new Round(seconds, _o.Steps * _o.Batch / seconds, (self.TotalProcessorTime - cpu).TotalSeconds, result.State.Log[^1].Loss, MinorFaults() - faults, _o.Steps);
        }

        public void Dispose()
        {
            _images.Dispose();
            _labels.Dispose();
            _classifier.Dispose();
            _model.Dispose();
        }
    }

    /// <summary>train_clip.py --serve in a child process: built and warmed up once, then a round per request.</summary>
    private sealed class PythonSide(Options o, DatasetDescriptor descriptor) : ReferenceProcess(o.Python, o.Reference,
    [
        "--arch", o.Arch, "--threads", $"{o.Threads}", "--blas-threads", $"{o.BlasThreads}",
        "--batch", $"{o.Batch}", "--steps", $"{o.Steps}", "--warmup", $"{o.Warmup}", "--attention", o.Attention,
        "--prompts", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["classes"] = descriptor.Classes, ["templates"] = descriptor.Prompts, ["mean"] = descriptor.Mean, ["std"] = descriptor.Std,
        }),
    ],
        environment: o.Allocator == "same" && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_"))
            ? new Dictionary<string, string?>
            {
                ["MALLOC_TRIM_THRESHOLD_"] = TorchRuntime.TrimThresholdBytes.ToString(CultureInfo.InvariantCulture),
                ["MALLOC_MMAP_THRESHOLD_"] = TorchRuntime.MmapThresholdBytes.ToString(CultureInfo.InvariantCulture),
            }
            : null)
    {
        private readonly int _steps = o.Steps;

        public long ParameterCount { get; private set; }

        /// <summary>Waits for the ready line and checks that the model there is ours: the same names, shapes, count and vocabulary.</summary>
        public void WaitReady(ImbfairSide ours)
        {
            var line = ReadLine();
            JsonElement ready;
            try
            {
                ready = JsonDocument.Parse(line ?? "").RootElement;
            }
            catch (JsonException)
            {
                throw new InvalidOperationException($"the PyTorch side did not start (said: {line ?? "nothing"})");
            }

            ParameterCount = ready.GetProperty("parameters").GetInt64();
            var theirs = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in ready.GetProperty("state").EnumerateArray())
            {
                theirs[entry[0].GetString()!] = $"[{string.Join(", ", entry[1].EnumerateArray().Select(d => d.GetInt64()))}]";
            }

            var mine = ours.StateShapes();
            var problems = new List<string>();
            if (ParameterCount != ours.ParameterCount)
            {
                problems.Add($"parameter count: imbfair {ours.ParameterCount}, pytorch {ParameterCount}");
            }

            problems.AddRange(mine.Where(kv => !theirs.TryGetValue(kv.Key, out var s) || s != kv.Value)
                .Select(kv => $"{kv.Key}: imbfair {kv.Value}, pytorch {(theirs.TryGetValue(kv.Key, out var s) ? s : "absent")}"));
            problems.AddRange(theirs.Keys.Where(k => !mine.ContainsKey(k)).Select(k => $"{k}: only in pytorch"));
            var vocab = ready.GetProperty("vocab_size").GetInt32();
            var context = ready.GetProperty("context_length").GetInt32();
            if (vocab != ours.VocabSize || context != ours.ContextLength)
            {
                problems.Add($"prompts: imbfair vocabulary {ours.VocabSize} context {ours.ContextLength}, pytorch {vocab} and {context}");
            }

            if (problems.Count > 0)
            {
                throw new InvalidOperationException("the PyTorch reference is not the same model:\n  " + string.Join("\n  ", problems));
            }
        }

        public Round RunRound()
        {
            var json = Ask("round");
            return new Round(json.GetProperty("seconds").GetDouble(), json.GetProperty("images_per_second").GetDouble(),
                json.GetProperty("cpu_seconds").GetDouble(), json.GetProperty("loss").GetDouble(), json.GetProperty("minor_faults").GetInt64(), _steps);
        }

        public (double loss, double gradNorm) Check(string path)
        {
            var json = Ask($"check {path}");
            return (json.GetProperty("loss").GetDouble(), json.GetProperty("grad_norm").GetDouble());
        }
    }
}
