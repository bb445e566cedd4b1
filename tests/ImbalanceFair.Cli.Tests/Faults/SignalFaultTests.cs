using System.Diagnostics;
using ImbalanceFair.Cli.Tests.Support;
using ImbalanceFair.Core.Data.Images;

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

            // What a SIGKILL in the middle of a write would have left: the next run of the trial removes it.
            File.WriteAllText(Path.Combine(dir, ".summary.csv.0123456789abcdef.tmp"), "half a file");
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
        Assert.Empty(FaultRuns.TempFiles(output));
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

    [Fact]
    public void A_signal_in_the_middle_of_a_long_folder_decode_stops_it_between_images()
    {
        // 4 classes x 200 copies of one 512x512 gradient PNG: small files (hashed in milliseconds) whose decoding and
        // shrinking takes seconds. The signal comes 300 ms into the decode phase; a decoder that did not look at the
        // cancellation would finish, store the dataset in the cache and only then stop.
        const string name = "fault-folder";
        var pixels = new byte[3 * 512 * 512];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)((i / 512) + (i % 512));
        }

        var png = PngEncoder.Encode(pixels, 3, 512, 512);
        string[] classes = ["a", "b", "c", "d"];
        foreach (var split in new[] { ("train", 200), ("test", 20) })
        {
            foreach (var cls in classes)
            {
                var folder = Directory.CreateDirectory(Path.Combine(_runs.Root, name, split.Item1, cls)).FullName;
                for (var i = 0; i < split.Item2; i++)
                {
                    File.WriteAllBytes(Path.Combine(folder, $"{i:D4}.png"), png);
                }
            }
        }

        File.WriteAllText(Path.Combine(_runs.Root, $"{name}.yaml"), $"""
            name: {name}
            format: image-folder
            source: {"{"}dir: {name}{"}"}
            channels: 3
            image_size: [16, 16]
            classes: [{string.Join(", ", classes)}]
            prompts: ["a photo of a {"{"}{"}"}."]
            """);
        var output = Path.Combine(_runs.Root, "out-folder-decode");
        var config = _runs.Config("sig-folder-decode", output, dataset: name);
        var cache = Path.Combine(_runs.Root, "cache");

        var watch = Stopwatch.StartNew();
        var stopped = Imbfair.Run(["run", config, "--json", "--no-progress"], _runs.Env((RunPhaseFault, "decode:TERM:300")));
        var stoppedAfter = watch.Elapsed;

        Assert.True(stopped.ExitCode == 143, $"exit {stopped.ExitCode}, expected 143: {stopped.Stderr}");
        Assert.Equal("interrupted", FaultRuns.Json(stopped).GetProperty("status").GetString());
        var cached = Directory.Exists(cache) ? Directory.GetFiles(cache, $"{name}-*.safetensors") : [];
        Assert.True(cached.Length == 0, $"the decode ran to the end and stored {string.Join(", ", cached)} (stopped after {stoppedAfter.TotalSeconds:F1} s)");
        Assert.False(Directory.Exists(Path.Combine(output, "sig-folder-decode")), "nothing is written before the data-dependent checks are through");
        Assert.Empty(FaultRuns.TempFiles(_runs.Root));

        // The same command without the signal decodes the whole dataset (and stores it).
        var validated = Imbfair.Run(["validate", config], _runs.Env());
        Assert.True(validated.ExitCode == 0, $"validate exit {validated.ExitCode}: {validated.Stderr}");
        Assert.Single(Directory.GetFiles(cache, $"{name}-*.safetensors"));
    }

    private const string RunPhaseFault = "IMBFAIR_FAULT_SIGNAL";
}
