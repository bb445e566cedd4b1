using ImbalanceFair.Tests.Shared;
using System.Diagnostics;
using System.Text.Json;
using ImbalanceFair.Cli.Tests.Support;

namespace ImbalanceFair.Cli.Tests;

/// <summary>The real `imbfair sweep` on the CI base config: trials as run directories, trials.csv, --jobs, failures, Slurm.</summary>
public sealed class SweepCommandTests : IDisposable
{
    private const string Grid = """
        grid:
          imbalance.ratio: [5, 20]
          augment.strategy: [none, oversample]
        """;

    private readonly SweepTestDirectory _dir = new();

    [Fact]
    public void A_sweep_runs_every_trial_as_a_run_directory_and_a_second_sweep_skips_them_all()
    {
        var sweep = _dir.Sweep(Grid);

        var result = _dir.Run("sweep", sweep, "--jobs", "2", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var trials = _dir.Trials();
        Assert.Equal([0, 1, 2, 3], trials.Keys.Order());
        Assert.Equal("imbalance.ratio=5 augment.strategy=oversample", trials[1]["overrides"][(trials[1]["overrides"].IndexOf("imbalance", StringComparison.Ordinal))..]);
        Assert.Equal("imbalance.ratio=20 augment.strategy=none", trials[2]["overrides"][(trials[2]["overrides"].IndexOf("imbalance", StringComparison.Ordinal))..]);
        foreach (var t in trials.Values)
        {
            Assert.Equal("done", t["status"]);
            Assert.Equal(_dir.SweepDir(), Path.GetDirectoryName(t["run_dir"]));
            Assert.True(File.Exists(Path.Combine(t["run_dir"], "done")));
            Assert.Equal(1, SweepTestDirectory.Starts(t["run_dir"]));
        }

        Assert.Equal("20", SweepTestDirectory.Metrics(trials[2]["run_dir"])["imbalance_ratio"]);
        Assert.Equal("oversample", SweepTestDirectory.Metrics(trials[3]["run_dir"])["strategy"]);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal(4, json.GetProperty("trials").GetArrayLength());
        Assert.Empty(json.GetProperty("failed").EnumerateArray());
        // --jobs N shares the cores: each trial's libtorch gets cores / N threads (the first line of its run.log says).
        var threads = Math.Max(1, Environment.ProcessorCount / 2);
        Assert.All(trials.Values, t => Assert.Contains($", {threads} threads)", File.ReadLines(Path.Combine(t["run_dir"], "run.log")).First(), StringComparison.Ordinal));
        var mtimes = trials.Values.Select(t => File.GetLastWriteTimeUtc(Path.Combine(t["run_dir"], "summary.csv"))).ToList();
        // A whole local sweep ends in its report: the four trials, one group each (they differ in more than the seed).
        var report = File.ReadAllLines(Path.Combine(_dir.SweepDir(), "report.csv"));
        Assert.Equal(4, report.Skip(1).Select(l => l.Split(',')[0]).Distinct().Count());
        Assert.True(File.Exists(Path.Combine(_dir.SweepDir(), "report.html")));

        var again = _dir.Run("sweep", sweep, "--jobs", "2");

        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(4, again.Stderr.Split('\n').Count(l => l.Contains("already done", StringComparison.Ordinal)));
        Assert.Equal(mtimes, trials.Values.Select(t => File.GetLastWriteTimeUtc(Path.Combine(t["run_dir"], "summary.csv"))));
        Assert.All(_dir.Trials().Values, t => Assert.Equal("done", t["status"]));
    }

    [Fact]
    public async Task A_sweep_killed_mid_way_finishes_only_the_missing_trials_with_the_results_of_an_uninterrupted_one()
    {
        var body = Grid + "\n" + "variants: [{train.epochs: 2}]";
        var whole = _dir.Run("sweep", _dir.Sweep(body, outputs: "whole"), "--jobs", "2");
        Assert.True(whole.ExitCode == 0, whole.Stderr);

        var sweep = _dir.Sweep(body, outputs: "killed");
        using (var process = Processes.Start(["sweep", sweep, "--jobs", "2"], _dir.Env, _dir.Path))
        {
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            var dir = _dir.SweepDir(outputs: "killed");
            bool Ready() => Directory.Exists(dir)
                && Directory.GetDirectories(dir).Any(d => File.Exists(Path.Combine(d, "done")))
                && Directory.GetDirectories(dir).Any(d => !File.Exists(Path.Combine(d, "done")) && File.Exists(Path.Combine(d, "run.log")));
            var clock = Stopwatch.StartNew();
            while (!Ready())
            {
                if (process.HasExited)
                {
                    Assert.Fail($"the sweep ended before it could be killed mid-way: {await stderr}");
                }

                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(4), "no trial finished in four minutes");
                await Task.Delay(20);
            }

            // A crash, not a polite stop: the sweep and its trials die without saving anything.
            var children = Processes.Children(process.Id);
            Assert.NotEmpty(children);
            Processes.Signal(process.Id, "KILL");
            foreach (var child in children)
            {
                Processes.Signal(child, "KILL");
            }

            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)));
        }

        var killed = _dir.SweepDir(outputs: "killed");
        var finished = Directory.GetDirectories(killed).Where(d => File.Exists(Path.Combine(d, "done")))
            .ToDictionary(d => d, d => File.GetLastWriteTimeUtc(Path.Combine(d, "summary.csv")));
        Assert.InRange(finished.Count, 1, 3);

        var dry = _dir.Run("sweep", sweep, "--dry-run");
        Assert.Equal(0, dry.ExitCode);
        Assert.Equal(finished.Count, dry.Stdout.Split('\n').Count(l => l.Contains("  done  ", StringComparison.Ordinal)));

        var resumed = _dir.Run("sweep", sweep, "--jobs", "2");

        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(finished.Count, resumed.Stderr.Split('\n').Count(l => l.Contains("already done", StringComparison.Ordinal)));
        Assert.Equal(4 - finished.Count, resumed.Stderr.Split('\n').Count(l => l.Contains("] started", StringComparison.Ordinal) || l.Contains(" started: ", StringComparison.Ordinal)));
        foreach (var (runDir, mtime) in finished)
        {
            Assert.Equal(mtime, File.GetLastWriteTimeUtc(Path.Combine(runDir, "summary.csv")));
            Assert.Equal(1, SweepTestDirectory.Starts(runDir));
        }

        var reference = _dir.Trials(outputs: "whole");
        var after = _dir.Trials(outputs: "killed");
        Assert.Equal(reference.Keys.Order(), after.Keys.Order());
        foreach (var (index, row) in after)
        {
            Assert.Equal("done", row["status"]);
            Assert.Equal(Path.GetFileName(reference[index]["run_dir"]), Path.GetFileName(row["run_dir"]));
            Assert.Equal(SweepTestDirectory.Metrics(reference[index]["run_dir"]), SweepTestDirectory.Metrics(row["run_dir"]));
        }

        // report.csv leaves out timing, so the same runs give the same bytes however they got there (docs/report.md).
        foreach (var outputs in new[] { "whole", "killed" })
        {
            var report = _dir.Run("report", _dir.SweepDir(outputs: outputs));
            Assert.True(report.ExitCode == 0, report.Stderr);
        }

        foreach (var file in new[] { "report.csv", "report_per_class.csv" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(_dir.SweepDir(outputs: "whole"), file)), File.ReadAllText(Path.Combine(killed, file)));
        }

        Assert.Equal(4, File.ReadAllLines(Path.Combine(killed, "report.csv")).Skip(1).Select(l => l.Split(',')[0]).Distinct().Count());
    }

    [Fact]
    public async Task Two_sweeps_on_one_directory_run_every_trial_exactly_once()
    {
        var sweep = _dir.Sweep(Grid);

        using var first = Processes.Start(["sweep", sweep, "--jobs", "1"], _dir.Env, _dir.Path);
        using var second = Processes.Start(["sweep", sweep, "--jobs", "1"], _dir.Env, _dir.Path);
        var outputs = new[] { first, second }.Select(p => (err: p.StandardError.ReadToEndAsync(), @out: p.StandardOutput.ReadToEndAsync())).ToList();
        foreach (var p in new[] { first, second })
        {
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), "a sweep did not finish in five minutes");
        }

        Assert.True(first.ExitCode == 0, await outputs[0].err);
        Assert.True(second.ExitCode == 0, await outputs[1].err);
        var trials = _dir.Trials();
        Assert.Equal(4, trials.Count);
        foreach (var t in trials.Values)
        {
            Assert.Equal("done", t["status"]);
            Assert.Equal(1, SweepTestDirectory.Starts(t["run_dir"]));
        }
    }

    [Fact]
    public async Task SIGTERM_stops_the_sweep_with_143_keeping_checkpoints_and_the_next_sweep_resumes_them()
    {
        var sweep = _dir.Sweep("grid: {imbalance.ratio: [5, 20]}\nvariants: [{train.epochs: 4}]");
        using (var process = Processes.Start(["sweep", sweep, "--jobs", "2"], _dir.Env, _dir.Path))
        {
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            var dir = _dir.SweepDir();
            var clock = Stopwatch.StartNew();
            while (!Directory.Exists(dir) || !Directory.EnumerateFiles(dir, "checkpoint.safetensors", SearchOption.AllDirectories).Any())
            {
                if (process.HasExited)
                {
                    Assert.Fail($"the sweep ended before its first checkpoint: {await stderr}");
                }

                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(4), "no checkpoint in four minutes");
                await Task.Delay(20);
            }

            Processes.Signal(process.Id, "TERM");
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)));
            Assert.True(process.ExitCode == 143, $"exit {process.ExitCode}: {await stderr}");
            Assert.Contains("run the same command again", await stderr, StringComparison.Ordinal);
        }

        // A trial stopped before its data-dependent checks were through wrote nothing, so it is still pending.
        var stopped = _dir.Trials();
        Assert.All(stopped.Values, t => Assert.Contains(t["status"], new[] { "interrupted", "done", "pending" }));
        Assert.All(stopped.Values.Where(t => t["status"] == "pending"), t => Assert.False(Directory.Exists(t["run_dir"])));
        Assert.All(stopped.Values.Where(t => t["status"] == "interrupted"), t => Assert.Equal("143", t["exit_code"]));

        // A trial stopped in its first epoch has no checkpoint yet and starts over; one past it resumes.
        var interrupted = stopped.Values.Where(t => t["status"] == "interrupted" && File.Exists(Path.Combine(t["run_dir"], "checkpoint.safetensors"))).ToList();
        Assert.NotEmpty(interrupted);

        var resumed = _dir.Run("sweep", sweep, "--jobs", "2");

        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.All(_dir.Trials().Values, t => Assert.Equal("done", t["status"]));
        Assert.All(interrupted, t => Assert.Contains("Resuming from", File.ReadAllText(Path.Combine(t["run_dir"], "run.log")), StringComparison.Ordinal));
    }

    [Fact]
    public void A_trial_whose_lock_another_process_holds_is_reported_running_elsewhere_and_its_run_exits_75()
    {
        var sweep = _dir.Sweep(Grid);
        var plan = JsonDocument.Parse(_dir.Run("sweep", sweep, "--dry-run", "--json").Stdout).RootElement.GetProperty("trials")[0];
        var runDir = plan.GetProperty("run_dir").GetString()!;
        Directory.CreateDirectory(runDir);

        using (new FileStream(Path.Combine(runDir, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var swept = _dir.Run("sweep", sweep, "--index", "0");
            Assert.True(swept.ExitCode == 0, swept.Stderr);
            Assert.Contains("trial 0 running elsewhere", swept.Stderr, StringComparison.Ordinal);
            Assert.Equal("running", _dir.Trials()[0]["status"]);

            var run = _dir.Run(["run", SweepTestDirectory.BaseConfig, "name=tiny", .. plan.GetProperty("overrides").GetString()!.Split(' '), "--no-progress"]);
            Assert.Equal(75, run.ExitCode);
            Assert.Contains("is being run by another process", run.Stderr, StringComparison.Ordinal);
            Assert.Equal([".lock"], Directory.EnumerateFileSystemEntries(runDir).Select(Path.GetFileName));
        }

        var after = _dir.Run("sweep", sweep, "--index", "0");
        Assert.True(after.ExitCode == 0, after.Stderr);
        Assert.Equal("done", _dir.Trials()[0]["status"]);
    }

    [Fact]
    public void A_failing_trial_does_not_stop_the_others_and_the_sweep_exits_1_naming_it()
    {
        var sweep = _dir.Sweep("""
            grid: {imbalance.ratio: [5, 20]}
            variants:
              - {}
              - {train.optimizer.lr: 1e30}
            """);

        var result = _dir.Run("sweep", sweep, "--jobs", "2");

        Assert.Equal(1, result.ExitCode);
        var trials = _dir.Trials();
        Assert.Equal("done", trials[0]["status"]);
        Assert.Equal("done", trials[1]["status"]);
        foreach (var i in new[] { 2, 3 })
        {
            Assert.Equal("failed", trials[i]["status"]);
            Assert.Equal("1", trials[i]["exit_code"]);
            Assert.Contains("the training loss became", trials[i]["error"], StringComparison.Ordinal);
            Assert.Contains($"failed: trial {i} (", result.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(trials[i]["run_dir"], "done")));
        }

        Assert.Contains("train.optimizer.lr=1e30", trials[3]["overrides"], StringComparison.Ordinal);
        Assert.Contains("the training loss became", result.Stderr, StringComparison.Ordinal);

        var dry = _dir.Run("sweep", sweep, "--dry-run");
        Assert.Equal(2, dry.Stdout.Split('\n').Count(l => l.Contains("  failed  ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Dry_run_lists_index_status_run_dir_and_overrides_in_grid_order_and_writes_nothing()
    {
        var result = Imbfair.Run(["sweep", Path.Combine(Repo.Root, "configs", "sweeps", "fmnist-ratio.yaml"), "--dry-run", "--json"], _dir.Env, _dir.Path);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var trials = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("trials").EnumerateArray().ToList();
        Assert.Equal(108, trials.Count);
        Assert.Equal("imbalance.ratio=10 augment.strategy=none seed=0", trials[0].GetProperty("overrides").GetString());
        Assert.Equal("imbalance.ratio=10 augment.strategy=none seed=1", trials[1].GetProperty("overrides").GetString());
        Assert.Equal("imbalance.ratio=10 augment.strategy=oversample seed=0", trials[3].GetProperty("overrides").GetString());
        Assert.Equal("imbalance.ratio=200 augment.strategy=m2m seed=2", trials[107].GetProperty("overrides").GetString());
        Assert.All(trials, t => Assert.Equal("pending", t.GetProperty("status").GetString()));
        Assert.Equal(108, trials.Select(t => t.GetProperty("run_dir").GetString()).Distinct().Count());
        Assert.Matches("/runs/fmnist-ratio/[0-9a-f]{12}$", trials[0].GetProperty("run_dir").GetString()!);
        Assert.Contains("  pending  ", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void Index_and_SLURM_ARRAY_TASK_ID_run_one_trial_and_an_index_out_of_range_exits_2()
    {
        var sweep = _dir.Sweep(Grid);

        var one = _dir.Run("sweep", sweep, "--index", "1");
        Assert.True(one.ExitCode == 0, one.Stderr);
        var trials = _dir.Trials();
        Assert.Equal(["pending", "done", "pending", "pending"], trials.Keys.Order().Select(i => trials[i]["status"]));

        var env = _dir.Env;
        env["SLURM_ARRAY_TASK_ID"] = "2";
        var task = Imbfair.Run(["sweep", sweep], env, _dir.Path);
        Assert.True(task.ExitCode == 0, task.Stderr);
        trials = _dir.Trials();
        Assert.Equal(["pending", "done", "done", "pending"], trials.Keys.Order().Select(i => trials[i]["status"]));
        Assert.Equal(2, Directory.GetDirectories(_dir.SweepDir()).Length);
        // One trial of an array writes no report: the array's report job does.
        Assert.False(File.Exists(Path.Combine(_dir.SweepDir(), "report.csv")));

        var outOfRange = _dir.Run("sweep", sweep, "--index", "4");
        Assert.Equal(2, outOfRange.ExitCode);
        Assert.Contains("--index 4: sweep 'tiny' has 4 trials, 0 to 3", outOfRange.Stderr, StringComparison.Ordinal);
        env["SLURM_ARRAY_TASK_ID"] = "9";
        var taskOutOfRange = Imbfair.Run(["sweep", sweep], env, _dir.Path);
        Assert.Equal(2, taskOutOfRange.ExitCode);
        Assert.Contains("SLURM_ARRAY_TASK_ID 9", taskOutOfRange.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Emit_slurm_writes_a_job_array_of_every_trial_and_a_report_job_that_depends_on_it()
    {
        var sweep = _dir.Sweep(Grid);

        var result = _dir.Run("sweep", sweep, "--emit", "slurm", "--partition", "gpu", "--gpus", "1", "--time", "01:30:00", "--max-parallel", "3");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var slurm = Path.Combine(_dir.SweepDir(), "slurm");
        var trials = File.ReadAllText(Path.Combine(slurm, "trials.sbatch"));
        Assert.StartsWith("#!/bin/bash\n", trials, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --array=0-3%3\n", trials, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --partition=gpu\n", trials, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --gpus=1\n", trials, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --time=01:30:00\n", trials, StringComparison.Ordinal);
        Assert.Contains($"#SBATCH --chdir={_dir.Path}\n", trials, StringComparison.Ordinal);
        Assert.Contains($" sweep {sweep} --no-progress &\n", trials, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --signal=B:USR1@120\n#SBATCH --requeue\n", trials, StringComparison.Ordinal);
        Assert.Contains("imbfair.dll", trials, StringComparison.Ordinal);
        var report = File.ReadAllText(Path.Combine(slurm, "report.sbatch"));
        Assert.Contains($" report {_dir.SweepDir()} --no-progress\n", report, StringComparison.Ordinal);
        var submit = File.ReadAllText(Path.Combine(slurm, "submit.sh"));
        Assert.Contains("jobid=\"$(sbatch --parsable \"$here/trials.sbatch\")\"", submit, StringComparison.Ordinal);
        Assert.Contains("sbatch --parsable --dependency=afterany:$jobid \"$here/report.sbatch\"", submit, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.True(File.GetUnixFileMode(Path.Combine(slurm, "submit.sh")).HasFlag(UnixFileMode.UserExecute));
        }

        Assert.False(File.Exists(Path.Combine(_dir.SweepDir(), "trials.csv")));

        var unlimited = _dir.Run("sweep", sweep, "--emit", "slurm");
        Assert.Equal(0, unlimited.ExitCode);
        Assert.Contains("#SBATCH --array=0-3\n", File.ReadAllText(Path.Combine(slurm, "trials.sbatch")), StringComparison.Ordinal);

        var stray = _dir.Run("sweep", sweep, "--partition", "gpu");
        Assert.Equal(2, stray.ExitCode);
        Assert.Contains("go with --emit slurm", stray.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("grdi: {seed: [0, 1]}", ":4: unknown key 'grdi'. Did you mean 'grid'?")]
    [InlineData("grid: {imbalance.ratoi: [5, 20]}", ":4: grid: 'imbalance.ratoi' is not a config key. Did you mean 'imbalance.ratio'?")]
    [InlineData("grid: {train.lr: [0.1]}", "'train.lr' is not a config key")]
    [InlineData("grid: {seed: 3}", "grid: 'seed' needs a non-empty list of values")]
    [InlineData("grid: {name: [a, b]}", "'name' is set by the sweep")]
    [InlineData("grid: {output.dir: [a, b]}", "output.dir cannot differ between trials")]
    [InlineData("grid: {imbalance.ratio: [5, 0.5]}", "trial 1 (")]
    [InlineData("grid: {seed: [1, 1]}", "trials 0 (")]
    public void Bad_sweep_files_exit_2_name_the_problem_and_write_nothing(string body, string expected)
    {
        var result = _dir.Run("sweep", _dir.Sweep(body));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "runs")));
    }

    [Fact]
    public void A_bad_value_in_one_trial_names_the_sweep_file_line_and_the_value()
    {
        var sweep = _dir.Sweep("grid:\n  imbalance.ratio: [5, 0.5]");

        var result = _dir.Run("sweep", sweep, "--dry-run");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{Path.GetFileName(sweep)}:5 (imbalance.ratio=0.5): imbalance.ratio: must be ≥ 1", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
