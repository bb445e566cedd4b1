using System.Diagnostics;
using System.Text.Json;
using ImbalanceFair.Cli.Tests.Support;

namespace ImbalanceFair.Cli.Tests;

/// <summary>The real `imbfair run` on tiny procedural configs, reading back the files it writes (DESIGN §6, §9).</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-run-");

    public RunCommandTests()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "mini-shapes.yaml"), """
            name: mini-shapes
            format: procedural
            source: {generator: shapes, seed: 3, train_per_class: 120, test_per_class: 20}
            channels: 3
            image_size: [16, 16]
            num_classes: 4
            prompts: ["a photo of a {}.", "a {} shape."]
            """);
    }

    private Dictionary<string, string> Env => new()
    {
        ["IMBFAIR_DATASETS"] = _dir.FullName,
        ["IMBFAIR_CACHE"] = Path.Combine(_dir.FullName, "cache"),
    };

    private string Config(string extra = "", string name = "mini", int epochs = 2)
    {
        var path = Path.Combine(_dir.FullName, $"{name}-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"""
            name: {name}
            dataset: {"{"}name: mini-shapes, attribute: null, val_fraction: 0.1{"}"}
            imbalance: {"{"}ratio: 10{"}"}
            augment: {"{"}strategy: oversample{"}"}
            model: {"{"}arch: tiny-clip-conv{"}"}
            train: {"{"}epochs: {epochs}, batch_size: 16, schedule: {"{"}warmup_steps: 5{"}"}{"}"}
            eval: {"{"}bootstrap: 20{"}"}
            output: {"{"}dir: {Path.Combine(_dir.FullName, "runs")}{"}"}
            {extra}
            """);
        return path;
    }

    private static string RunDir(Imbfair.Result result) =>
        JsonDocument.Parse(result.Stdout).RootElement.GetProperty("run_dir").GetString()!;

    [Fact]
    public void A_run_writes_every_file_with_the_design_columns_and_done_last()
    {
        var result = Imbfair.Run(["run", Config(), "--json", "--no-progress"], Env);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal("completed", json.GetProperty("status").GetString());
        var dir = json.GetProperty("run_dir").GetString()!;
        Assert.Matches("/mini/[0-9a-f]{12}$", dir);
        foreach (var file in new[] { "config.resolved.yaml", "split.csv", "train_log.csv", "predictions.csv", "per_class.csv", "per_group.csv", "summary.csv", "metrics.json", "run.log", "done" })
        {
            Assert.True(File.Exists(Path.Combine(dir, file)), $"{file} is missing");
        }

        Assert.False(File.Exists(Path.Combine(dir, "checkpoint.safetensors")));
        Assert.Equal(
            "class_index,class_name,bucket,n_train_real,n_added_oversample,n_added_smote,n_added_synthetic,n_added_adversarial,n_added_m2m,n_train_total,n_val,n_test,smote_k",
            File.ReadLines(Path.Combine(dir, "split.csv")).First());
        Assert.Equal("epoch,step,loss,lr,images_per_second,elapsed_seconds", File.ReadLines(Path.Combine(dir, "train_log.csv")).First());
        Assert.Equal("test_index,label,attribute,group,prediction,confidence,margin", File.ReadLines(Path.Combine(dir, "predictions.csv")).First());
        Assert.Equal("run_id,class_index,class_name,bucket,n_train_real,n_train_total,n_test,accuracy,precision,recall,f1,mean_alignment,mean_margin,robust_accuracy",
            File.ReadLines(Path.Combine(dir, "per_class.csv")).First());
        Assert.Equal("run_id,group,class_index,attribute,n_train,n_test,accuracy", File.ReadLines(Path.Combine(dir, "per_group.csv")).First());
        var summaryHeader = File.ReadLines(Path.Combine(dir, "summary.csv")).First().Split(',');
        Assert.Equal(37, summaryHeader.Length);
        Assert.Equal("run_id", summaryHeader[0]);
        Assert.Equal("device", summaryHeader[^1]);
        Assert.Equal(81, File.ReadLines(Path.Combine(dir, "predictions.csv")).Count());
        var summary = json.GetProperty("summary");
        Assert.Equal(summary.GetProperty("balanced_accuracy").GetDouble(), double.Parse(File.ReadLines(Path.Combine(dir, "summary.csv")).Last().Split(',')[11], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("dpd").ValueKind);
    }

    [Fact]
    public void A_finished_run_is_skipped_and_force_runs_it_again()
    {
        var config = Config();
        var first = Imbfair.Run(["run", config, "--json", "--no-progress"], Env);
        var done = File.GetLastWriteTimeUtc(Path.Combine(RunDir(first), "done"));

        var again = Imbfair.Run(["run", config, "--json", "--no-progress"], Env);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal("skipped", JsonDocument.Parse(again.Stdout).RootElement.GetProperty("status").GetString());
        Assert.Equal(done, File.GetLastWriteTimeUtc(Path.Combine(RunDir(again), "done")));

        var forced = Imbfair.Run(["run", config, "--json", "--no-progress", "--force"], Env);
        Assert.Equal(0, forced.ExitCode);
        Assert.Equal("completed", JsonDocument.Parse(forced.Stdout).RootElement.GetProperty("status").GetString());
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(RunDir(forced), "done")) > done);
    }

    [Fact]
    public void Another_strategys_options_name_the_same_experiment_and_the_run_is_skipped()
    {
        var config = Config();
        var first = Imbfair.Run(["run", config, "augment.strategy=none", "--json", "--no-progress"], Env);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal("completed", JsonDocument.Parse(first.Stdout).RootElement.GetProperty("status").GetString());

        var again = Imbfair.Run(["run", config, "augment.strategy=none", "augment.smote.k=7", "train.tau=3", "--json", "--no-progress"], Env);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal("skipped", JsonDocument.Parse(again.Stdout).RootElement.GetProperty("status").GetString());
        Assert.Equal(RunDir(first), RunDir(again));

        // The written config still shows every key, with the schema of the hash.
        var resolved = File.ReadAllText(Path.Combine(RunDir(first), "config.resolved.yaml"));
        Assert.StartsWith("hash_schema: 2\n", resolved, StringComparison.Ordinal);
        Assert.Contains("  smote:\n    k: 5\n", resolved, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_stopped_by_SIGTERM_exits_143_and_resumes_to_the_uninterrupted_results()
    {
        var reference = Imbfair.Run(["run", Config(name: "whole", epochs: 6), "--json", "--no-progress"], Env);
        Assert.Equal(0, reference.ExitCode);

        var config = Config(name: "stopped", epochs: 6);
        using var process = Processes.Start(["run", config, "--no-progress"], Env);
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        var checkpoint = Path.Combine(_dir.FullName, "runs", "stopped");
        var waited = Stopwatch.StartNew();
        while (!Directory.Exists(checkpoint) || !Directory.EnumerateFiles(checkpoint, "checkpoint.safetensors", SearchOption.AllDirectories).Any())
        {
            if (process.HasExited)
            {
                Assert.Fail($"the run ended before its first checkpoint: {await stderr}");
            }

            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(2), "no checkpoint after two minutes");
            await Task.Delay(20);
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)));
        var log = await stderr;
        Assert.True(process.ExitCode == 143, $"exit {process.ExitCode}: {log}");
        Assert.Contains("Interrupted", log, StringComparison.Ordinal);
        var stoppedDir = Directory.GetDirectories(checkpoint).Single();
        Assert.False(File.Exists(Path.Combine(stoppedDir, "done")));
        Assert.True(File.Exists(Path.Combine(stoppedDir, "checkpoint.safetensors")));

        var resumed = Imbfair.Run(["run", config, "--json", "--no-progress"], Env);
        Assert.Equal(0, resumed.ExitCode);
        Assert.Contains("Resuming from", resumed.Stderr, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(Path.Combine(RunDir(reference), "predictions.csv")), File.ReadAllText(Path.Combine(RunDir(resumed), "predictions.csv")));
        Assert.Equal(
            File.ReadLines(Path.Combine(RunDir(reference), "per_class.csv")).Select(l => l[(l.IndexOf(',', StringComparison.Ordinal) + 1)..]),
            File.ReadLines(Path.Combine(RunDir(resumed), "per_class.csv")).Select(l => l[(l.IndexOf(',', StringComparison.Ordinal) + 1)..]));
    }

    [Fact]
    public void A_pgd_run_with_an_eval_attack_reports_adversarial_samples_and_robust_accuracy()
    {
        var config = Config();
        File.WriteAllText(config, File.ReadAllText(config)
            .Replace("{strategy: oversample}", "{strategy: pgd, adversarial: {steps: 2}}", StringComparison.Ordinal)
            .Replace("{bootstrap: 20}", "{bootstrap: 20, attack: {name: pgd, eps: 4/255, steps: 2}}", StringComparison.Ordinal));

        var result = Imbfair.Run(["run", config, "--json", "--no-progress"], Env);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var summary = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("summary");
        var robust = summary.GetProperty("robust_accuracy").GetDouble();
        Assert.InRange(robust, 0, summary.GetProperty("accuracy").GetDouble());
        Assert.Equal(JsonValueKind.Number, summary.GetProperty("worst_class_robust_accuracy").ValueKind);
        var split = File.ReadAllLines(Path.Combine(RunDir(result), "split.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.True(split.Sum(r => long.Parse(r[7], System.Globalization.CultureInfo.InvariantCulture)) > 0, "no adversarial samples counted");
        Assert.All(split, r => Assert.Equal("0", r[4]));
    }

    [Fact]
    public void A_linear_probe_with_embedding_space_smote_trains_on_interpolated_embeddings_and_saves_them()
    {
        var config = Config();
        File.WriteAllText(config, File.ReadAllText(config)
            .Replace("{strategy: oversample}", "{strategy: smote, smote: {k: 3, space: embedding}}", StringComparison.Ordinal)
            .Replace("epochs: 2,", "epochs: 2, mode: linear-probe,", StringComparison.Ordinal)
            .Replace("{dir: ", "{save_augmented: true, dir: ", StringComparison.Ordinal));

        var result = Imbfair.Run(["run", config, "--json", "--no-progress"], Env);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var dir = RunDir(result);
        var split = File.ReadAllLines(Path.Combine(dir, "split.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        var added = split.Sum(r => long.Parse(r[5], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(added > 0, "no SMOTE samples counted");
        // Balanced: every class ends at the largest class's count.
        Assert.Single(split.Select(r => r[9]).Distinct());

        // safetensors: an 8-byte little-endian header length, then the JSON header naming each tensor's dtype and shape.
        var bytes = File.ReadAllBytes(Path.Combine(dir, "augmented.safetensors"));
        var header = JsonDocument.Parse(bytes.AsMemory(8, (int)BitConverter.ToInt64(bytes, 0))).RootElement;
        Assert.False(header.TryGetProperty("images", out _));
        var embeddings = header.GetProperty("embeddings");
        Assert.Equal("F32", embeddings.GetProperty("dtype").GetString());
        Assert.Equal(added, embeddings.GetProperty("shape")[0].GetInt64());
        Assert.Equal("embedding", header.GetProperty("__metadata__").GetProperty("space").GetString());
        Assert.False(File.Exists(Path.Combine(dir, "augmented_preview.png")));
        Assert.Contains("no augmented_preview.png", File.ReadAllText(Path.Combine(dir, "run.log")), StringComparison.Ordinal);
    }

    [Theory]
    // Embedding-space SMOTE needs the frozen features of a linear probe.
    [InlineData(new[] { "augment.strategy=smote", "augment.smote.space=embedding" }, new[] { "augment.smote.space: embedding", "train.mode: linear-probe" })]
    // bf16 on a CPU without bf16 instructions (IMBFAIR_CPU_BF16=0 stands in for one) would be emulated, or silently fp32.
    [InlineData(new[] { "device=cpu", "train.precision=bf16" }, new[] { "train.precision: bf16 on the CPU needs bf16 instructions", "IMBFAIR_CPU_BF16=0", "train.precision: auto" })]
    public void Combinations_that_cannot_run_exit_2_name_the_fix_and_create_no_run_directory(string[] overrides, string[] expected)
    {
        var result = Imbfair.Run(["run", Config(), .. overrides], new Dictionary<string, string>(Env) { ["IMBFAIR_CPU_BF16"] = "0" });

        Assert.Equal(2, result.ExitCode);
        foreach (var text in expected)
        {
            Assert.Contains(text, result.Stderr, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "runs")));
    }

    [Bf16Fact]
    public void A_cpu_bf16_run_trains_with_bf16_gemms_and_lands_where_fp32_does()
    {
        // tiny-clip (ViT): its linear layers carry the GEMMs that bf16 changes.
        var fp32 = Imbfair.Run(["run", Config(name: "fp32", epochs: 3), "model.arch=tiny-clip", "train.precision=fp32", "--json", "--no-progress"], Env);
        var bf16 = Imbfair.Run(["run", Config(name: "bf16", epochs: 3), "model.arch=tiny-clip", "train.precision=bf16", "--json", "--no-progress"], Env);
        Assert.True(fp32.ExitCode == 0, fp32.Stderr);
        Assert.True(bf16.ExitCode == 0, bf16.Stderr);
        string dirFp32 = RunDir(fp32), dirBf16 = RunDir(bf16);
        Assert.Contains("Precision: bf16 (CPU: linear layers' GEMMs from bf16 operands", File.ReadAllText(Path.Combine(dirBf16, "run.log")), StringComparison.Ordinal);
        Assert.Contains("Precision: fp32", File.ReadAllText(Path.Combine(dirFp32, "run.log")), StringComparison.Ordinal);

        // The same seed and data: bf16 rounding changes the trained weights (the losses differ) but not what they learn.
        double[] Losses(string dir)
        {
            var lines = File.ReadAllLines(Path.Combine(dir, "train_log.csv"));
            var column = Array.IndexOf(lines[0].Split(','), "loss");
            return lines.Skip(1).Select(l => double.Parse(l.Split(',')[column], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }

        var (a, b) = (Losses(dirFp32), Losses(dirBf16));
        Assert.NotEqual(a, b);
        Assert.True(Math.Abs(a[^1] - b[^1]) < 0.05 * a[^1] + 0.02, $"final training loss fp32 {a[^1]:F4}, bf16 {b[^1]:F4}");
        double Balanced(string dir)
        {
            var lines = File.ReadAllLines(Path.Combine(dir, "summary.csv"));
            var column = Array.IndexOf(lines[0].Split(','), "balanced_accuracy");
            return double.Parse(lines[1].Split(',')[column], System.Globalization.CultureInfo.InvariantCulture);
        }

        Assert.True(Math.Abs(Balanced(dirFp32) - Balanced(dirBf16)) < 0.1, $"balanced accuracy fp32 {Balanced(dirFp32):F3}, bf16 {Balanced(dirBf16):F3}");
    }

    /// <summary>Skipped, with the reason, on a CPU without bf16 instructions (the config error above covers it there).</summary>
    private sealed class Bf16FactAttribute : FactAttribute
    {
        public Bf16FactAttribute()
        {
            var flags = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(' ') ?? []
                : [];
            if (!flags.Contains("avx512f") || !(flags.Contains("avx512_bf16") || flags.Contains("amx_bf16")))
            {
                Skip = "this CPU has no bf16 instructions (avx512_bf16 or amx_bf16)";
            }
        }
    }

    [Theory]
    [InlineData("{ratio: 10}", "{ratoi: 5}", "Did you mean 'imbalance.ratio'")]
    [InlineData("epochs: 2", "epochs: two", "train.epochs: expected a whole number")]
    [InlineData("{ratio: 10}", "{ratio: -3}", "imbalance.ratio: must be ≥ 1")]
    public void Bad_configs_exit_2_name_the_problem_and_create_no_run_directory(string find, string replace, string expected)
    {
        var config = Config();
        File.WriteAllText(config, File.ReadAllText(config).Replace(find, replace, StringComparison.Ordinal));

        var result = Imbfair.Run(["run", config], Env);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(config) + ":", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "runs")));
    }

    [Fact]
    public void A_missing_dataset_file_exits_2_and_says_how_to_get_it()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "gone.yaml"), """
            name: gone
            format: idx
            obtain: unpack gone.tar into ./nowhere
            source: {dir: nowhere, train_images: a, train_labels: b, test_images: c, test_labels: d}
            image_size: [16, 16]
            classes: [x, y]
            """);

        var result = Imbfair.Run(["run", Config(), "dataset.name=gone"], Env);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("missing 4 file(s)", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("unpack gone.tar into ./nowhere", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "runs")));
    }

    [Fact]
    public void Validate_prints_the_resolved_config_and_writes_nothing()
    {
        var result = Imbfair.Run(["validate", Config(), "train.epochs=7", "augment.adversarial.eps=4/255"], Env);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("  epochs: 7\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("# valid; runs in", result.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "runs")));
    }

    public void Dispose()
    {
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
