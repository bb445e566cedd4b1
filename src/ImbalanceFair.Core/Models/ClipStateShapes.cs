namespace ImbalanceFair.Core.Models;

/// <summary>
/// The state_dict names and shapes of a ViT CLIP of a given <see cref="ClipConfig"/> (Hugging Face CLIPModel's),
/// computed without building the model, so a checkpoint can be checked against config.json before any weight is read.
/// </summary>
public static class ClipStateShapes
{
    public static IReadOnlyDictionary<string, long[]> For(ClipConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (c.ImageTower != "vit")
        {
            throw new ArgumentException("only the ViT image tower has Hugging Face CLIPModel names", nameof(c));
        }

        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            ["logit_scale"] = [],
            ["text_model.embeddings.token_embedding.weight"] = [c.VocabSize, c.TextWidth],
            ["text_model.embeddings.position_embedding.weight"] = [c.ContextLength, c.TextWidth],
            ["text_model.final_layer_norm.weight"] = [c.TextWidth],
            ["text_model.final_layer_norm.bias"] = [c.TextWidth],
            ["vision_model.embeddings.class_embedding"] = [c.VisionWidth],
            ["vision_model.embeddings.patch_embedding.weight"] = [c.VisionWidth, c.InChannels, c.PatchSize, c.PatchSize],
            ["vision_model.embeddings.position_embedding.weight"] = [c.NumPatches + 1, c.VisionWidth],
            ["vision_model.pre_layrnorm.weight"] = [c.VisionWidth],
            ["vision_model.pre_layrnorm.bias"] = [c.VisionWidth],
            ["vision_model.post_layernorm.weight"] = [c.VisionWidth],
            ["vision_model.post_layernorm.bias"] = [c.VisionWidth],
            ["visual_projection.weight"] = [c.EmbedDim, c.VisionWidth],
            ["text_projection.weight"] = [c.EmbedDim, c.TextWidth],
        };
        Layers(shapes, "text_model", c.TextLayers, c.TextWidth, c.TextMlp);
        Layers(shapes, "vision_model", c.VisionLayers, c.VisionWidth, c.VisionMlp);
        return shapes;
    }

    private static void Layers(Dictionary<string, long[]> shapes, string tower, int layers, long w, long mlp)
    {
        for (var i = 0; i < layers; i++)
        {
            var p = $"{tower}.encoder.layers.{i}";
            foreach (var proj in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
            {
                shapes[$"{p}.self_attn.{proj}.weight"] = [w, w];
                shapes[$"{p}.self_attn.{proj}.bias"] = [w];
            }

            foreach (var norm in new[] { "layer_norm1", "layer_norm2" })
            {
                shapes[$"{p}.{norm}.weight"] = [w];
                shapes[$"{p}.{norm}.bias"] = [w];
            }

            shapes[$"{p}.mlp.fc1.weight"] = [mlp, w];
            shapes[$"{p}.mlp.fc1.bias"] = [mlp];
            shapes[$"{p}.mlp.fc2.weight"] = [w, mlp];
            shapes[$"{p}.mlp.fc2.bias"] = [w];
        }
    }
}
