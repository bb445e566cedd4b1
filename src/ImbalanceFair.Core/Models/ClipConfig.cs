namespace ImbalanceFair.Core.Models;

/// <summary>
/// The sizes of a CLIP model, with Hugging Face CLIPConfig's meaning (vision_config / text_config), so a
/// checkpoint's shapes can be matched by name. <see cref="ClipPresets"/> holds the named sizes;
/// <see cref="HfClipConfig"/> reads them from a Hugging Face directory's config.json.
/// </summary>
public sealed record ClipConfig
{
    /// <summary>The activations of HF's ACT2FN that CLIP checkpoints use.</summary>
    public static IReadOnlyCollection<string> Activations { get; } = ["quick_gelu", "gelu", "gelu_new", "gelu_pytorch_tanh"];

    /// <summary>"vit" (HF CLIPVisionTransformer) or "conv" (a small CNN under the same outer names, for CPU).</summary>
    public string ImageTower { get; init; } = "vit";

    /// <summary>The vision tower's input size (vision_config.image_size).</summary>
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

    /// <summary>The MLP width as a multiple of the tower width, where the intermediate sizes are not given.</summary>
    public int MlpRatio { get; init; } = 4;

    /// <summary>vision_config.intermediate_size; 0 = VisionWidth × MlpRatio.</summary>
    public int VisionIntermediateSize { get; init; }

    /// <summary>text_config.intermediate_size; 0 = TextWidth × MlpRatio.</summary>
    public int TextIntermediateSize { get; init; }

    /// <summary>vision_config.hidden_act (one of <see cref="Activations"/>).</summary>
    public string VisionHiddenAct { get; init; } = "quick_gelu";

    /// <summary>text_config.hidden_act (one of <see cref="Activations"/>).</summary>
    public string TextHiddenAct { get; init; } = "quick_gelu";

    /// <summary>The joint embedding size (projection_dim).</summary>
    public int EmbedDim { get; init; } = 64;

    public int VocabSize { get; init; } = 256;

    /// <summary>The text position embeddings (text_config.max_position_embeddings): the longest token sequence.</summary>
    public int ContextLength { get; init; } = 16;

    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>vision_config.layer_norm_eps where it differs from <see cref="LayerNormEps"/>; 0 = the same.</summary>
    public double VisionLayerNormEps { get; init; }

    /// <summary>
    /// text_config.eos_token_id: the text tower pools at the first such token, except for the legacy value 2
    /// (older CLIP configs), where, as in Hugging Face's CLIPTextTransformer, it pools at the largest id.
    /// </summary>
    public int EosTokenId { get; init; } = 2;

    /// <summary>The initial logit_scale (logit_scale_init_value), used when the weights are not loaded.</summary>
    public double LogitScaleInit { get; init; } = Math.Log(1 / 0.07);

    public int NumPatches => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    public int VisionMlp => VisionIntermediateSize > 0 ? VisionIntermediateSize : VisionWidth * MlpRatio;

    public int TextMlp => TextIntermediateSize > 0 ? TextIntermediateSize : TextWidth * MlpRatio;

    public double VisionEps => VisionLayerNormEps > 0 ? VisionLayerNormEps : LayerNormEps;

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

        foreach (var act in new[] { VisionHiddenAct, TextHiddenAct })
        {
            if (!Activations.Contains(act))
            {
                throw new ArgumentException($"hidden_act '{act}' is not supported (supported: {string.Join(", ", Activations)})");
            }
        }
    }
}
