namespace ImbalanceFair.Core.Models;

/// <summary>
/// The sizes of a CLIP model, with Hugging Face CLIPConfig's meaning (vision_config / text_config), so a
/// checkpoint's shapes can be matched by name. <see cref="ClipPresets"/> holds the named sizes.
/// </summary>
public sealed record ClipConfig
{
    /// <summary>"vit" (HF CLIPVisionTransformer) or "conv" (a small CNN under the same outer names, for CPU).</summary>
    public string ImageTower { get; init; } = "vit";

    public int ImageSize { get; init; } = 28;

    /// <summary>Input channels of the patch embedding; grey images are repeated to 3 so real CLIP weights fit.</summary>
    public int InChannels { get; init; } = 3;

    public int PatchSize { get; init; } = 7;

    public int VisionWidth { get; init; } = 64;

    public int VisionLayers { get; init; } = 2;

    public int VisionHeads { get; init; } = 4;

    public int TextWidth { get; init; } = 64;

    public int TextLayers { get; init; } = 2;

    public int TextHeads { get; init; } = 4;

    public int MlpRatio { get; init; } = 4;

    /// <summary>The joint embedding size (projection_dim).</summary>
    public int EmbedDim { get; init; } = 64;

    public int VocabSize { get; init; } = 256;

    public int ContextLength { get; init; } = 16;

    public double LayerNormEps { get; init; } = 1e-5;

    public int NumPatches => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    public void Validate()
    {
        if (ImageTower is not ("vit" or "conv"))
        {
            throw new ArgumentException($"image tower must be vit or conv, not '{ImageTower}'");
        }

        if (ImageTower == "vit" && ImageSize % PatchSize != 0)
        {
            throw new ArgumentException($"patch size {PatchSize} does not divide image size {ImageSize}");
        }

        if (VisionWidth % VisionHeads != 0 || TextWidth % TextHeads != 0)
        {
            throw new ArgumentException("widths must be divisible by their head counts");
        }
    }
}
