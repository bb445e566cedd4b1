using ImbalanceFair.Torch.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImbalanceFair.Torch;
using ImbalanceFair.Torch.Serialization;

namespace ImbalanceFair.Core.Models;

/// <summary>
/// Writes a model as a Hugging Face CLIP directory (config.json, model.safetensors under CLIPModel's names with the
/// "format": "pt" metadata transformers expects, the source's tokenizer files, preprocessor_config.json), which
/// <see cref="HfClipDirectory.Open"/> and transformers' CLIPModel.from_pretrained load. The directory is assembled
/// under a temporary name and renamed at the end, so a reader never sees half of it.
/// </summary>
public static class HfClipExport
{
    private static readonly string[] s_tokenizerFiles =
        [HfClipDirectory.VocabFile, HfClipDirectory.MergesFile, HfClipDirectory.TokenizerFile, "tokenizer_config.json", "special_tokens_map.json"];

    public static void Save(ClipModel model, HfClipDirectory source, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        var full = Path.GetFullPath(directory);
        var temp = $"{full}.tmp-{Guid.NewGuid():N}";
        Directory.CreateDirectory(temp);
        try
        {
            AtomicFile.WriteText(Path.Combine(temp, HfClipConfig.ConfigFile), Config(model.Config).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            AtomicFile.WriteText(Path.Combine(temp, HfClipConfig.PreprocessorFile), Preprocessor(model.Preprocess).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            foreach (var file in s_tokenizerFiles.Where(f => File.Exists(Path.Combine(source.Path, f))))
            {
                File.Copy(Path.Combine(source.Path, file), Path.Combine(temp, file));
            }

            SafeTensors.Save(Path.Combine(temp, HfClipDirectory.WeightsFile), model.state_dict(), new Dictionary<string, string> { ["format"] = "pt" });
            if (Directory.Exists(full))
            {
                Directory.Delete(full, recursive: true);
            }

            Directory.Move(temp, full);
        }
        catch
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }

            throw;
        }
    }

    /// <summary>CLIPConfig's JSON for these sizes.</summary>
    public static JsonObject Config(ClipConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new JsonObject
        {
            ["architectures"] = new JsonArray("CLIPModel"),
            ["model_type"] = "clip",
            ["projection_dim"] = c.EmbedDim,
            ["logit_scale_init_value"] = c.LogitScaleInit,
            ["initializer_factor"] = 1.0,
            ["torch_dtype"] = "float32",
            ["text_config"] = new JsonObject
            {
                ["model_type"] = "clip_text_model",
                ["hidden_size"] = c.TextWidth,
                ["intermediate_size"] = c.TextMlp,
                ["num_hidden_layers"] = c.TextLayers,
                ["num_attention_heads"] = c.TextHeads,
                ["max_position_embeddings"] = c.ContextLength,
                ["vocab_size"] = c.VocabSize,
                ["hidden_act"] = c.TextHiddenAct,
                ["layer_norm_eps"] = c.LayerNormEps,
                ["eos_token_id"] = c.EosTokenId,
                ["projection_dim"] = c.EmbedDim,
            },
            ["vision_config"] = new JsonObject
            {
                ["model_type"] = "clip_vision_model",
                ["hidden_size"] = c.VisionWidth,
                ["intermediate_size"] = c.VisionMlp,
                ["num_hidden_layers"] = c.VisionLayers,
                ["num_attention_heads"] = c.VisionHeads,
                ["image_size"] = c.ImageSize,
                ["patch_size"] = c.PatchSize,
                ["num_channels"] = c.InChannels,
                ["hidden_act"] = c.VisionHiddenAct,
                ["layer_norm_eps"] = c.VisionEps,
                ["projection_dim"] = c.EmbedDim,
            },
        };
    }

    private static JsonObject Preprocessor(ClipPreprocess p) => new()
    {
        ["image_processor_type"] = "CLIPImageProcessor",
        ["do_resize"] = p.ShortestEdge > 0,
        ["size"] = new JsonObject { ["shortest_edge"] = p.ShortestEdge },
        ["resample"] = p.Resample == InterpolationMode.Bilinear ? 2 : 3,
        ["do_center_crop"] = p.CropHeight > 0,
        ["crop_size"] = new JsonObject { ["height"] = p.CropHeight, ["width"] = p.CropWidth },
        ["do_rescale"] = true,
        ["rescale_factor"] = 1 / 255.0,
        ["do_normalize"] = true,
        ["do_convert_rgb"] = true,
        ["image_mean"] = new JsonArray([.. p.Mean.Select(v => (JsonNode)JsonValue.Create(v)!)]),
        ["image_std"] = new JsonArray([.. p.Std.Select(v => (JsonNode)JsonValue.Create(v)!)]),
    };
}
