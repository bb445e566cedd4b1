using System.Text.Json;
using ImbalanceFair.Cli.Tests.Support;
using ImbalanceFair.Tests.Shared;

namespace ImbalanceFair.Cli.Tests;

/// <summary>
/// The real `imbfair run` / `validate` with model.arch a Hugging Face CLIP directory (a small random one written by
/// tests/Fixtures/hf_clip.py): every training mode runs on 16 px images resized inside the model, output.save_model
/// writes an HF directory that validates and runs again, and a broken directory is exit 2 with nothing written.
/// </summary>
public sealed class HfClipRunTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-hfclip-");

    public HfClipRunTests()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "mini-shapes.yaml"), """
            name: mini-shapes
            format: procedural
            source: {generator: shapes, seed: 3, train_per_class: 40, test_per_class: 10}
            channels: 3
            image_size: [16, 16]
            num_classes: 4
            prompts: ["a photo of a {}.", "a {} shape."]
            """);
        Python.Run(File.ReadAllText(Path.Combine(Repo.Root, "tests", "Fixtures", "hf_clip.py")), Path.Combine(_dir.FullName, "fixture"), "{}");
    }

    private string ModelDir => Path.Combine(_dir.FullName, "fixture", "model");

    private Dictionary<string, string> Env => new()
    {
        ["IMBFAIR_DATASETS"] = _dir.FullName,
        ["IMBFAIR_CACHE"] = Path.Combine(_dir.FullName, "cache"),
    };

    private string Config(string arch, string mode, string extra = "")
    {
        var path = Path.Combine(_dir.FullName, $"run-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"""
            name: hf-{mode}
            dataset: {"{"}name: mini-shapes, attribute: null, val_fraction: 0.1{"}"}
            imbalance: {"{"}ratio: 4{"}"}
            augment: {"{"}strategy: oversample{"}"}
            model: {"{"}arch: {arch}{"}"}
            train: {"{"}mode: {mode}, epochs: 1, batch_size: 16, schedule: {"{"}warmup_steps: 2{"}"}{"}"}
            eval: {"{"}bootstrap: 10{"}"}
            output: {"{"}dir: {Path.Combine(_dir.FullName, "runs")}{extra}{"}"}
            """);
        return path;
    }

    [Theory]
    [InlineData("zero-shot")]
    [InlineData("text-head")]
    [InlineData("linear-probe")]
    [InlineData("lora")]
    public void Every_mode_runs_on_a_huggingface_directory_and_the_saved_model_loads_back(string mode)
    {
        var result = Imbfair.Run(["run", Config(ModelDir, mode, ", save_model: true"), "--json", "--no-progress"], Env);

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        var saved = Path.Combine(json.GetProperty("run_dir").GetString()!, "model");
        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.json", "merges.txt", "preprocessor_config.json" })
        {
            Assert.True(File.Exists(Path.Combine(saved, file)), $"{file} is missing from {saved}");
        }

        var accuracy = json.GetProperty("summary").GetProperty("balanced_accuracy").GetDouble();
        Assert.InRange(accuracy, 0, 1);
        var again = Imbfair.Run(["validate", Config(saved, "zero-shot")], Env);
        Assert.True(again.ExitCode == 0, again.Stderr + again.Stdout);
    }

    [Fact]
    public void A_broken_directory_is_exit_2_naming_the_file_and_nothing_is_written()
    {
        var broken = Path.Combine(_dir.FullName, "broken");
        Directory.CreateDirectory(broken);
        foreach (var f in Directory.GetFiles(ModelDir))
        {
            File.Copy(f, Path.Combine(broken, Path.GetFileName(f)));
        }

        File.Move(Path.Combine(broken, "model.safetensors"), Path.Combine(broken, "pytorch_model.bin"));

        foreach (var command in new[] { "validate", "run" })
        {
            var result = Imbfair.Run([command, Config(broken, "zero-shot")], Env);
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("pytorch_model.bin", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("save_pretrained", result.Stderr, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "runs")));
    }

    [Fact]
    public void Without_the_directory_the_error_names_the_download_command()
    {
        var result = Imbfair.Run(["validate", Config(Path.Combine(_dir.FullName, "clip-vit-base-patch32"), "zero-shot")], Env);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("huggingface-cli download openai/clip-vit-base-patch32 --local-dir", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
