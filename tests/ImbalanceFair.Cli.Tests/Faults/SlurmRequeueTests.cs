using System.Diagnostics;
using ImbalanceFair.Cli.Tests.Support;

namespace ImbalanceFair.Cli.Tests.Faults;

/// <summary>
/// The emitted array task script as Slurm runs it near a time limit: SIGUSR1 to the batch script (--signal=B:USR1@120)
/// stops the trial without `done` and requeues the task with `scontrol requeue JOB_TASK`; the requeued task finishes
/// it. `scontrol` is a stand-in that records its arguments (scripts/slurm-selftest runs a real Slurm).
/// </summary>
public sealed class SlurmRequeueTests : IDisposable
{
    private readonly SweepTestDirectory _dir = new();

    [Fact]
    public async Task SIGUSR1_before_the_time_limit_stops_the_trial_and_requeues_its_array_task()
    {
        var sweep = _dir.Sweep("""
            set: {train.epochs: 3}
            grid:
              seed: [0, 1]
            """);
        var emitted = _dir.Run("sweep", sweep, "--emit", "slurm");
        Assert.True(emitted.ExitCode == 0, emitted.Stderr);
        var script = Path.Combine(_dir.SweepDir(), "slurm", "trials.sbatch");
        var bin = Directory.CreateDirectory(Path.Combine(_dir.Path, "fake-bin")).FullName;
        var calls = Path.Combine(_dir.Path, "scontrol.calls");
        File.WriteAllText(Path.Combine(bin, "scontrol"), $"#!/bin/sh\necho \"$@\" >> '{calls}'\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(bin, "scontrol"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var env = new Dictionary<string, string>(_dir.Env)
        {
            ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["SLURM_ARRAY_JOB_ID"] = "4242",
            ["SLURM_ARRAY_TASK_ID"] = "1",
            ["SLURM_JOB_ID"] = "4244",
        };

        var (task, taskErr) = Start(script, env);
        using (task)
        {
            var clock = Stopwatch.StartNew();
            while (!Directory.Exists(_dir.SweepDir()) || !Directory.EnumerateFiles(_dir.SweepDir(), "run.log", SearchOption.AllDirectories).Any())
            {
                Assert.False(task.HasExited, $"the task ended before its trial started: {await taskErr}");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "the trial did not start in three minutes");
                await Task.Delay(20);
            }

            Processes.Signal(task.Id, "USR1");
            Assert.True(task.WaitForExit(TimeSpan.FromMinutes(2)), "the task did not stop after SIGUSR1");
            Assert.True(task.ExitCode == 0, $"exit {task.ExitCode}: {await taskErr}");
        }

        Assert.Equal(["requeue 4242_1"], File.ReadAllLines(calls));
        var trial = _dir.Trials()[1];
        Assert.Equal("interrupted", trial["status"]);
        Assert.False(File.Exists(Path.Combine(trial["run_dir"], "done")));

        var (requeued, requeuedErr) = Start(script, env);
        using (requeued)
        {
            Assert.True(requeued.WaitForExit(TimeSpan.FromMinutes(4)));
            Assert.True(requeued.ExitCode == 0, await requeuedErr);
        }

        Assert.Equal("done", _dir.Trials()[1]["status"]);
        Assert.True(File.Exists(Path.Combine(trial["run_dir"], "done")));
        Assert.Single(File.ReadAllLines(calls));
    }

    private (Process Process, Task<string> Stderr) Start(string script, Dictionary<string, string> env)
    {
        var psi = new ProcessStartInfo("bash", [script]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = _dir.Path };
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        var process = Process.Start(psi)!;
        _ = process.StandardOutput.ReadToEndAsync();
        return (process, process.StandardError.ReadToEndAsync());
    }

    public void Dispose() => _dir.Dispose();
}
