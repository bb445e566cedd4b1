using System.Diagnostics;
using System.Globalization;
using ImbalanceFair.Core;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Results;

namespace ImbalanceFair.Bench;

/// <summary>
/// `data`: loading a dataset from a warm cache and building a long-tailed split, the way a run starts. Times each
/// phase over several repetitions in one process (after one untimed load that fills the cache if it is cold).
/// </summary>
internal static class DataBenchmark
{
    private const string Help = """
        imbfair-bench data [options]
          --dataset NAME   a descriptor name or path (default fashion-mnist)
          --ratio R        imbalance ratio of the split (default 100)
          --repeats N      timed repetitions (default 7)
          --csv PATH       where to write the results (default bench/results/data.csv)
        """;

    public static int Run(string[] args)
    {
        var dataset = "fashion-mnist";
        double ratio = 100;
        var repeats = 7;
        var csv = "bench/results/data.csv";
        if (OptionReader.WantsHelp(args, Help))
        {
            return 0;
        }

        var a = new OptionReader(args, Help);
        while (a.Next())
        {
            switch (a.Name)
            {
                case "--dataset": dataset = a.Value(); break;
                case "--ratio": ratio = a.Number(); break;
                case "--repeats": repeats = a.Whole(1); break;
                case "--csv": csv = a.Value(); break;
                default: throw a.Unknown();
            }
        }

        TorchRuntime.ConfigureThreads();
        var descriptor = DatasetCatalog.Find(dataset);
        var cache = new DatasetCache();
        var cold = Stopwatch.StartNew();
        using (var first = cache.Load(descriptor))
        {
            Console.WriteLine($"first load: {cold.Elapsed.TotalMilliseconds:F0} ms ({(first.FromCache ? "cache was warm" : "decoded and cached")}); cache {cache.Directory}");
        }

        var rows = new List<(double load, double split, long train)>();
        for (var r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            using var data = cache.Load(descriptor);
            var load = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            var split = data.BuildSplit(new ImbalanceOptions { Ratio = ratio }, valFraction: 0.1, seed: r);
            var splitMs = sw.Elapsed.TotalMilliseconds;
            rows.Add((load, splitMs, split.TrainIndices.LongLength));
        }

        double Median(IEnumerable<double> xs)
        {
            var s = xs.Order().ToArray();
            return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
        }

        var medLoad = Median(rows.Select(x => x.load));
        var medSplit = Median(rows.Select(x => x.split));
        var medTotal = Median(rows.Select(x => x.load + x.split));
        Console.WriteLine($"{descriptor.Name}: warm-cache load + exponential split ρ={ratio.ToString(CultureInfo.InvariantCulture)} ({rows[0].train} real training images), {repeats} repetitions");
        Console.WriteLine();
        Console.WriteLine("| phase | median ms | best ms |");
        Console.WriteLine("|-------|----------:|--------:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| load from cache | {medLoad:F1} | {rows.Min(x => x.load):F1} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| build split | {medSplit:F1} | {rows.Min(x => x.split):F1} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| total | {medTotal:F1} | {rows.Min(x => x.load + x.split):F1} |"));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(csv))!);
        CsvFile.Write(csv, ["dataset", "ratio", "repeat", "load_ms", "split_ms", "train_images"],
            rows.Select((x, i) => (IReadOnlyList<string>)[descriptor.Name, CsvFile.Number(ratio), CsvFile.Number(i), CsvFile.Number(x.load), CsvFile.Number(x.split), CsvFile.Number(x.train)]));
        Console.WriteLine($"wrote {csv}");
        return 0;
    }
}
