using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ImbalanceFair.Torch;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Bench;

/// <summary>
/// The bridge benchmark: the same small-CNN training step in imbfair (this process) and in PyTorch
/// (bench/reference/bridge_cnn.py, a child process serving rounds on request), same libtorch, same
/// thread count, timed in alternating rounds so that load from elsewhere on the machine hits both alike.
/// Also the per-call cost of a tiny op (x.add_(1) on a 1-element tensor) on each side.
/// </summary>
internal static class BridgeBenchmark
{
    private const string Help = """
        imbfair-bench bridge [options]
          --threads N      intra-op threads on both sides (default: the number of cores)
          --blas-threads N OpenBLAS threads on both sides, or 0 to leave OpenBLAS's own default (one per
                           core, which oversubscribes the cores next to libtorch's threads) (default 1)
          --rounds N       timed rounds per side, alternating (default 5)
          --steps N        training steps per round (default 40)
          --warmup N       untimed steps before the first round, each side (default 10)
          --batch N        images per step (default 64)
          --optimizer X    adamw | sgd (default adamw)
          --tiny-calls N   calls of x.add_(1) per tiny-op measurement (default 200000)
          --python PATH    the interpreter with torch (default /usr/bin/python3, or $IMBFAIR_PYTHON)
          --reference PATH the PyTorch side (default bench/reference/bridge_cnn.py)
          --csv PATH       where to write the results (default bench/results/bridge.csv)
        """;

    private sealed class Options() : BenchOptions("bench/reference/bridge_cnn.py", "bench/results/bridge.csv")
    {
        public int BlasThreads { get; set; } = 1;
        public int Steps { get; set; } = 40;
        public int Warmup { get; set; } = 10;
        public int Batch { get; set; } = 64;
        public string Optimizer { get; set; } = "adamw";
        public int TinyCalls { get; set; } = 200_000;
    }

    // CpuSeconds: the process's CPU time over the round (all threads). On a shared machine it is steadier than
    // wall time, which also counts the time other processes held the cores.
    private sealed record Round(double Seconds, double ImagesPerSecond, double CpuSeconds);

    public static int Run(string[] args)
    {
        if (OptionReader.WantsHelp(args, Help))
        {
            return 0;
        }

        var o = Parse(args);
        BenchOptions.SetThreads(o.Threads, o.BlasThreads);

        torch.manual_seed(0);
        var blas = torch.get_blas_num_threads() is { } b ? $"OpenBLAS {b} thread(s)" : "BLAS not OpenBLAS";
        Console.WriteLine($"bridge benchmark: small CNN training step (conv16-conv32-linear, 28x28, batch {o.Batch}, {o.Optimizer}), " +
                          $"{o.Threads} intra-op threads, {blas}, {o.Rounds} alternating rounds of {o.Steps} steps after {o.Warmup} warm-up steps; libtorch {torch.version}");

        using var python = new PythonSide(o);
        using var cnn = new ImbfairSide(o);
        cnn.Warmup();
        python.WaitReady();

        var sides = Alternating.Rounds<Round>(o.Rounds, [_ => cnn.RunRound(), _ => python.RunRound()], (r, x) =>
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {r + 1,2}: imbfair {x[0].ImagesPerSecond,7:F0} img/s ({PerCpuSecond(x[0]),6:F0}/CPU-s)   pytorch {x[1].ImagesPerSecond,7:F0} img/s ({PerCpuSecond(x[1]),6:F0}/CPU-s)   ratio {x[0].ImagesPerSecond / x[1].ImagesPerSecond:F3}")));
        var (ours, theirs) = (sides[0], sides[1]);

        var tinyOurs = new List<double>();
        var tinyTheirs = new List<double>();
        var dimOurs = new List<double>();
        var dimTheirs = new List<double>();
        for (var r = 0; r < 3; r++)
        {
            var (add, dim) = ImbfairSide.TinyOp(o.TinyCalls);
            tinyOurs.Add(add);
            dimOurs.Add(dim);
            (add, dim) = python.TinyOp(o.TinyCalls);
            tinyTheirs.Add(add);
            dimTheirs.Add(dim);
        }

        var ourMedian = Stats.Median(ours.Select(x => x.ImagesPerSecond));
        var theirMedian = Stats.Median(theirs.Select(x => x.ImagesPerSecond));
        var sb = new StringBuilder();
        sb.AppendLine();
        var ourCpu = Stats.Median(ours.Select(PerCpuSecond));
        var theirCpu = Stats.Median(theirs.Select(PerCpuSecond));
        sb.AppendLine("| side    | images/s (median) | images/s (best) | images per CPU-second (median) | x.add_(1) ns/call (median) |");
        sb.AppendLine("|---------|------------------:|----------------:|-------------------------------:|---------------------------:|");
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| imbfair | {ourMedian,17:F0} | {ours.Max(x => x.ImagesPerSecond),15:F0} | {ourCpu,30:F0} | {Stats.Median(tinyOurs),26:F0} |"));
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| pytorch | {theirMedian,17:F0} | {theirs.Max(x => x.ImagesPerSecond),15:F0} | {theirCpu,30:F0} | {Stats.Median(tinyTheirs),26:F0} |"));
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio imbfair/pytorch (images/s): {ourMedian / theirMedian:F3} median of rounds, {Stats.Median(ours.Zip(theirs, (a, b) => a.ImagesPerSecond / b.ImagesPerSecond)):F3} median of per-round ratios, " +
            $"{ours.Max(x => x.ImagesPerSecond) / theirs.Max(x => x.ImagesPerSecond):F3} best vs best; per CPU-second: {ourCpu / theirCpu:F3}"));
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"tiny op x.add_(1) on 1 element: imbfair {Stats.Median(tinyOurs):F0} ns/call, pytorch {Stats.Median(tinyTheirs):F0} ns/call; " +
            $"bare call x.dim(): imbfair {Stats.Median(dimOurs):F0} ns/call, pytorch {Stats.Median(dimTheirs):F0} ns/call"));
        Console.Write(sb.ToString());

        WriteCsv(o, ours, theirs, tinyOurs, tinyTheirs, dimOurs, dimTheirs);
        Console.WriteLine($"wrote {o.Csv}");
        return 0;
    }

    private static void WriteCsv(Options o, List<Round> ours, List<Round> theirs, List<double> tinyOurs, List<double> tinyTheirs, List<double> dimOurs, List<double> dimTheirs)
    {
        var inv = CultureInfo.InvariantCulture;
        var when = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", inv);
        var sb = new StringBuilder("run_utc,benchmark,side,round,threads,blas_threads,batch,steps,optimizer,seconds,cpu_seconds,images_per_second,ns_per_call\n");
        void Row(string bench, string side, int round, int steps, double seconds, double cpu, double ips, double ns) =>
            sb.Append(inv, $"{when},{bench},{side},{round},{o.Threads},{o.BlasThreads},{o.Batch},{steps},{o.Optimizer},")
              .Append(double.IsNaN(seconds) ? "" : seconds.ToString("F6", inv)).Append(',')
              .Append(double.IsNaN(cpu) ? "" : cpu.ToString("F6", inv)).Append(',')
              .Append(double.IsNaN(ips) ? "" : ips.ToString("F2", inv)).Append(',')
              .Append(double.IsNaN(ns) ? "" : ns.ToString("F1", inv)).Append('\n');
        for (var r = 0; r < ours.Count; r++)
        {
            Row("cnn_step", "imbfair", r + 1, o.Steps, ours[r].Seconds, ours[r].CpuSeconds, ours[r].ImagesPerSecond, double.NaN);
            Row("cnn_step", "pytorch", r + 1, o.Steps, theirs[r].Seconds, theirs[r].CpuSeconds, theirs[r].ImagesPerSecond, double.NaN);
        }

        for (var r = 0; r < tinyOurs.Count; r++)
        {
            Row("tiny_add_", "imbfair", r + 1, o.TinyCalls, double.NaN, double.NaN, double.NaN, tinyOurs[r]);
            Row("tiny_add_", "pytorch", r + 1, o.TinyCalls, double.NaN, double.NaN, double.NaN, tinyTheirs[r]);
        }

        for (var r = 0; r < dimOurs.Count; r++)
        {
            Row("bare_dim", "imbfair", r + 1, o.TinyCalls, double.NaN, double.NaN, double.NaN, dimOurs[r]);
            Row("bare_dim", "pytorch", r + 1, o.TinyCalls, double.NaN, double.NaN, double.NaN, dimTheirs[r]);
        }

        o.WriteCsv(sb.ToString());
    }

    private static double PerCpuSecond(Round r) => r.ImagesPerSecond * r.Seconds / r.CpuSeconds;

    private static Options Parse(string[] args) => BenchOptions.Parse<Options>(args, Help, static (o, a) =>
    {
        switch (a.Name)
        {
            case "--blas-threads": o.BlasThreads = a.Whole(0); return true;
            case "--steps": o.Steps = a.Whole(1); return true;
            case "--warmup": o.Warmup = a.Whole(1); return true;
            case "--batch": o.Batch = a.Whole(1); return true;
            case "--tiny-calls": o.TinyCalls = a.Whole(1); return true;
            case "--optimizer": o.Optimizer = a.OneOf("adamw", "sgd"); return true;
            default: return false;
        }
    });

    /// <summary>conv(1→16,3)-relu-maxpool-conv(16→32,3)-relu-maxpool-linear(800→10), as bridge_cnn.py's SmallCnn.</summary>
    private sealed class SmallCnn : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Conv2d _conv1;
        private readonly nn.Conv2d _conv2;
        private readonly nn.Linear _fc;

        public SmallCnn()
        {
            _conv1 = RegisterModule("conv1", new nn.Conv2d(1, 16, 3));
            _conv2 = RegisterModule("conv2", new nn.Conv2d(16, 32, 3));
            _fc = RegisterModule("fc", new nn.Linear(32 * 5 * 5, 10));
        }

        // Intermediates are released when forward returns (their memory stays with autograd as long as
        // backward needs it), as Python releases them when their last reference goes: holding every
        // activation until the end of the step would free them all at once, and glibc would hand the
        // heap top back to the kernel and fault it in again on the next step.
        public override Tensor forward(Tensor input)
        {
            using var scope = torch.NewDisposeScope();
            var x = F.max_pool2d(F.relu(_conv1.forward(input)), 2);
            x = F.max_pool2d(F.relu(_conv2.forward(x)), 2);
            return _fc.forward(x.flatten(1)).MoveToOuterDisposeScope();
        }
    }

    private sealed class ImbfairSide : IDisposable
    {
        private readonly Options _o;
        private readonly SmallCnn _model = new();
        private readonly optim.Optimizer _opt;
        private readonly DisposeScope _batchScope;
        private readonly (Tensor x, Tensor y)[] _batches;
        private int _next;

        public ImbfairSide(Options o)
        {
            _o = o;
            _opt = o.Optimizer == "adamw"
                ? new optim.AdamW(_model.parameters(), lr: 1e-3, weight_decay: 1e-2)
                : new optim.SGD(_model.parameters(), lr: 0.01, momentum: 0.9);
            _batchScope = torch.NewDisposeScope();
            _batches = Enumerable.Range(0, 8).Select(_ => (torch.rand([o.Batch, 1, 28, 28]), torch.randint(0, 10, [o.Batch]))).ToArray();
            foreach (var (x, y) in _batches)
            {
                x.DetachFromDisposeScope();
                y.DetachFromDisposeScope();
            }

            _batchScope.Dispose();
        }

        public void Warmup()
        {
            for (var i = 0; i < _o.Warmup; i++)
            {
                Step();
            }
        }

        private void Step()
        {
            var (x, y) = _batches[_next++ % _batches.Length];
            using var scope = torch.NewDisposeScope();
            _opt.zero_grad();
            var loss = F.cross_entropy(_model.forward(x), y);
            loss.backward();
            _opt.step();
        }

        public Round RunRound()
        {
            using var self = Process.GetCurrentProcess();
            var cpu = self.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < _o.Steps; i++)
            {
                Step();
            }

            var seconds = clock.Elapsed.TotalSeconds;
            self.Refresh();
            return new Round(seconds, _o.Steps * _o.Batch / seconds, (self.TotalProcessorTime - cpu).TotalSeconds);
        }

        /// <summary>ns per call of x.add_(1) on a 1-element tensor, and of x.dim() (a bridge crossing that does no work).</summary>
        public static (double add, double dim) TinyOp(int calls)
        {
            using var x = torch.zeros([1]).DetachFromDisposeScope();
            for (var i = 0; i < 1000; i++)
            {
                x.add_(1);
            }

            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < calls; i++)
            {
                x.add_(1);
            }

            var add = Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
            long sum = 0;
            start = Stopwatch.GetTimestamp();
            for (var i = 0; i < calls; i++)
            {
                sum += x.dim();
            }

            var dim = Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
            GC.KeepAlive(sum);
            return (add, dim);
        }

        public void Dispose()
        {
            foreach (var (x, y) in _batches)
            {
                x.Dispose();
                y.Dispose();
            }

            _opt.Dispose();
            _model.Dispose();
        }
    }

    /// <summary>bridge_cnn.py --serve in a child process: set up and warmed up once, then a round per request.</summary>
    private sealed class PythonSide(Options o) : ReferenceProcess(o.Python, o.Reference,
    [
        "--threads", $"{o.Threads}", "--batch", $"{o.Batch}", "--steps", $"{o.Steps}",
        "--warmup", $"{o.Warmup}", "--optimizer", o.Optimizer, "--blas-threads", $"{o.BlasThreads}",
    ])
    {
        public Round RunRound()
        {
            var json = Ask("round");
            return new Round(json.GetProperty("seconds").GetDouble(), json.GetProperty("images_per_second").GetDouble(), json.GetProperty("cpu_seconds").GetDouble());
        }

        public (double add, double dim) TinyOp(int calls)
        {
            var json = Ask(string.Create(CultureInfo.InvariantCulture, $"tiny {calls}"));
            return (json.GetProperty("ns_per_call").GetDouble(), json.GetProperty("dim_ns_per_call").GetDouble());
        }
    }
}
