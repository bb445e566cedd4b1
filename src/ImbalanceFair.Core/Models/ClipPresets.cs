using System.Text.Json;

namespace ImbalanceFair.Core.Models;

/// <summary>
/// Named model sizes (<c>model.arch</c>), as data: one JSON file per preset in <c>Models/presets/</c> (open_clip's
/// model_configs), embedded in the assembly; adding a preset is adding a file. A ViT preset gives a patch grid, not a
/// patch size, so the same preset fits any image size the grid divides (a ViT on 2 CPU cores is slow, so the presets
/// are small); an image size or vocabulary comes from the dataset. Keys not given take <see cref="ClipConfig"/>'s defaults.
/// </summary>
public static class ClipPresets
{
    private const string ResourcePrefix = "imbfair.preset.";

    private static readonly Dictionary<string, JsonElement> s_presets = Load();

    public static IReadOnlyList<string> Names { get; } = [.. s_presets.Keys];

    public static ClipConfig For(string name, int imageSize, int vocabSize, int contextLength)
    {
        if (!s_presets.TryGetValue(name, out var p))
        {
            throw new ArgumentException($"unknown model.arch '{name}' (known: {string.Join(", ", Names)})", nameof(name));
        }

        var d = new ClipConfig();
        int Int(string key, int fallback) => p.TryGetProperty(key, out var v) ? v.GetInt32() : fallback;
        var tower = p.TryGetProperty("image_tower", out var t) ? t.GetString()! : d.ImageTower;
        return new ClipConfig
        {
            ImageTower = tower,
            ImageSize = imageSize,
            PatchSize = tower == "conv" ? 1 : Patch(imageSize, Int("patch_grid", 0)),
            VisionWidth = Int("vision_width", d.VisionWidth),
            VisionLayers = Int("vision_layers", d.VisionLayers),
            VisionHeads = Int("vision_heads", d.VisionHeads),
            TextWidth = Int("text_width", d.TextWidth),
            TextLayers = Int("text_layers", d.TextLayers),
            TextHeads = Int("text_heads", d.TextHeads),
            MlpRatio = Int("mlp_ratio", d.MlpRatio),
            EmbedDim = Int("embed_dim", d.EmbedDim),
            VocabSize = vocabSize,
            ContextLength = contextLength,
        };
    }

    private static Dictionary<string, JsonElement> Load()
    {
        var assembly = typeof(ClipPresets).Assembly;
        var presets = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            presets[Path.GetFileNameWithoutExtension(resource[ResourcePrefix.Length..])] = JsonDocument.Parse(stream).RootElement.Clone();
        }

        return presets;
    }

    private static int Patch(int imageSize, int grid) =>
        grid > 0 && imageSize % grid == 0 ? imageSize / grid
        : throw new ArgumentException($"image size {imageSize} is not divisible into a {grid}x{grid} patch grid; resize the dataset (image_size) or choose explicit sizes");
}
