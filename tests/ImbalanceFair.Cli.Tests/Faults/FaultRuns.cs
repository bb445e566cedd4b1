using System.Text.Json;
using ImbalanceFair.Cli.Tests.Support;

namespace ImbalanceFair.Cli.Tests.Faults;

/// <summary>A folder with a tiny procedural dataset and configs for the fault-injection tests, and what they check.</summary>
public sealed class FaultRuns : IDisposable
{
    public FaultRuns()
    {
        // The second has enough images per class for model.init: pretrained (which reserves 300 per class and needs as many again).
        foreach (var (name, perClass) in new[] { ("fault-shapes", 60), ("fault-shapes-large", 620) })
        {
            File.WriteAllText(Path.Combine(Root, $"{name}.yaml"), $$"""
                name: {{name}}
                format: procedural
                source: {generator: shapes, seed: 5, train_per_class: {{perClass}}, test_per_class: 12}
                channels: 3
                image_size: [16, 16]
                num_classes: 4
                prompts: ["a photo of a {}."]
                """);
        }
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("imbfair-faults-").FullName;

    public Dictionary<string, string> Env(params (string Key, string Value)[] extra)
    {
        var env = new Dictionary<string, string>
        {
            ["IMBFAIR_DATASETS"] = Root,
            ["IMBFAIR_CACHE"] = Path.Combine(Root, "cache"),
        };
        foreach (var (k, v) in extra)
        {
            env[k] = v;
        }

        return env;
    }

    /// <summary>A config of a run that takes seconds: PGD generation and an eval attack, so every phase exists.</summary>
    public string Config(string name, string outputDir, string extra = "", int epochs = 1, string init = "scratch", string dataset = "fault-shapes")
    {
        var path = Path.Combine(Root, $"{name}-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"""
            name: {name}
            dataset: {"{"}name: {dataset}, val_fraction: 0.1{"}"}
            imbalance: {"{"}ratio: 5{"}"}
            augment: {"{"}strategy: pgd, adversarial: {"{"}steps: 2{"}"}{"}"}
            model: {"{"}arch: tiny-clip-conv, init: {init}{"}"}
            train: {"{"}epochs: {epochs}, batch_size: 32, schedule: {"{"}warmup_steps: 2{"}"}{"}"}
            eval: {"{"}bootstrap: 10, attack: {"{"}name: pgd, steps: 2{"}"}{"}"}
            output: {"{"}dir: {outputDir}{"}"}
            {extra}
            """);
        return path;
    }

    public static JsonElement Json(Imbfair.Result result)
    {
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"--json printed {lines.Length} lines: {result.Stdout}\nstderr: {result.Stderr}");
        return JsonDocument.Parse(lines[0]).RootElement;
    }

    /// <summary>Temporary files of the atomic writer left anywhere under <paramref name="dir"/> (there must be none).</summary>
    public static string[] TempFiles(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*.tmp", SearchOption.AllDirectories).ToArray() : [];

    public static string RunDirUnder(string outputDir, string name) => Directory.GetDirectories(Path.Combine(outputDir, name)).Single();

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
