using System.Diagnostics;
using ImbalanceFair.Cli.Tests.Support;

namespace ImbalanceFair.Cli.Tests.Faults;

/// <summary>
/// The disk lets a run down: it fills up while the results are written (a small tmpfs, mounted only as root), or the
/// checkpoint to resume from is truncated. No half file, a clear error, and a fresh start only when asked (--force).
/// </summary>
public sealed class DiskFaultTests : IClassFixture<FaultRuns>
{
    private const int Page = 4096;
    private static readonly string[] ResultTables = ["split.csv", "predictions.csv", "per_class.csv", "per_group.csv"];

    private readonly FaultRuns _runs;

    public DiskFaultTests(FaultRuns runs) => _runs = runs;

    [RootFact]
    public void A_disk_that_fills_up_while_results_are_written_leaves_no_half_file_and_a_clear_error()
    {
        // The same run on an ordinary disk gives the reference results; stopped as the evaluation starts, it says how
        // much a run holds before its result files (config, log, train log, checkpoint) in whole tmpfs pages.
        var referenceOut = Path.Combine(_runs.Root, "disk-reference");
        var reference = Imbfair.Run(["run", _runs.Config("disk", referenceOut), "--json", "--no-progress"], _runs.Env());
        Assert.True(reference.ExitCode == 0, reference.Stderr);
        var referenceDir = FaultRuns.RunDirUnder(referenceOut, "disk");
        var measureOut = Path.Combine(_runs.Root, "disk-measure");
        var stopped = Imbfair.Run(["run", _runs.Config("disk", measureOut), "--json", "--no-progress"], _runs.Env(("IMBFAIR_FAULT_SIGNAL", "evaluation:TERM")));
        Assert.True(stopped.ExitCode == 143, stopped.Stderr);
        static long Pages(long bytes) => (bytes + Page - 1) / Page * Page;
        var before = Directory.EnumerateFiles(FaultRuns.RunDirUnder(measureOut, "disk")).Sum(f => Pages(new FileInfo(f).Length));
        var results = ResultTables.Append("summary.csv").Append("metrics.json").Sum(f => Pages(new FileInfo(Path.Combine(referenceDir, f)).Length));
        Assert.True(results >= 4 * Page, $"the results take {results} bytes, too few to fill a disk with");

        var mount = Directory.CreateDirectory(Path.Combine(_runs.Root, "small-disk")).FullName;
        Mount(mount, before + (2 * Page));
        try
        {
            var output = Path.Combine(mount, "runs");
            var config = _runs.Config("disk", output);
            var full = Imbfair.Run(["run", config, "--json", "--no-progress"], _runs.Env());

            Assert.True(full.ExitCode == 1, $"exit {full.ExitCode}: {full.Stderr}");
            var json = FaultRuns.Json(full);
            Assert.Equal("failed", json.GetProperty("status").GetString());
            Assert.Equal("io", json.GetProperty("error").GetProperty("kind").GetString());
            Assert.Contains("No space left on device", json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
            var dir = FaultRuns.RunDirUnder(output, "disk");
            Assert.False(File.Exists(Path.Combine(dir, "done")));
            Assert.Empty(FaultRuns.TempFiles(output));
            Assert.True(File.Exists(Path.Combine(dir, "checkpoint.safetensors")), "the trained epoch survives the full disk");

            // Every result file that exists is whole: byte for byte the file of the same run on an ordinary disk.
            var written = ResultTables.Where(f => File.Exists(Path.Combine(dir, f))).ToList();
            Assert.True(written.Count < ResultTables.Length, "the disk did not fill up while the results were written");
            foreach (var f in written)
            {
                Assert.Equal(File.ReadAllText(Path.Combine(referenceDir, f)), File.ReadAllText(Path.Combine(dir, f)));
            }

            // Room again: the same command resumes from the checkpoint and finishes with the reference results.
            Remount(mount, 64L << 20);
            var resumed = Imbfair.Run(["run", config, "--json", "--no-progress"], _runs.Env());
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            Assert.Contains("Resuming from", resumed.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dir, "failed")), "a new attempt clears the failed marker");
            foreach (var f in ResultTables)
            {
                Assert.Equal(File.ReadAllText(Path.Combine(referenceDir, f)), File.ReadAllText(Path.Combine(dir, f)));
            }
        }
        finally
        {
            Unmount(mount);
        }
    }

    [Fact]
    public void A_truncated_checkpoint_is_a_clear_error_and_force_starts_afresh()
    {
        var output = Path.Combine(_runs.Root, "truncated");
        var config = _runs.Config("trunc", output, epochs: 2);
        var stopped = Imbfair.Run(["run", config, "--json", "--no-progress"], _runs.Env(("IMBFAIR_FAULT_SIGNAL", "evaluation:TERM")));
        Assert.True(stopped.ExitCode == 143, stopped.Stderr);
        var dir = FaultRuns.RunDirUnder(output, "trunc");
        var checkpoint = Path.Combine(dir, "checkpoint.safetensors");
        var length = new FileInfo(checkpoint).Length;
        using (var file = new FileStream(checkpoint, FileMode.Open))
        {
            file.SetLength(length / 2);
        }

        var refused = Imbfair.Run(["run", config, "--json", "--no-progress"], _runs.Env());

        Assert.True(refused.ExitCode == 1, $"exit {refused.ExitCode}: {refused.Stderr}");
        var json = FaultRuns.Json(refused);
        Assert.Equal("data", json.GetProperty("error").GetProperty("kind").GetString());
        var message = json.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("checkpoint to resume from is damaged", message, StringComparison.Ordinal);
        Assert.Contains("--force", message, StringComparison.Ordinal);
        Assert.Equal(length / 2, new FileInfo(checkpoint).Length);
        Assert.StartsWith(checkpoint, File.ReadAllText(Path.Combine(dir, "failed")), StringComparison.Ordinal);
        Assert.Contains("damaged", File.ReadAllText(Path.Combine(dir, "run.log")), StringComparison.Ordinal);
        Assert.Contains("failed:", Imbfair.Run(["report", output, "--out", Path.Combine(_runs.Root, "trunc-report")], _runs.Env()).Stderr, StringComparison.Ordinal);

        var fresh = Imbfair.Run(["run", config, "--json", "--no-progress", "--force"], _runs.Env());
        Assert.True(fresh.ExitCode == 0, fresh.Stderr);
        Assert.DoesNotContain("Resuming from", fresh.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, "done")));
        Assert.False(File.Exists(Path.Combine(dir, "failed")));
    }

    private static void Mount(string dir, long bytes) => Sh("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", dir);

    private static void Remount(string dir, long bytes) => Sh("mount", "-o", $"remount,size={bytes}", dir);

    private static void Unmount(string dir) => Sh("umount", dir);

    private static void Sh(string program, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{program} {string.Join(' ', args)}: {error}");
    }

    /// <summary>Mounting a tmpfs needs root: elsewhere the test shows as skipped, with the reason.</summary>
    private sealed class RootFactAttribute : FactAttribute
    {
        public RootFactAttribute()
        {
            if (Environment.UserName != "root")
            {
                Skip = "needs root to mount a small tmpfs (run the suite as root, e.g. in CI's container, to include it)";
            }
        }
    }
}
