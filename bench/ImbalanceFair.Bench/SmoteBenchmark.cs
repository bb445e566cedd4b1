using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ImbalanceFair.Core;
using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Results;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Bench;

/// <summary>
/// `smote`: SMOTE balancing every class of a long-tailed split to n_max, in imbfair (this process, pixel space) and in
/// imbalanced-learn (bench/reference/smote_imblearn.py, a child process on the same flattened data), with the same
/// thread count, timed in alternating rounds. Each side's time covers the neighbour search and the new images
/// (imbfair's as uint8 images on the device; imbalanced-learn's as its resampled float array).
/// </summary>
internal static class SmoteBenchmark
{
    private const string Help = """
        imbfair-bench smote [options]
          --dataset NAME   a descriptor name or path (default fashion-mnist)
          --ratio R        imbalance ratio of the split (default 100)
          --seed N         split and SMOTE seed (default 0)
          --k N            SMOTE's k nearest neighbours (default 5)
          --threads N      threads on both sides (default: the number of cores)
          --rounds N       timed rounds per side, alternating (default 5)
          --device D       imbfair's device: cpu | cuda (default cpu)
          --dtype T        imbalanced-learn's float type for the pixels: float32 | float64 (default float32)
          --python PATH    the interpreter with imbalanced-learn (default /usr/bin/python3, or $IMBFAIR_PYTHON)
          --reference PATH the imbalanced-learn side (default bench/reference/smote_imblearn.py)
          --csv PATH       where to write the results (default bench/results/smote.csv)
        """;

    private sealed class Options() : BenchOptions("bench/reference/smote_imblearn.py", "bench/results/smote.csv")
    {
        public string Dataset { get; set; } = "fashion-mnist";
        public double Ratio { get; set; } = 100;
        public int Seed { get; set; }
        public int K { get; set; } = 5;
        public string Device { get; set; } = "cpu";
        public string Dtype { get; set; } = "float32";
    }

    private sealed record Round(double Seconds, double CpuSeconds, long[] Added);

    public static int Run(string[] args)
    {
        if (OptionReader.WantsHelp(args, Help))
        {
            return 0;
        }

        var o = Parse(args);
        TorchRuntime.ConfigureThreads(o.Threads);
        var device = Device.Parse(o.Device);
        var descriptor = DatasetCatalog.Find(o.Dataset);
        using var data = new DatasetCache().Load(descriptor);
        var split = data.BuildSplit(new ImbalanceOptions { Ratio = o.Ratio }, valFraction: 0.1, seed: o.Seed);

        using var scope = torch.NewDisposeScope();
        var index = torch.tensor(split.TrainIndices);
        var images = data.Train.Images.index_select(0, index).to(device);
        var labels = data.Train.Labels.index_select(0, index).to(device);
        var real = new RealTrainingData(images, labels, split.TrainIndices, descriptor.NumClasses);
        var targets = new AugmentTarget().For(real.Counts, descriptor.Classes);
        var toAdd = targets.Sum() - real.Count;
        var dims = images.numel() / real.Count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"smote benchmark: {descriptor.Name} ρ={o.Ratio} split ({real.Count} real training images, {dims} pixels each), every class to n_max = {targets.Max()} " +
            $"({toAdd} new images), k = {o.K}; {o.Threads} threads on both sides, {o.Rounds} alternating rounds; imbfair on {o.Device}, imbalanced-learn on {o.Dtype} pixels"));

        var dir = Directory.CreateTempSubdirectory("imbfair-smote-bench-");
        try
        {
            File.WriteAllBytes(Path.Combine(dir.FullName, "x.bin"), images.cpu().ToBytes());
            File.WriteAllBytes(Path.Combine(dir.FullName, "y.bin"), real.LabelsHost.SelectMany(BitConverter.GetBytes).ToArray());
            File.WriteAllText(Path.Combine(dir.FullName, "targets.json"), JsonSerializer.Serialize(new { targets }));
            using var python = new PythonSide(o, dir.FullName);
            Ours(o, real, targets, 0); // warm-up, as the other side's
            python.WaitReady();

            var sides = Alternating.Rounds<Round>(o.Rounds, [r => Ours(o, real, targets, r + 1), _ => python.RunRound()], (r, x) =>
            {
                if (!x[0].Added.SequenceEqual(x[1].Added))
                {
                    throw new InvalidOperationException($"the sides added different counts: imbfair [{string.Join(", ", x[0].Added)}], imbalanced-learn [{string.Join(", ", x[1].Added)}]");
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {r + 1,2}: imbfair {x[0].Seconds,7:F3} s ({x[0].CpuSeconds,6:F2} CPU-s)   imbalanced-learn {x[1].Seconds,7:F3} s ({x[1].CpuSeconds,6:F2} CPU-s)   speed-up {x[1].Seconds / x[0].Seconds:F2}x"));
            });
            var (ours, theirs) = (sides[0], sides[1]);

            var ourMedian = Stats.Median(ours.Select(x => x.Seconds));
            var theirMedian = Stats.Median(theirs.Select(x => x.Seconds));
            Console.WriteLine();
            Console.WriteLine("| side | seconds (median) | seconds (best) | CPU-seconds (median) |");
            Console.WriteLine("|------|-----------------:|---------------:|---------------------:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| imbfair ({o.Device}) | {ourMedian:F3} | {ours.Min(x => x.Seconds):F3} | {Stats.Median(ours.Select(x => x.CpuSeconds)):F2} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| imbalanced-learn 0.10 ({o.Dtype}) | {theirMedian:F3} | {theirs.Min(x => x.Seconds):F3} | {Stats.Median(theirs.Select(x => x.CpuSeconds)):F2} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"speed-up imbfair vs imbalanced-learn (time ratio imbalanced-learn / imbfair): {theirMedian / ourMedian:F2}x median of rounds, " +
                $"{Stats.Median(ours.Zip(theirs, (a, b) => b.Seconds / a.Seconds)):F2}x median of per-round ratios, {theirs.Min(x => x.Seconds) / ours.Min(x => x.Seconds):F2}x best vs best"));

            var when = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            IReadOnlyList<string> Row(string side, int r, Round x) =>
                [when, descriptor.Name, CsvFile.Number(o.Ratio), side, side == "imbfair" ? o.Device : $"cpu-{o.Dtype}", CsvFile.Number(r + 1), CsvFile.Number(o.Threads),
                 CsvFile.Number(o.K), CsvFile.Number(real.Count), CsvFile.Number(x.Added.Sum()), CsvFile.Number(x.Seconds), CsvFile.Number(x.CpuSeconds)];
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(o.Csv))!);
            CsvFile.Write(o.Csv, ["run_utc", "dataset", "ratio", "side", "device", "round", "threads", "k", "n_real", "n_added", "seconds", "cpu_seconds"],
                ours.Select((x, r) => Row("imbfair", r, x)).Concat(theirs.Select((x, r) => Row("imbalanced-learn", r, x))));
            Console.WriteLine($"wrote {o.Csv}");
            return 0;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static Round Ours(Options o, RealTrainingData real, long[] targets, int round)
    {
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        using var epoch = new Smote(o.Seed + round, new SmoteOptions { K = o.K }).Generate(0, real, targets, null!);
        if (real.Images.device.IsCuda)
        {
            torch.cuda.synchronize();
        }

        var seconds = clock.Elapsed.TotalSeconds;
        self.Refresh();
        return new Round(seconds, (self.TotalProcessorTime - cpu).TotalSeconds, epoch.Added.CountsOf(SampleSource.Smote, real.Classes));
    }

    private static Options Parse(string[] args) => BenchOptions.Parse<Options>(args, Help, static (o, a) =>
    {
        switch (a.Name)
        {
            case "--dataset": o.Dataset = a.Value(); return true;
            case "--ratio": o.Ratio = a.Number(); return true;
            case "--seed": o.Seed = a.Whole(0); return true;
            case "--k": o.K = a.Whole(1); return true;
            case "--device": o.Device = a.Value(); return true;
            case "--dtype": o.Dtype = a.OneOf("float32", "float64"); return true;
            default: return false;
        }
    });

    /// <summary>smote_imblearn.py --serve in a child process, with its thread pools held to the same count.</summary>
    private sealed class PythonSide(Options o, string dataDir) : ReferenceProcess(o.Python, o.Reference,
        ["--data", dataDir, "--k", $"{o.K}", "--threads", $"{o.Threads}", "--dtype", o.Dtype, "--seed", $"{o.Seed}"],
        "the imbalanced-learn side",
        new Dictionary<string, string?> { ["OMP_NUM_THREADS"] = $"{o.Threads}", ["OPENBLAS_NUM_THREADS"] = $"{o.Threads}" })
    {
        public Round RunRound()
        {
            var json = Ask("round");
            return new Round(json.GetProperty("seconds").GetDouble(), json.GetProperty("cpu_seconds").GetDouble(),
                json.GetProperty("added").EnumerateArray().Select(x => x.GetInt64()).ToArray());
        }
    }
}
