using System.Diagnostics;
using System.Globalization;
using System.Text;
using ImbalanceFair.Torch;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Bench;

/// <summary>
/// `gemm`: GFLOP/s of float32 linear layers at ViT-B/32's shapes (batch 32: 1600 tokens of width 768, MLP 3072),
/// forward and training (forward + both backward GEMMs), through imbfair's routes in alternating rounds: imbfair
/// (oneDNN sgemm per row slice), imbfair-blas (the same slices on OpenBLAS) and libtorch (at::linear, the shim's
/// kernels off). The fraction is of this machine's measured peak: the fastest route on a 2048³ GEMM in the same run.
/// On a CPU with bf16 instructions a fourth route, imbfair-bf16 (the same layers under torch.autocast: bf16 operands,
/// float32 sums), is timed beside them; its fraction is of its own 2048³ figure, the bf16 peak.
/// </summary>
internal static class GemmBenchmark
{
    private const string Help = """
        imbfair-bench gemm [options]
          --rounds N   timed rounds, alternating the routes (default 5)
          --threads N  intra-op threads (default: the number of cores)
          --csv PATH   where to write the results (default bench/results/gemm.csv)
        """;

    private sealed class Options() : BenchOptions("-", "bench/results/gemm.csv");

    /// <summary>A linear layer y = x Wᵀ: rows M, in K, out N; train adds dx = dy W and dW = dyᵀ x.</summary>
    private sealed record Shape(string Name, int M, int K, int N, bool Train)
    {
        public double Flops => 2.0 * M * K * N * (Train ? 3 : 1);
    }

    private static readonly Shape[] Shapes =
    [
        new("q/k/v/out proj 1600x768->768", 1600, 768, 768, false),
        new("mlp fc1 1600x768->3072", 1600, 768, 3072, false),
        new("mlp fc2 1600x3072->768", 1600, 3072, 768, false),
        new("fc1 train (fwd+bwd)", 1600, 768, 3072, true),
        new("fc2 train (fwd+bwd)", 1600, 3072, 768, true),
    ];

    private static readonly Shape Peak = new("peak: 2048x2048->2048", 2048, 2048, 2048, false);

    private sealed record Route(string Name, bool Kernels, bool OneDnn, bool Bf16 = false);

    private static readonly Route[] Routes =
    [
        new("imbfair", true, true), new("imbfair-blas", true, false), new("libtorch", false, false),
        .. torch.cpu_bf16_supported() ? [new Route("imbfair-bf16", true, true, Bf16: true)] : Array.Empty<Route>(),
    ];

    public static int Run(string[] args)
    {
        if (OptionReader.WantsHelp(args, Help))
        {
            return 0;
        }

        var o = BenchOptions.Parse<Options>(args, Help, static (_, _) => false);
        torch.set_num_threads(o.Threads);
        torch.set_blas_num_threads(1);
        Console.WriteLine($"gemm benchmark: float32 linear layers at ViT-B/32 shapes, {o.Threads} intra-op threads, OpenBLAS 1 thread " +
                          $"(kernels {torch.blas_core_name() ?? "-"}), oneDNN available: {torch.gemm_backend() == "onednn"}; {o.Rounds} alternating rounds; " +
                          $"load average {Load.Average()}");
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(0);
        Shape[] all = [Peak, .. Shapes];
        var inputs = all.Select(s => (x: torch.randn([s.M, s.K]), w: torch.randn([s.N, s.K]), g: torch.randn([s.M, s.N]))).ToArray();

        // gflops[route][shape] over rounds
        var gflops = Routes.Select(_ => all.Select(_ => new List<double>()).ToArray()).ToArray();
        var sides = Routes.Select((route, ri) => (Func<int, double[]>)(_ => all.Select((s, si) => Time(route, s, inputs[si])).ToArray())).ToList();
        foreach (var s in sides)
        {
            s(0);  // warm-up: oneDNN's JIT, first-touch of the outputs
        }

        var rounds = Alternating.Rounds(o.Rounds, sides);
        for (var r = 0; r < Routes.Length; r++)
        {
            foreach (var round in rounds[r])
            {
                for (var si = 0; si < all.Length; si++)
                {
                    gflops[r][si].Add(round[si]);
                }
            }
        }

        var inv = CultureInfo.InvariantCulture;
        var peak = Routes.Select((route, r) => route.Bf16 ? 0 : Stats.Median(gflops[r][0])).Max();
        double PeakOf(int r) => Routes[r].Bf16 ? Stats.Median(gflops[r][0]) : peak;
        Console.WriteLine(string.Create(inv, $"{"shape",-32} {string.Concat(Routes.Select(x => $" {x.Name,12}"))}   (GFLOP/s, median of rounds; % of the float32 peak {peak:F0}, bf16: of its own)"));
        var csv = new StringBuilder("run_utc,benchmark,route,shape,m,k,n,train,threads,round,gflops\n");
        var when = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", inv);
        for (var si = 0; si < all.Length; si++)
        {
            var line = new StringBuilder().Append(inv, $"{all[si].Name,-32}");
            for (var r = 0; r < Routes.Length; r++)
            {
                var m = Stats.Median(gflops[r][si]);
                line.Append(inv, $" {m,7:F0} {100 * m / PeakOf(r),3:F0}%");
                for (var k = 0; k < gflops[r][si].Count; k++)
                {
                    var s = all[si];
                    csv.Append(inv, $"{when},gemm,{Routes[r].Name},{s.Name},{s.M},{s.K},{s.N},{s.Train},{o.Threads},{k + 1},{gflops[r][si][k]:F2}\n");
                }
            }

            Console.WriteLine(line);
        }

        o.WriteCsv(csv.ToString());
        // The whole ViT-B/32 linear workload per image batch: 4 projections, fc1, fc2 (forward).
        double Workload(int r) => (4 * Shapes[0].Flops + Shapes[1].Flops + Shapes[2].Flops)
            / ((4 * Shapes[0].Flops / Stats.Median(gflops[r][1])) + (Shapes[1].Flops / Stats.Median(gflops[r][2])) + (Shapes[2].Flops / Stats.Median(gflops[r][3])));
        Console.WriteLine($"load average {Load.Average()}; wrote {o.Csv}");
        if (Array.FindIndex(Routes, x => x.Bf16) is var b and >= 0)
        {
            Console.WriteLine(string.Create(inv, $"gemm vit-b32 forward bf16: imbfair-bf16 {Workload(b):F0} GFLOP/s = {100 * Workload(b) / PeakOf(b):F0}% of its 2048^3 figure {PeakOf(b):F0}, {Workload(b) / Workload(0):F2}x imbfair's float32"));
        }

        Console.WriteLine(string.Create(inv, $"gemm vit-b32 forward: imbfair {Workload(0):F0} GFLOP/s = {100 * Workload(0) / peak:F0}% of the measured peak {peak:F0} GFLOP/s " +
                                             $"(imbfair-blas {Workload(1):F0}, libtorch {Workload(2):F0})"));
        return 0;
    }

    /// <summary>GFLOP/s of one linear layer (and its backward for a train shape) through a route; the best of 3 calls.</summary>
    private static double Time(Route route, Shape s, (Tensor x, Tensor w, Tensor g) t)
    {
        torch.set_native_kernels(route.Kernels);
        torch.set_onednn_gemm(route.OneDnn);
        try
        {
            var best = double.MaxValue;
            for (var i = 0; i < 3; i++)
            {
                using var scope = torch.NewDisposeScope();
                var x = t.x.detach().requires_grad_(s.Train);
                var w = t.w.detach().requires_grad_(s.Train);
                var clock = Stopwatch.StartNew();
                Tensor y;
                using (torch.autocast(route.Bf16))
                {
                    y = F.linear(x, w);
                }

                if (s.Train)
                {
                    y.backward(t.g);
                }

                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }

            return s.Flops / best / 1e9;
        }
        finally
        {
            torch.set_native_kernels(true);
            torch.set_onednn_gemm(true);
        }
    }
}
