using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics.X86;
using System.Text;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Bench;

/// <summary>
/// `vit-b32`: image encoding (images per second) with a ViT-B/32-sized CLIP image tower at 224 px, batch 32, in
/// imbfair (Core's ClipModel.encode_image, its default settings) and in PyTorch (bench/reference/vit_b32.py) at the
/// fastest of the environments this run tries for it (OPENBLAS_CORETYPE as set / unset / the CPU's best kernels,
/// OpenBLAS on 1 or every thread, torch.utils.mkldnn), alternating rounds. Ends with the line `ratio X.XX`
/// (imbfair / PyTorch, median of per-round ratios). Before it, a LoRA training step's images per second and peak
/// resident memory on both sides (VitB32LoraStep.cs).
/// </summary>
internal static partial class VitB32Benchmark
{
    private const string Help = """
        imbfair-bench vit-b32 [options]
          --batch N        images per batch (default 32)
          --batches N      batches per round (default 1)
          --rounds N       timed rounds per side, alternating (default 5)
          --threads N      intra-op threads on both sides (default: the number of cores)
          --lora-batch N   images per LoRA training step (default 8; 0 skips the LoRA step)
          --compare-blas   a third side: imbfair with its float32 GEMMs on the BLAS (torch.set_onednn_gemm(false))
          --precision X    fp32 | bf16: both sides under bf16 autocast (imbfair: train.precision: bf16, bf16 GEMMs in
                           linear layers; PyTorch: torch.autocast("cpu", torch.bfloat16), its environment picked
                           among the same candidates) | both: four sides, fp32 and bf16 each side (default fp32)
          --python PATH    the interpreter with torch (default /usr/bin/python3, or $IMBFAIR_PYTHON)
          --reference PATH the PyTorch side (default bench/reference/vit_b32.py)
          --csv PATH       where to write the results (default bench/results/vit-b32.csv)
        """;

    private sealed class Options() : BenchOptions("bench/reference/vit_b32.py", "bench/results/vit-b32.csv")
    {
        public int Batch { get; set; } = 32;
        public int Batches { get; set; } = 1;
        public int LoraBatch { get; set; } = 8;
        public bool CompareBlas { get; set; }
        public string Precision { get; set; } = "fp32";
    }

    private sealed record Round(double Seconds, double ImagesPerSecond, double CpuSeconds);

    /// <summary>A PyTorch environment to try: its name, OpenBLAS threads (0: as loaded), environment, extra arguments.</summary>
    private sealed record Candidate(string Name, int BlasThreads, Dictionary<string, string?> Environment, string[] Extra);

    /// <summary>ViT-B/32's image tower (CLIP's published sizes); the text tower is a stub the benchmark never runs.</summary>
    public static ClipConfig VitB32 { get; } = new()
    {
        ImageSize = 224, PatchSize = 32, VisionWidth = 768, VisionLayers = 12, VisionHeads = 12, MlpRatio = 4, EmbedDim = 512,
        TextWidth = 64, TextLayers = 1, TextHeads = 4, VocabSize = 16, ContextLength = 4,
    };

    public static int Run(string[] args)
    {
        if (OptionReader.WantsHelp(args, Help))
        {
            return 0;
        }

        var o = BenchOptions.Parse<Options>(args, Help, static (o, a) =>
        {
            switch (a.Name)
            {
                case "--batch": o.Batch = a.Whole(1); return true;
                case "--batches": o.Batches = a.Whole(1); return true;
                case "--lora-batch": o.LoraBatch = a.Whole(0); return true;
                case "--compare-blas": o.CompareBlas = true; return true;
                case "--precision": o.Precision = a.OneOf("fp32", "bf16", "both"); return true;
                default: return false;
            }
        });
        torch.set_num_threads(o.Threads);
        torch.set_blas_num_threads(1);
        if (o.Precision != "fp32" && torch.cpu_bf16_missing() is { } missing)
        {
            Console.Error.WriteLine($"vit-b32: --precision bf16 or both needs a CPU with bf16 instructions (AVX512_BF16 or AMX-BF16) and libtorch's oneDNN, and {missing}");
            return 2;
        }

        if (o.CompareBlas && o.Precision == "bf16")
        {
            // imbfair on the BLAS is a float32 side: it compares with imbfair's float32 side, which bf16 alone does not run.
            Console.Error.WriteLine("vit-b32: --compare-blas needs the float32 sides: use --precision fp32 or both");
            return 2;
        }

        Console.WriteLine($"vit-b32 benchmark: ViT-B/32 image encoder (224 px, 12x768, MLP 3072), {o.Batches} batch(es) of {o.Batch} per round, " +
                          $"{o.Threads} intra-op threads, {o.Precision}; libtorch {torch.version}; imbfair GEMMs on {torch.gemm_backend()}, OpenBLAS kernels {torch.blas_core_name() ?? "-"}; " +
                          $"load average {Load.Average()}");

        var ours = new ImbfairSide(o);
        string[] precisions = o.Precision == "both" ? ["fp32", "bf16"] : [o.Precision];
        var sides = new List<(string Name, Func<Round> Run)>();
        var pythons = new List<PythonSide>();
        var envs = new Dictionary<string, Candidate>();
        foreach (var precision in precisions)
        {
            var bf16 = precision == "bf16";
            ours.RunRound(bf16: bf16);
            var env = envs[precision] = PickPyTorchEnvironment(o, precision);
            var python = Start(o, env);
            python.WaitReady();
            pythons.Add(python);
            var suffix = bf16 ? "-bf16" : "";
            sides.Add(("imbfair" + suffix, () => ours.RunRound(bf16: bf16)));
            sides.Add(("pytorch" + suffix, python.RunRound));
        }

        if (o.CompareBlas)
        {
            sides.Add(("imbfair-blas", () => ours.RunRound(onednn: false)));
        }

        var inv = CultureInfo.InvariantCulture;
        var rounds = Alternating.Rounds(o.Rounds, sides.Select(x => (Func<int, Round>)(_ => x.Run())).ToArray(), (r, x) =>
            Console.WriteLine($"  round {r + 1,2}:" + string.Concat(sides.Select((side, i) => string.Create(inv, $"   {side.Name} {x[i].ImagesPerSecond,6:F2} img/s")))));
        pythons.ForEach(p => p.Dispose());
        ours.Dispose();

        var csv = new StringBuilder("run_utc,benchmark,side,round,threads,batch,batches,pytorch_env,seconds,cpu_seconds,images_per_second,peak_rss_mib\n");
        var when = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", inv);
        for (var s = 0; s < rounds.Length; s++)
        {
            var name = sides[s].Name;
            Console.WriteLine(string.Create(inv, $"{name,-13} median {Stats.Median(rounds[s].Select(x => x.ImagesPerSecond)),6:F2} img/s, best {rounds[s].Max(x => x.ImagesPerSecond),6:F2}"));
            var env = envs[name.EndsWith("-bf16", StringComparison.Ordinal) ? "bf16" : "fp32"].Name;
            for (var r = 0; r < rounds[s].Count; r++)
            {
                var x = rounds[s][r];
                csv.Append(inv, $"{when},vit-b32,{name},{r + 1},{o.Threads},{o.Batch},{o.Batches},\"{env}\",{x.Seconds:F6},{x.CpuSeconds:F6},{x.ImagesPerSecond:F3},\n");
            }
        }

        if (o.LoraBatch > 0)
        {
            foreach (var precision in precisions)
            {
                RunLora(o, envs[precision], precision == "bf16", csv, when);
            }
        }

        o.WriteCsv(csv.ToString());
        Console.WriteLine($"pytorch environment: {string.Join("; ", envs.Select(e => e.Value.Name))}; load average {Load.Average()}; wrote {o.Csv}");
        string Ratio(string a, string b)
        {
            int i = sides.FindIndex(x => x.Name == a), j = sides.FindIndex(x => x.Name == b);
            return Stats.Median(rounds[i].Zip(rounds[j], (x, y) => x.ImagesPerSecond / y.ImagesPerSecond)).ToString("F2", inv);
        }

        if (o.CompareBlas)
        {
            Console.WriteLine($"ratio imbfair/imbfair-blas {Ratio("imbfair", "imbfair-blas")}");
        }

        if (o.Precision == "both")
        {
            // The same precision on both sides is the comparison; bf16 against PyTorch's best float32 says what the switch buys.
            Console.WriteLine($"ratio bf16: imbfair-bf16/pytorch-bf16 {Ratio("imbfair-bf16", "pytorch-bf16")}; imbfair-bf16/pytorch (float32) {Ratio("imbfair-bf16", "pytorch")}; imbfair-bf16/imbfair {Ratio("imbfair-bf16", "imbfair")}");
        }

        Console.WriteLine(o.Precision == "bf16" ? $"ratio {Ratio("imbfair-bf16", "pytorch-bf16")}" : $"ratio {Ratio("imbfair", "pytorch")}");
        return 0;
    }

    /// <summary>
    /// PyTorch's environments to try: OpenBLAS's kernels as this machine's environment sets them, as OpenBLAS detects
    /// them itself, and the best this CPU supports (SkylakeX with AVX-512, Haswell with AVX2); OpenBLAS on 1 or every
    /// thread; and the model converted to oneDNN (torch.utils.mkldnn).
    /// </summary>
    private static List<Candidate> Candidates(Options o, string precision)
    {
        var asSet = Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is { Length: > 0 } ct ? $"OPENBLAS_CORETYPE={ct}" : "OpenBLAS's own detection";
        var cpuBest = Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported ? "SkylakeX" : Avx2.IsSupported && Fma.IsSupported ? "Haswell" : null;
        var envs = new List<(string Name, Dictionary<string, string?> Env)> { (asSet, []) };
        if (Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is { Length: > 0 })
        {
            // OPENBLAS_L2_SIZE goes with it where a machine sets both (a workaround for older OpenBLAS builds).
            envs.Add(("OpenBLAS's own detection", new() { ["OPENBLAS_CORETYPE"] = null, ["OPENBLAS_L2_SIZE"] = null }));
        }

        if (cpuBest is not null)
        {
            envs.Add(($"OPENBLAS_CORETYPE={cpuBest}", new() { ["OPENBLAS_CORETYPE"] = cpuBest }));
        }

        var list = new List<Candidate>();
        foreach (var (name, env) in envs)
        {
            foreach (var blas in new[] { 1, o.Threads }.Distinct())
            {
                list.Add(new Candidate($"{name}, OpenBLAS {blas} thread(s)", blas, env, []));
            }
        }

        if (precision == "bf16")
        {
            // Under autocast every candidate's GEMMs are oneDNN's bf16 ones; to_mkldnn's float32 weights would not take them.
            return list.Select(c => c with { Name = c.Name + ", bf16 autocast", Extra = [.. c.Extra, "--bf16"] }).ToList();
        }

        list.Add(new Candidate($"{asSet}, torch.utils.mkldnn.to_mkldnn(model)", 1, [], ["--mkldnn"]));
        return list;
    }

    private static Candidate PickPyTorchEnvironment(Options o, string precision)
    {
        Console.WriteLine($"PyTorch environments, {precision} (one warm-up round, then the better of two timed rounds each):");
        Candidate? best = null;
        var bestRate = 0.0;
        foreach (var c in Candidates(o, precision))
        {
            try
            {
                using var p = Start(o, c);
                p.WaitReady();
                // The better of two rounds: one round alone, on a shared machine, picks the luckiest as much as the best.
                var rate = Math.Max(p.RunRound().ImagesPerSecond, p.RunRound().ImagesPerSecond);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {rate,6:F2} img/s  {c.Name}"));
                if (rate > bestRate)
                {
                    (best, bestRate) = (c, rate);
                }
            }
            catch (InvalidOperationException e)
            {
                Console.WriteLine($"  failed     {c.Name}: {e.Message}");
            }
        }

        return best ?? throw new InvalidOperationException("no PyTorch environment ran");
    }

    private static PythonSide Start(Options o, Candidate c) => new(o, c);

    private sealed class ImbfairSide : IDisposable
    {
        private readonly Options _o;
        private readonly ClipModel _model;
        private readonly Tensor[] _batches;

        public ImbfairSide(Options o)
        {
            _o = o;
            torch.manual_seed(0);
            _model = new ClipModel(VitB32, s_mean, s_std);
            _model.eval();
            _batches = Enumerable.Range(0, o.Batches).Select(_ => torch.rand([o.Batch, 3, 224, 224])).ToArray();
        }

        public Round RunRound(bool onednn = true, bool bf16 = false)
        {
            torch.set_onednn_gemm(onednn);
            try
            {
                using var self = Process.GetCurrentProcess();
                var cpu = self.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                using (torch.no_grad())
                using (torch.autocast(bf16))
                {
                    foreach (var x in _batches)
                    {
                        using var scope = torch.NewDisposeScope();
                        _model.encode_image(x);
                    }
                }

                var seconds = clock.Elapsed.TotalSeconds;
                self.Refresh();
                return new Round(seconds, _o.Batch * _o.Batches / seconds, (self.TotalProcessorTime - cpu).TotalSeconds);
            }
            finally
            {
                torch.set_onednn_gemm(true);
            }
        }

        public void Dispose()
        {
            foreach (var x in _batches)
            {
                x.Dispose();
            }

            _model.Dispose();
        }
    }

    private sealed class PythonSide(Options o, Candidate c) : ReferenceProcess(o.Python, o.Reference,
        ["--threads", $"{o.Threads}", "--blas-threads", $"{c.BlasThreads}", "--batch", $"{o.Batch}", "--batches", $"{o.Batches}", .. c.Extra],
        environment: c.Environment)
    {
        public Round RunRound()
        {
            var json = Ask("round");
            return new Round(json.GetProperty("seconds").GetDouble(), json.GetProperty("images_per_second").GetDouble(), json.GetProperty("cpu_seconds").GetDouble());
        }
    }
}

/// <summary>The 1-, 5- and 15-minute load averages (/proc/loadavg), to print beside every timing.</summary>
internal static class Load
{
    public static string Average() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
