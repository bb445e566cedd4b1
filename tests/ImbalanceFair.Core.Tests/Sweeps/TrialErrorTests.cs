using ImbalanceFair.Core.Sweeps;

namespace ImbalanceFair.Core.Tests.Sweeps;

/// <summary>How a failed trial's error is read (its --json object, else its last stderr line), and how --jobs shares out the cores.</summary>
public sealed class TrialErrorTests
{
    [Fact]
    public void A_failed_trial_is_named_by_the_error_message_of_its_json_object()
    {
        var stdout = "{\"status\":\"failed\",\"exit_code\":1,\"error\":{\"kind\":\"data\",\"message\":\"train.bin: truncated at byte 12\",\"key\":null}}\n";
        Assert.Equal(("failed", "train.bin: truncated at byte 12"), TrialProcess.JsonResult(stdout));
        Assert.Equal(("completed", (string?)null), TrialProcess.JsonResult("{\"run_dir\":\"r\",\"status\":\"completed\",\"summary\":{}}"));
    }

    [Fact]
    public void Without_a_json_object_nothing_is_read_from_stdout()
    {
        Assert.Equal(((string?)null, (string?)null), TrialProcess.JsonResult(string.Empty));
        Assert.Equal(((string?)null, (string?)null), TrialProcess.JsonResult("{\"status\": \"fail"));
    }

    [Fact]
    public void Without_a_json_error_the_last_line_or_the_exit_is_reported()
    {
        Assert.Equal("Segmentation fault", TrialProcess.LastLine(["starting", "Segmentation fault", ""], 139));
        Assert.Equal("killed by signal 9, no message", TrialProcess.LastLine([], 137));
        Assert.Equal("exit code 1, no message", TrialProcess.LastLine([], 1));
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
