using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Bench;

/// <summary>
/// The memory benchmark: resident memory of a real <c>imbfair run</c> over many epochs, sampled from
/// /proc/PID/status while it runs (VmRSS every few milliseconds, VmHWM for the peak) and read at every epoch end
/// (the run's "Epoch N/M" log line), to show whether memory grows from epoch to epoch; and, for comparison, the
/// PyTorch reference (bench/reference/train_clip.py --memory-epochs) training the same model for as many epochs.
/// </summary>
internal static partial class MemoryBenchmark
{
    private const string Help = """
        imbfair-bench memory [options]
          --imbfair PATH   the CLI to run (default src/ImbalanceFair.Cli/bin/Release/net10.0/imbfair)
          --arch NAME      tiny-clip | tiny-clip-conv (default tiny-clip-conv)
          --strategy X     augment.strategy of the run (default pgd: adversarial copies regenerated every epoch)
          --epochs N       epochs (default 12)
          --batch N        images per step (default 128)
          --n-max N        imbalance.n_max of the rho=10 fashion-mnist split (default 300)
          --python PATH    the interpreter with torch (default /usr/bin/python3, or $IMBFAIR_PYTHON)
          --reference PATH the PyTorch side (default bench/reference/train_clip.py)
          --csv PATH       where to write the results (default bench/results/memory.csv)
        """;

    private sealed class Options() : CliBenchOptions("bench/reference/train_clip.py", "bench/results/memory.csv")
    {
        public string Arch { get; set; } = "tiny-clip-conv";
        public string Strategy { get; set; } = "pgd";
        public int Epochs { get; set; } = 12;
        public int Batch { get; set; } = 128;
        public int NMax { get; set; } = 300;
    }

    [GeneratedRegex(@"Epoch (\d+)/(\d+): loss")]
    private static partial Regex EpochLine();

    // The trainer's debug line at each epoch end: tensors still alive, and the managed heap after its collection.
    [GeneratedRegex(@"Epoch \d+ memory: (\d+) live tensors, managed heap ([\d.]+) MiB")]
    private static partial Regex MemoryLine();

    public static int Run(string[] args)
    {
        if (OptionReader.WantsHelp(args, Help))
        {
            return 0;
        }

        var o = Parse(args);
        o.Prepare();

        var dir = Directory.CreateTempSubdirectory("imbfair-memory-bench-");
        try
        {
            var config = Path.Combine(dir.FullName, "memory.yaml");
            File.WriteAllText(config, $$"""
                # scripts/bench memory: a small run over many epochs.
                name: memory
                dataset: {name: fashion-mnist, val_fraction: 0.1}
                imbalance: {profile: exponential, ratio: 10, n_max: {{o.NMax}} }
                augment: {strategy: {{o.Strategy}}, target: balance, adversarial: {steps: 2} }
                model: {arch: {{o.Arch}}, init: scratch}
                train: {mode: text-head, epochs: {{o.Epochs}}, batch_size: {{o.Batch}} }
                eval: {bootstrap: 100}
                output: {dir: {{Path.Combine(dir.FullName, "runs")}} }
                """);
            Console.WriteLine($"memory benchmark: `imbfair run` of {o.Arch}, strategy {o.Strategy}, {o.Epochs} epochs, batch {o.Batch}, fashion-mnist rho=10 n_max={o.NMax}; " +
                              $"resident memory sampled from /proc/PID/status; PyTorch reference: {Path.GetFileName(o.Reference)} --memory-epochs {o.Epochs} on as many images");

            var ours = RunImbfair(o, config);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"imbfair: {ours.Images} training images per epoch, {ours.Seconds:F1} s"));
            var theirs = RunReference(o, ours.Images);

            var sb = new StringBuilder();
            sb.AppendLine();
            sb.AppendLine("| epoch | imbfair RSS MiB | imbfair live tensors | imbfair managed heap MiB | PyTorch RSS MiB |");
            sb.AppendLine("|------:|----------------:|---------------------:|-------------------------:|----------------:|");
            for (var e = 0; e < o.Epochs; e++)
            {
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {e + 1} | {At(ours.EpochRss, e):F1} | {At(ours.LiveTensors!, e)} | {At(ours.ManagedMiB!, e):F1} | {At(theirs.EpochRss, e):F1} |"));
            }

            var later = o.Epochs / 2;
            var gpu = torch.cuda.is_available() ? "see `scripts/bench pgd --device cuda`; the CLI run here is on the CPU" : "n/a (no CUDA)";
            sb.AppendLine();
            sb.AppendLine($"| side | peak RSS MiB (VmHWM) | RSS at the last epoch MiB | slope over epochs {later + 1}-{o.Epochs} MiB/epoch | peak GPU memory |");
            sb.AppendLine("|------|---------------------:|--------------------------:|------------------------:|-----------------|");
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| imbfair | {ours.PeakMiB:F1} | {ours.EpochRss[^1]:F1} | {Slope(ours.EpochRss, later):F2} | {gpu} |"));
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| PyTorch | {theirs.PeakMiB:F1} | {theirs.EpochRss[^1]:F1} | {Slope(theirs.EpochRss, later):F2} | {gpu} |"));
            Console.Write(sb.ToString());

            var inv = CultureInfo.InvariantCulture;
            var when = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", inv);
            var csv = new StringBuilder("run_utc,side,arch,strategy,batch,images_per_epoch,epoch,rss_mib,peak_mib,live_tensors,managed_heap_mib\n");
            foreach (var (side, m) in new[] { ("imbfair", ours), ("pytorch", theirs) })
            {
                for (var e = 0; e < m.EpochRss.Count; e++)
                {
                    csv.Append(inv, $"{when},{side},{o.Arch},{(side == "imbfair" ? o.Strategy : "none")},{o.Batch},{ours.Images},{e + 1},{m.EpochRss[e]:F2},{m.PeakMiB:F2},")
                       .Append(inv, $"{(m.LiveTensors is { } l && e < l.Count ? l[e] : "")},{(m.ManagedMiB is { } h && e < h.Count ? h[e].ToString("F2", inv) : "")}\n");
                }
            }

            o.WriteCsv(csv.ToString());
            Console.WriteLine($"wrote {o.Csv}");
            return 0;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private sealed record Memory(List<double> EpochRss, double PeakMiB, long Images, double Seconds, List<long>? LiveTensors = null, List<double>? ManagedMiB = null);

    private static T? At<T>(List<T> values, int i) => i < values.Count ? values[i] : default;

    /// <summary>Least-squares slope of the values from index <paramref name="from"/> on (MiB per epoch).</summary>
    private static double Slope(List<double> values, int from)
    {
        var ys = values.Skip(from).ToArray();
        if (ys.Length < 2)
        {
            return double.NaN;
        }

        var mx = (ys.Length - 1) / 2.0;
        var my = ys.Average();
        var num = ys.Select((y, i) => (i - mx) * (y - my)).Sum();
        var den = ys.Select((_, i) => (i - mx) * (i - mx)).Sum();
        return num / den;
    }

    /// <summary>A /proc/PID/status figure in MiB (VmRSS, VmHWM), or null once the process is gone.</summary>
    private static double? StatusMiB(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(field.Length + 1).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    private static Memory RunImbfair(Options o, string config)
    {
        var psi = new ProcessStartInfo(o.Imbfair) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "run", config, "--log-level", "Debug" })
        {
            psi.ArgumentList.Add(a);
        }

        var epochRss = new List<double>();
        var live = new List<long>();
        var managed = new List<double>();
        var output = new StringBuilder();
        var peak = 0.0;
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
                if (EpochLine().IsMatch(e.Data) && StatusMiB(process.Id, "VmRSS") is { } rss)
                {
                    epochRss.Add(rss);
                }
                else if (MemoryLine().Match(e.Data) is { Success: true } m)
                {
                    live.Add(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
                    managed.Add(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
                }
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // The peak: VmHWM is the kernel's own high-water mark; read it until the process is gone.
        while (!process.WaitForExit(20))
        {
            if (StatusMiB(process.Id, "VmHWM") is { } hwm)
            {
                peak = Math.Max(peak, hwm);
            }
        }

        process.WaitForExit();
        if (process.ExitCode != 0 || epochRss.Count != o.Epochs)
        {
            throw new InvalidOperationException($"imbfair run exited with {process.ExitCode} after {epochRss.Count} epoch line(s):\n{output}");
        }

        return new Memory(epochRss, peak, TrainingImages(Path.Combine(Path.GetDirectoryName(config)!, "runs")), clock.Elapsed.TotalSeconds, live, managed);
    }

    /// <summary>Images per epoch of the finished run: the n_train_total column of its split.csv.</summary>
    private static long TrainingImages(string runs)
    {
        var split = Directory.EnumerateFiles(runs, "split.csv", SearchOption.AllDirectories).Single();
        var lines = File.ReadAllLines(split);
        var column = Array.IndexOf(lines[0].Split(','), "n_train_total");
        return lines.Skip(1).Sum(l => long.Parse(l.Split(',')[column], CultureInfo.InvariantCulture));
    }

    private static Memory RunReference(Options o, long images)
    {
        var psi = new ProcessStartInfo(o.Python) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[]
                 {
                     o.Reference, "--arch", o.Arch, "--batch", $"{o.Batch}", "--threads", $"{o.Threads}", "--blas-threads", "1",
                     "--memory-epochs", $"{o.Epochs}", "--memory-images", $"{Math.Max(images, o.Batch)}",
                 })
        {
            psi.ArgumentList.Add(a);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {o.Python}");
        var epochRss = new List<double>();
        var peak = double.NaN;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            var json = JsonDocument.Parse(line).RootElement;
            if (json.TryGetProperty("rss_kb", out var rss))
            {
                epochRss.Add(rss.GetInt64() / 1024.0);
            }
            else if (json.TryGetProperty("peak_kb", out var p))
            {
                peak = p.GetInt64() / 1024.0;
            }
        }

        process.WaitForExit();
        return process.ExitCode == 0 && epochRss.Count == o.Epochs
            ? new Memory(epochRss, peak, images, clock.Elapsed.TotalSeconds)
            : throw new InvalidOperationException($"the PyTorch side exited with {process.ExitCode} after {epochRss.Count} epoch(s)");
    }

    private static Options Parse(string[] args) => BenchOptions.Parse<Options>(args, Help, static (o, a) =>
    {
        switch (a.Name)
        {
            case "--arch": o.Arch = a.OneOf("tiny-clip", "tiny-clip-conv"); return true;
            case "--strategy": o.Strategy = a.Value(); return true;
            case "--epochs": o.Epochs = a.Whole(2); return true;
            case "--batch": o.Batch = a.Whole(1); return true;
            case "--n-max": o.NMax = a.Whole(10); return true;
            default: return false;
        }
    });
}
