namespace ImbalanceFair.Core.Models;

/// <summary>
/// Named model sizes (`model.arch`). A ViT on 2 CPU cores is slow, so the presets are small and the patch
/// grid is fixed (4x4 for tiny, 7x7 for small) whatever the image size; `tiny-conv` swaps the image tower for a
/// small CNN (see docs/model.md for the measured throughput that motivates it).
/// </summary>
public static class ClipPresets
{
    public static IReadOnlyCollection<string> Names { get; } = ["tiny-clip", "small-clip", "tiny-clip-conv"];

    public static ClipConfig For(string name, int imageSize, int vocabSize, int contextLength) => name switch
    {
        "tiny-clip" => new ClipConfig
        {
            ImageSize = imageSize, PatchSize = Patch(imageSize, 4), VisionWidth = 64, VisionLayers = 2, VisionHeads = 4,
            TextWidth = 64, TextLayers = 2, TextHeads = 4, EmbedDim = 64, VocabSize = vocabSize, ContextLength = contextLength,
        },
        "small-clip" => new ClipConfig
        {
            ImageSize = imageSize, PatchSize = Patch(imageSize, 7), VisionWidth = 128, VisionLayers = 4, VisionHeads = 4,
            TextWidth = 128, TextLayers = 3, TextHeads = 4, EmbedDim = 128, VocabSize = vocabSize, ContextLength = contextLength,
        },
        "tiny-clip-conv" => new ClipConfig
        {
            ImageTower = "conv", ImageSize = imageSize, PatchSize = 1, VisionWidth = 64, TextWidth = 64, TextLayers = 2,
            TextHeads = 4, EmbedDim = 64, VocabSize = vocabSize, ContextLength = contextLength,
        },
        _ => throw new ArgumentException($"unknown model.arch '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
    };

    private static int Patch(int imageSize, int grid) =>
        imageSize % grid == 0 ? imageSize / grid
        : throw new ArgumentException($"image size {imageSize} is not divisible into a {grid}x{grid} patch grid; resize the dataset (image_size) or choose explicit sizes");
}
