using ImbalanceFair.Core.Sweeps;

namespace ImbalanceFair.Core.Tests.Sweeps;

/// <summary>Which line of a failed trial's stderr names its error, and how --jobs shares out the cores.</summary>
public sealed class TrialErrorTests
{
    [Fact]
    public void The_last_error_level_log_line_wins_over_the_stack_trace_after_it()
    {
        string[] stderr =
        [
            "10:00:01 WRN something minor",
            "10:00:02 ERR The run failed: the training loss became NaN at epoch 1, step 3 (details in runs/x/run.log)",
            "System.InvalidOperationException: the training loss became NaN",
            "   at ImbalanceFair.Core.Training.Trainer.Run()",
        ];

        Assert.Equal("The run failed: the training loss became NaN at epoch 1, step 3 (details in runs/x/run.log)", TrialProcess.LastError(stderr, 1));
    }

    [Fact]
    public void A_usage_error_line_is_taken_without_its_prefix()
    {
        Assert.Equal("cfg.yaml:3: imbalance.ratio: must be ≥ 1, not 0", TrialProcess.LastError(["error: cfg.yaml:3: imbalance.ratio: must be ≥ 1, not 0"], 2));
    }

    [Fact]
    public void Without_an_error_line_the_last_line_or_the_exit_is_reported()
    {
        Assert.Equal("Segmentation fault", TrialProcess.LastError(["starting", "Segmentation fault", ""], 139));
        Assert.Equal("killed by signal 9, no message", TrialProcess.LastError([], 137));
        Assert.Equal("exit code 1, no message", TrialProcess.LastError([], 1));
    }

    [Theory]
    [InlineData(2, 1, 2)]
    [InlineData(2, 2, 1)]
    [InlineData(2, 4, 1)]
    [InlineData(16, 3, 5)]
    public void Each_of_N_trials_gets_cores_over_N_threads_and_at_least_one(int cores, int jobs, int threads) =>
        Assert.Equal(threads, SweepRunner.ThreadsPerTrial(cores, jobs));

    [Fact]
    public void Shell_words_are_quoted_only_when_needed()
    {
        Assert.Equal("/usr/bin/dotnet", ShellQuote.Quote("/usr/bin/dotnet"));
        Assert.Equal("'/tmp/my sweep.yaml'", ShellQuote.Quote("/tmp/my sweep.yaml"));
        Assert.Equal("'it'\\''s'", ShellQuote.Quote("it's"));
    }
}
