using System.Diagnostics;
using ImbalanceFair.Cli.Tests.Support;

namespace ImbalanceFair.Cli.Tests.Faults;

/// <summary>
/// kill -9 of a sweep and all its trials at random moments, again and again: each restart runs exactly the trials that
/// are not done (a done trial is never run twice, nothing is half-written), and the last one finishes the sweep. A kill
/// in the middle of a write leaves that write's hidden temporary file (nothing can prevent that); it may only be in a
/// trial not done or be trials.csv's, and the next process to take that folder's lock removes it.
/// </summary>
public sealed class SweepKillTests : IDisposable
{
    private const int Kills = 3;
    private readonly SweepTestDirectory _dir = new();

    [Fact]
    public async Task Kill_9_at_random_moments_then_a_rerun_completes_exactly_the_missing_trials()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var sweep = _dir.Sweep("""
            grid:
              imbalance.ratio: [5, 20]
              augment.strategy: [none, oversample]
            """);
        var dir = _dir.SweepDir();
        var doneAt = new Dictionary<string, DateTime>();
        var moments = new List<int>();
        for (var kill = 0; kill < Kills; kill++)
        {
            using var process = Processes.Start(["sweep", sweep, "--jobs", "2"], _dir.Env, _dir.Path);
            _ = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            var moment = random.Next(300, 6000);
            moments.Add(moment);
            await Task.Delay(moment);
            var children = process.HasExited ? [] : Processes.Children(process.Id);
            if (!process.HasExited)
            {
                Processes.Signal(process.Id, "KILL");
            }

            foreach (var child in children)
            {
                Processes.Signal(child, "KILL");
            }

            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)));

            // A trial started in the instant of the kill is an orphan that stops itself (ParentWatch): wait for its lock.
            await WaitForLocksReleased(dir);
            var why = $"seed {seed}, kills after {string.Join(", ", moments)} ms";
            foreach (var temp in FaultRuns.TempFiles(dir))
            {
                var folder = Path.GetDirectoryName(temp)!;
                var ofTrials = folder == dir && Path.GetFileName(temp).StartsWith(".trials.csv.", StringComparison.Ordinal);
                Assert.True(ofTrials || !File.Exists(Path.Combine(folder, "done")), $"temporary file {temp} in a done trial ({why})");
            }

            foreach (var (runDir, mtime) in doneAt)
            {
                Assert.True(mtime == File.GetLastWriteTimeUtc(Path.Combine(runDir, "summary.csv")), $"{runDir} was run again after it was done ({why})");
            }

            foreach (var runDir in Directory.Exists(dir) ? Directory.GetDirectories(dir) : [])
            {
                if (File.Exists(Path.Combine(runDir, "done")) && !doneAt.ContainsKey(runDir))
                {
                    doneAt[runDir] = File.GetLastWriteTimeUtc(Path.Combine(runDir, "summary.csv"));
                }
            }
        }

        var rerun = _dir.Run("sweep", sweep, "--jobs", "2");

        var because = $"seed {seed}, kills after {string.Join(", ", moments)} ms: {rerun.Stderr}";
        Assert.True(rerun.ExitCode == 0, because);
        Assert.True(FaultRuns.TempFiles(dir).Length == 0, $"temporary files left after the rerun: {string.Join(", ", FaultRuns.TempFiles(dir))} ({because})");
        Assert.Equal(doneAt.Count, rerun.Stderr.Split('\n').Count(l => l.Contains("already done", StringComparison.Ordinal)));
        Assert.Equal(4 - doneAt.Count, rerun.Stderr.Split('\n').Count(l => l.Contains(" started: ", StringComparison.Ordinal)));
        var trials = _dir.Trials();
        Assert.Equal(4, trials.Count);
        foreach (var row in trials.Values)
        {
            Assert.True(row["status"] == "done", because);
            Assert.False(File.Exists(Path.Combine(row["run_dir"], "checkpoint.safetensors")), because);
            Assert.Equal(2, File.ReadAllLines(Path.Combine(row["run_dir"], "summary.csv")).Length);
        }

        foreach (var (runDir, mtime) in doneAt)
        {
            Assert.Equal(mtime, File.GetLastWriteTimeUtc(Path.Combine(runDir, "summary.csv")));
        }

        Assert.Empty(FaultRuns.TempFiles(dir));

        // The run locks sit inside the run directories; the sweep folder holds one hidden lock of its own.
        Assert.Equal([".trials.lock"], Directory.GetFiles(dir, "*.lock").Select(Path.GetFileName));
    }

    private static async Task WaitForLocksReleased(string dir)
    {
        var clock = Stopwatch.StartNew();
        foreach (var runDir in Directory.Exists(dir) ? Directory.GetDirectories(dir) : [])
        {
            var path = Path.Combine(runDir, ".lock");
            while (File.Exists(path))
            {
                try
                {
                    using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
                    break;
                }
                catch (IOException) when (clock.Elapsed < TimeSpan.FromMinutes(1))
                {
                    await Task.Delay(50);
                }
            }
        }
    }

    public void Dispose() => _dir.Dispose();
}
