using ImbalanceFair.Cli.Tests.Support;

namespace ImbalanceFair.Cli.Tests.Faults;

/// <summary>
/// SIGINT and SIGTERM delivered in each phase of a run (the process signals itself as it enters the phase, through
/// IMBFAIR_FAULT_SIGNAL): the right exit code and --json object, no <c>done</c>, no failed marker, no temporary
/// file, and the same command again finishes the run. docs/reliability.md counts these.
/// </summary>
public sealed class SignalFaultTests : IClassFixture<FaultRuns>
{
    private readonly FaultRuns _runs;

    public SignalFaultTests(FaultRuns runs) => _runs = runs;

    [Theory]
    [InlineData("decode", "INT")]
    [InlineData("generation", "TERM")]
    [InlineData("training", "INT")]
    [InlineData("evaluation", "INT")]
    [InlineData("eval-attack", "TERM")]
    [InlineData("results", "INT")]
    [InlineData("results", "TERM")]
    public void A_signal_in_each_phase_stops_the_run_with_its_exit_code_and_the_run_resumes(string phase, string signal)
    {
        var output = Path.Combine(_runs.Root, $"out-{phase}-{signal}");
        var config = _runs.Config($"sig-{phase}", output);
        var expected = signal == "INT" ? 130 : 143;

        var stopped = Imbfair.Run(["run", config, "--json", "--no-progress"], _runs.Env(("IMBFAIR_FAULT_SIGNAL", $"{phase}:{signal}")));

        Assert.True(stopped.ExitCode == expected, $"exit {stopped.ExitCode}, expected {expected}: {stopped.Stderr}");
        var json = FaultRuns.Json(stopped);
        Assert.Equal("interrupted", json.GetProperty("status").GetString());
        Assert.Equal(expected, json.GetProperty("exit_code").GetInt32());
        Assert.Equal(signal == "INT" ? "sigint" : "sigterm", json.GetProperty("error").GetProperty("kind").GetString());
        Assert.Empty(FaultRuns.TempFiles(output));
        var runs = Path.Combine(output, $"sig-{phase}");
        if (phase == "decode")
        {
            // Before the data-dependent checks are through nothing is written.
            Assert.False(Directory.Exists(runs), $"{runs} exists after a stop during decoding");
        }
        else
        {
            var dir = FaultRuns.RunDirUnder(output, $"sig-{phase}");
            Assert.False(File.Exists(Path.Combine(dir, "done")), "done written after a signal");
            Assert.False(File.Exists(Path.Combine(dir, "failed")), "an interruption is not a failure");
            Assert.Contains("Interrupted", File.ReadAllText(Path.Combine(dir, "run.log")), StringComparison.Ordinal);
            if (phase is "evaluation" or "eval-attack" or "results")
            {
                Assert.True(File.Exists(Path.Combine(dir, "checkpoint.safetensors")), "the trained epoch's checkpoint is kept");
            }
        }

        var resumed = Imbfair.Run(["run", config, "--json", "--no-progress"], _runs.Env());
        Assert.True(resumed.ExitCode == 0, $"resume exit {resumed.ExitCode}: {resumed.Stderr}");
        Assert.Equal("completed", FaultRuns.Json(resumed).GetProperty("status").GetString());
        var finished = FaultRuns.RunDirUnder(output, $"sig-{phase}");
        Assert.True(File.Exists(Path.Combine(finished, "done")));
        Assert.False(File.Exists(Path.Combine(finished, "checkpoint.safetensors")), "the checkpoint goes once done is written");
        if (phase is "evaluation" or "eval-attack" or "results")
        {
            Assert.Contains("Resuming from", resumed.Stderr, StringComparison.Ordinal);
        }

        Assert.Equal(2, File.ReadAllLines(Path.Combine(finished, "summary.csv")).Length);
    }

    [Fact]
    public void A_signal_during_pretraining_stops_it_at_its_next_batch()
    {
        var output = Path.Combine(_runs.Root, "out-pretraining");
        var config = _runs.Config("sig-pretraining", output, init: "pretrained", dataset: "fault-shapes-large");

        var stopped = Imbfair.Run(["run", config, "--json", "--no-progress"], _runs.Env(("IMBFAIR_FAULT_SIGNAL", "pretraining:TERM")));

        Assert.True(stopped.ExitCode == 143, $"exit {stopped.ExitCode}: {stopped.Stderr}");
        Assert.Equal("interrupted", FaultRuns.Json(stopped).GetProperty("status").GetString());
        var dir = FaultRuns.RunDirUnder(output, "sig-pretraining");
        Assert.False(File.Exists(Path.Combine(dir, "done")));
        var log = File.ReadAllText(Path.Combine(dir, "run.log"));
        Assert.Contains("on a balanced pool of", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Pre-training epoch 1/", log, StringComparison.Ordinal);
        Assert.Empty(FaultRuns.TempFiles(output));
    }
}
