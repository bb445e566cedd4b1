using System.Diagnostics;
using System.Globalization;
using System.Text;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Bench;

/// <summary>
/// The startup benchmark: wall time from spawning a process to its first training step, for the real
/// <c>imbfair run</c> (a small config; the marker is the trainer's debug line "First training step done") and for the
/// PyTorch reference (bench/reference/train_clip.py --first-step: import torch, build the same model, one step); and
/// the bare start of each (<c>imbfair --version</c>, <c>python3 -c "import torch"</c>). Alternating rounds.
/// </summary>
internal static class StartupBenchmark
{
    private const string Help = """
        imbfair-bench startup [options]
          --imbfair PATH   the CLI to start (default src/ImbalanceFair.Cli/bin/Release/net10.0/imbfair)
          --arch NAME      tiny-clip | tiny-clip-conv (default tiny-clip)
          --batch N        images per step on both sides (default 64)
          --rounds N       timed rounds, alternating (default 5; one untimed round first warms caches)
          --threads N      intra-op threads on both sides (default: the number of cores)
          --python PATH    the interpreter with torch (default /usr/bin/python3, or $IMBFAIR_PYTHON)
          --reference PATH the PyTorch side (default bench/reference/train_clip.py)
          --csv PATH       where to write the results (default bench/results/startup.csv)
        """;

    private const string Marker = "First training step done";

    private sealed class Options() : CliBenchOptions("bench/reference/train_clip.py", "bench/results/startup.csv")
    {
        public string Arch { get; set; } = "tiny-clip";
        public int Batch { get; set; } = 64;
    }

    public static int Run(string[] args)
    {
        if (OptionReader.WantsHelp(args, Help))
        {
            return 0;
        }

        var o = Parse(args);
        o.Prepare();

        var dir = Directory.CreateTempSubdirectory("imbfair-startup-bench-");
        try
        {
            var config = Path.Combine(dir.FullName, "startup.yaml");
            File.WriteAllText(config, $$"""
                # scripts/bench startup: a small run, stopped at its first training step.
                name: startup
                dataset: {name: fashion-mnist, val_fraction: 0.1}
                imbalance: {profile: exponential, ratio: 10, n_max: 500}
                augment: {strategy: none}
                model: {arch: {{o.Arch}}, init: scratch}
                train: {mode: text-head, epochs: 1, batch_size: {{o.Batch}} }
                """);
            Console.WriteLine($"startup benchmark: process start to first training step ({o.Arch}, batch {o.Batch}, {o.Threads} intra-op threads) for `imbfair run` " +
                              $"(fashion-mnist from the warm cache, rho=10 split, text-head) and for {Path.GetFileName(o.Reference)} --first-step (import torch, build the model, one step " +
                              $"on random images); and the bare start: `imbfair --version` and `python3 -c \"import torch\"`. {o.Rounds} alternating rounds after one untimed round.");

            List<Func<int, double>> sides =
            [
                _ => Time(o.Imbfair, ["--version"], null),
                r => Time(o.Imbfair, ["run", config, $"output.dir={Path.Combine(dir.FullName, $"runs{r}")}", "--log-level", "Debug"], Marker),
                _ => Time(o.Python, ["-c", "import torch"], null),
                _ => Time(o.Python, [o.Reference, "--first-step", "--arch", o.Arch, "--batch", $"{o.Batch}", "--threads", $"{o.Threads}", "--blas-threads", "1"], "first_step"),
            ];
            foreach (var warm in sides)
            {
                warm(-1);
            }

            string[] names = ["imbfair --version", "imbfair run: first step", "python3 -c 'import torch'", "pytorch: first step"];
            var results = Alternating.Rounds(o.Rounds, sides, (r, x) =>
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {r + 1,2}: {string.Join("   ", names.Select((n, i) => string.Create(CultureInfo.InvariantCulture, $"{n} {x[i]:F3} s")))}")));

            var sb = new StringBuilder();
            sb.AppendLine();
            sb.AppendLine("| what | imbfair s (median, best) | PyTorch s (median, best) | ratio PyTorch/imbfair (median of per-round ratios) |");
            sb.AppendLine("|------|-------------------------:|-------------------------:|---------------------------------------------------:|");
            void Line(string what, List<double> ours, List<double> theirs) =>
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {what} | {Stats.Median(ours):F3}, {ours.Min():F3} | {Stats.Median(theirs):F3}, {theirs.Min():F3} | {Stats.Median(ours.Zip(theirs, (a, b) => b / a)):F2} |"));
            Line("bare start (`--version` / `import torch`)", results[0], results[2]);
            Line("process start to first training step", results[1], results[3]);
            Console.Write(sb.ToString());

            var inv = CultureInfo.InvariantCulture;
            var when = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", inv);
            var csv = new StringBuilder("run_utc,what,side,round,arch,batch,threads,seconds\n");
            string[] what = ["bare_start", "first_step", "bare_start", "first_step"];
            string[] side = ["imbfair", "imbfair", "pytorch", "pytorch"];
            for (var s = 0; s < results.Length; s++)
            {
                for (var r = 0; r < results[s].Count; r++)
                {
                    csv.Append(inv, $"{when},{what[s]},{side[s]},{r + 1},{o.Arch},{o.Batch},{o.Threads},{results[s][r]:F4}\n");
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

    /// <summary>
    /// Seconds from spawning <paramref name="file"/> to the first output line containing <paramref name="marker"/>
    /// (then the process is stopped), or to its exit when there is no marker.
    /// </summary>
    private static double Time(string file, IEnumerable<string> arguments, string? marker)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        var seen = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            if (marker is not null && e.Data.Contains(marker, StringComparison.Ordinal))
            {
                seen.TrySetResult(clock.Elapsed.TotalSeconds);
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (marker is null)
        {
            process.WaitForExit();
            var seconds = clock.Elapsed.TotalSeconds;
            return process.ExitCode == 0 ? seconds : throw new InvalidOperationException($"{file} exited with {process.ExitCode}:\n{output}");
        }

        // The marker, or the process's exit without it (an error: its output says why).
        var exited = process.WaitForExitAsync();
        var first = Task.WhenAny(seen.Task, exited).GetAwaiter().GetResult();
        if (first != seen.Task && !seen.Task.IsCompleted)
        {
            throw new InvalidOperationException($"{file} exited with {process.ExitCode} before printing '{marker}':\n{output}");
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        return seen.Task.GetAwaiter().GetResult();
    }

    private static Options Parse(string[] args) => BenchOptions.Parse<Options>(args, Help, static (o, a) =>
    {
        switch (a.Name)
        {
            case "--arch": o.Arch = a.OneOf("tiny-clip", "tiny-clip-conv"); return true;
            case "--batch": o.Batch = a.Whole(1); return true;
            default: return false;
        }
    });
}
