using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ImbalanceFair.Cli.Tests.Support;

namespace ImbalanceFair.Cli.Tests;

/// <summary>
/// The real `imbfair run` with <c>augment.diffusion.source: generate</c> on procedural shapes: the generator learns (an
/// independent classifier recognises most generated images as their class), is cached by content and reused, its
/// images enter the run as synthetic samples, and SIGTERM during its training leaves no cache entry.
/// </summary>
public sealed class DiffusionGeneratorTests : IDisposable
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-gen-");

    public DiffusionGeneratorTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        _output = output;
        // 600 per class so that pre-training's pool (300 per class) can be reserved; no background noise, so that a
        // generator trained for seconds can get the shapes right.
        File.WriteAllText(Path.Combine(_dir.FullName, "gen-shapes.yaml"), """
            name: gen-shapes
            format: procedural
            source: {generator: shapes, seed: 3, train_per_class: 600, test_per_class: 20, noise: 0}
            channels: 3
            image_size: [16, 16]
            num_classes: 4
            prompts: ["a photo of a {}."]
            """);
    }

    private Dictionary<string, string> Env => new()
    {
        ["IMBFAIR_DATASETS"] = _dir.FullName,
        ["IMBFAIR_CACHE"] = Path.Combine(_dir.FullName, "cache"),
    };

    private string GeneratorCache => Path.Combine(_dir.FullName, "cache", "generators");

    private string Config(string name, string generator, int seed = 0, string mode = "mix")
    {
        var path = Path.Combine(_dir.FullName, $"{name}-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $$"""
            name: {{name}}
            seed: {{seed}}
            dataset: {name: gen-shapes, val_fraction: 0.1}
            imbalance: {ratio: 10, n_max: 60}
            augment:
              strategy: diffusion
              diffusion:
                source: generate
                mode: {{mode}}
                generator: {{generator}}
            model: {arch: tiny-clip-conv}
            train: {epochs: 1, batch_size: 32, schedule: {warmup_steps: 2} }
            eval: {bootstrap: 10}
            output: {dir: {{Path.Combine(_dir.FullName, "runs")}}, save_augmented: true}
            """);
        return path;
    }

    private static List<Dictionary<string, string>> Csv(string file)
    {
        var lines = File.ReadAllLines(file);
        var header = lines[0].Split(',');
        return lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    [Fact]
    public void A_pool_trained_generator_makes_recognisable_shapes_is_cached_and_fills_the_tail_as_synthetic_samples()
    {
        const string generator = "{train_on: pool, channels: 16, train_steps: 1500, batch_size: 32, lr: 0.002, ema_decay: 0.99, sampler_steps: 10, guidance: 3}";
        var first = Imbfair.Run(["run", Config("gen", generator), "--json", "--no-progress"], Env, timeout: TimeSpan.FromMinutes(15));
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("generator: training a 16-channel U-Net on 1200 images", first.Stderr, StringComparison.Ordinal);
        var dir = JsonDocument.Parse(first.Stdout).RootElement.GetProperty("run_dir").GetString()!;

        var split = Csv(Path.Combine(dir, "split.csv"));
        var quality = Csv(Path.Combine(dir, "generator.csv"));
        Assert.Equal(4, quality.Count);
        var needed = split.ToDictionary(r => r["class_name"], r => long.Parse(r["n_added_synthetic"], CultureInfo.InvariantCulture));
        var headReal = split.Max(r => long.Parse(r["n_train_real"], CultureInfo.InvariantCulture));
        foreach (var r in split)
        {
            Assert.Equal(headReal - long.Parse(r["n_train_real"], CultureInfo.InvariantCulture), needed[r["class_name"]]);
        }

        foreach (var q in quality)
        {
            Assert.Equal(needed[q["class_name"]], long.Parse(q["n_generated"], CultureInfo.InvariantCulture));
            Assert.Equal("300", q["n_generator_train"]);
        }

        var made = quality.Where(q => q["n_generated"] != "0").ToList();
        var consistency = made.Sum(q => double.Parse(q["class_consistency"], CultureInfo.InvariantCulture) * double.Parse(q["n_generated"], CultureInfo.InvariantCulture))
            / made.Sum(q => double.Parse(q["n_generated"], CultureInfo.InvariantCulture));
        _output.WriteLine(File.ReadAllText(Path.Combine(dir, "generator.csv")));
        Assert.True(consistency > 0.5, $"an independent classifier recognises {consistency:F3} of the generated images as their class (chance 0.25):\n{File.ReadAllText(Path.Combine(dir, "generator.csv"))}");
        Assert.All(made, q => Assert.True(double.Parse(q["judge_real_accuracy"], CultureInfo.InvariantCulture) > 0.8, $"judge accuracy {q["judge_real_accuracy"]}"));
        Assert.True(File.Exists(Path.Combine(dir, "augmented_preview.png")));
        Assert.Single(Directory.GetFiles(GeneratorCache, "gen-shapes-*.safetensors"), f => !f.Contains("-bank-", StringComparison.Ordinal) && !f.Contains("-judge-", StringComparison.Ordinal));

        // Another seed: another split, the same pool, so the same generator and bank, not trained again.
        var second = Imbfair.Run(["run", Config("gen", generator, seed: 1), "--json", "--no-progress"], Env, timeout: TimeSpan.FromMinutes(15));
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Contains("generator: cached weights", second.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("generator: training", second.Stderr, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(GeneratorCache, "gen-shapes-*.safetensors"), f => !f.Contains("-bank-", StringComparison.Ordinal) && !f.Contains("-judge-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SIGTERM_during_generator_training_exits_143_and_caches_no_generator()
    {
        var config = Config("stopped", "{train_on: split, channels: 8, train_steps: 1000000}");
        using var process = Processes.Start(["run", config, "--no-progress"], Env);
        var stderr = new System.Text.StringBuilder();
        var training = new TaskCompletionSource();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }

            if (e.Data?.Contains("generator: training", StringComparison.Ordinal) == true)
            {
                training.TrySetResult();
            }
        };
        process.BeginErrorReadLine();
        _ = process.StandardOutput.ReadToEndAsync();
        var started = await Task.WhenAny(training.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(3)));
        Assert.True(started == training.Task, $"generator training did not start: {stderr}");
        await Task.Delay(500);
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)));
        Assert.True(process.ExitCode == 143, $"exit {process.ExitCode}: {stderr}");
        Assert.False(Directory.Exists(GeneratorCache) && Directory.EnumerateFiles(GeneratorCache).Any(),
            $"left in the cache: {string.Join(", ", Directory.Exists(GeneratorCache) ? Directory.GetFiles(GeneratorCache) : [])}");
    }

    [Fact]
    public void A_bad_generator_setting_is_a_config_error_naming_the_key()
    {
        var result = Imbfair.Run(["run", Config("bad", "{train_on: everywhere}"), "--no-progress"], Env);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("train_on", result.Stderr, StringComparison.Ordinal);
        var unknown = Imbfair.Run(["run", Config("bad", "{steps: 3}"), "--no-progress"], Env);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("steps", unknown.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "runs")));
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
