using System.Text.Json;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Models;

/// <summary>
/// A Hugging Face CLIP directory's config.json (CLIPConfig) and preprocessor_config.json (CLIPImageProcessor) as a
/// <see cref="ClipConfig"/> and a <see cref="ClipPreprocess"/>. A key a file omits takes transformers' default for it
/// (CLIPTextConfig / CLIPVisionConfig / CLIPImageProcessor), as from_pretrained does; the image processor's absent size
/// and crop default to the vision tower's image_size. Problems are <see cref="ConfigException"/>s naming the file and key.
/// </summary>
public static class HfClipConfig
{
    public const string ConfigFile = "config.json";
    public const string PreprocessorFile = "preprocessor_config.json";

    public static ClipConfig ReadConfig(string directory)
    {
        var path = Path.Combine(directory, ConfigFile);
        using var doc = ReadJson(path, "it is the model's architecture; copy it from the checkpoint's source (huggingface-cli download <model> --local-dir " + directory + ")");
        var root = doc.RootElement;
        var modelType = Str(path, root, "model_type", string.Empty);
        if (modelType != "clip")
        {
            throw new ConfigException(
                $"{path}: model_type is '{modelType}', not 'clip': imbfair loads Hugging Face CLIPModel checkpoints (e.g. openai/clip-vit-base-patch32)");
        }

        var text = Section(path, root, "text_config");
        var vision = Section(path, root, "vision_config");
        var config = new ClipConfig
        {
            ImageSize = Int(path, vision, "image_size", 224),
            InChannels = Int(path, vision, "num_channels", 3),
            PatchSize = Int(path, vision, "patch_size", 32),
            VisionWidth = Int(path, vision, "hidden_size", 768),
            VisionIntermediateSize = Int(path, vision, "intermediate_size", 3072),
            VisionLayers = Int(path, vision, "num_hidden_layers", 12),
            VisionHeads = Int(path, vision, "num_attention_heads", 12),
            VisionHiddenAct = Str(path, vision, "hidden_act", "quick_gelu"),
            VisionLayerNormEps = Num(path, vision, "layer_norm_eps", 1e-5),
            TextWidth = Int(path, text, "hidden_size", 512),
            TextIntermediateSize = Int(path, text, "intermediate_size", 2048),
            TextLayers = Int(path, text, "num_hidden_layers", 12),
            TextHeads = Int(path, text, "num_attention_heads", 8),
            TextHiddenAct = Str(path, text, "hidden_act", "quick_gelu"),
            LayerNormEps = Num(path, text, "layer_norm_eps", 1e-5),
            VocabSize = Int(path, text, "vocab_size", 49408),
            ContextLength = Int(path, text, "max_position_embeddings", 77),
            EosTokenId = Int(path, text, "eos_token_id", 49407),
            EmbedDim = Int(path, root, "projection_dim", 512),
            LogitScaleInit = Num(path, root, "logit_scale_init_value", 2.6592),
        };
        if (config.ImageSize % config.PatchSize != 0)
        {
            throw new ConfigException(
                $"{path}: vision_config.patch_size {config.PatchSize} does not divide vision_config.image_size {config.ImageSize}; the file is not a valid CLIP config (fix image_size or patch_size)");
        }

        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ConfigException($"{path}: {e.Message}", e);
        }

        return config;
    }

    public static ClipPreprocess ReadPreprocess(string directory, ClipConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var path = Path.Combine(directory, PreprocessorFile);
        if (!File.Exists(path))
        {
            return new ClipPreprocess { ShortestEdge = config.ImageSize, CropHeight = config.ImageSize, CropWidth = config.ImageSize };
        }

        using var doc = ReadJson(path, "delete it to use CLIP's defaults");
        var root = doc.RootElement;
        var edge = Bool(path, root, "do_resize", true) ? Size(path, root, "size", "shortest_edge", config.ImageSize) : 0;
        var crop = Bool(path, root, "do_center_crop", true);
        var cropH = crop ? Size(path, root, "crop_size", "height", config.ImageSize) : 0;
        var cropW = crop ? Size(path, root, "crop_size", "width", config.ImageSize) : 0;
        var resample = Int(path, root, "resample", 3) switch
        {
            2 => InterpolationMode.Bilinear,
            3 => InterpolationMode.Bicubic,
            var r => throw new ConfigException($"{path}: resample {r} is not supported (2 = bilinear, 3 = bicubic)"),
        };
        var normalise = Bool(path, root, "do_normalize", true);
        var mean = normalise ? Triple(path, root, "image_mean", ClipPreprocess.OpenAiMean) : [0.0, 0.0, 0.0];
        var std = normalise ? Triple(path, root, "image_std", ClipPreprocess.OpenAiStd) : [1.0, 1.0, 1.0];
        if (std.Any(s => s <= 0))
        {
            throw new ConfigException($"{path}: image_std must be positive");
        }

        // The vision tower's position embeddings fix its input size: what the processor hands it must be that.
        var outH = crop ? cropH : edge;
        var outW = crop ? cropW : edge;
        if (outH != config.ImageSize || outW != config.ImageSize || (crop && edge > 0 && edge < Math.Max(cropH, cropW)))
        {
            throw new ConfigException(
                $"{path}: resize {edge} / crop {cropH}x{cropW} does not give the {config.ImageSize}x{config.ImageSize} input of vision_config.image_size in {ConfigFile}; set size.shortest_edge >= crop_size = {config.ImageSize}");
        }

        return new ClipPreprocess
        {
            ShortestEdge = edge, CropHeight = crop ? cropH : 0, CropWidth = crop ? cropW : 0, Resample = resample, Mean = mean, Std = std,
        };
    }

    internal static JsonDocument ReadJson(string path, string fix)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot be read ({e.Message}); {fix}", e);
        }

        try
        {
            var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                doc.Dispose();
                throw new ConfigException($"{path}: is not a JSON object; {fix}");
            }

            return doc;
        }
        catch (JsonException e)
        {
            throw new ConfigException($"{path}: is not valid JSON ({e.Message}); {fix}", e);
        }
    }

    private static JsonElement Section(string path, JsonElement root, string key)
    {
        // Configs from transformers < 4.2x may carry the sizes in text_config_dict / vision_config_dict instead.
        foreach (var name in new[] { key, key + "_dict" })
        {
            if (root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object)
            {
                return v;
            }
        }

        throw new ConfigException($"{path}: has no '{key}' object; a CLIPConfig holds text_config and vision_config");
    }

    private static bool Has(JsonElement obj, string key, out JsonElement value) =>
        obj.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;

    private static int Int(string path, JsonElement obj, string key, int fallback)
    {
        if (!Has(obj, key, out var v))
        {
            return fallback;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) && i >= 0 ? i
            : throw new ConfigException($"{path}: '{key}' is {v.GetRawText()}, not a non-negative integer");
    }

    private static double Num(string path, JsonElement obj, string key, double fallback)
    {
        if (!Has(obj, key, out var v))
        {
            return fallback;
        }

        return v.ValueKind == JsonValueKind.Number ? v.GetDouble()
            : throw new ConfigException($"{path}: '{key}' is {v.GetRawText()}, not a number");
    }

    private static string Str(string path, JsonElement obj, string key, string fallback)
    {
        if (!Has(obj, key, out var v))
        {
            return fallback;
        }

        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new ConfigException($"{path}: '{key}' is {v.GetRawText()}, not a string");
    }

    private static bool Bool(string path, JsonElement obj, string key, bool fallback)
    {
        if (!Has(obj, key, out var v))
        {
            return fallback;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ConfigException($"{path}: '{key}' is {v.GetRawText()}, not true or false"),
        };
    }

    // CLIPImageProcessor accepts an int (old files) or a dict ({"shortest_edge": n} / {"height": h, "width": w}).
    private static int Size(string path, JsonElement obj, string key, string field, int fallback)
    {
        if (!Has(obj, key, out var v))
        {
            return fallback;
        }

        if (v.ValueKind == JsonValueKind.Number)
        {
            return Int(path, obj, key, fallback);
        }

        if (v.ValueKind != JsonValueKind.Object || !Has(v, field, out _))
        {
            throw new ConfigException($"{path}: '{key}' is {v.GetRawText()}, not an integer or an object with '{field}'");
        }

        return Int(path, v, field, fallback);
    }

    private static double[] Triple(string path, JsonElement obj, string key, IReadOnlyList<double> fallback)
    {
        if (!Has(obj, key, out var v))
        {
            return [.. fallback];
        }

        if (v.ValueKind == JsonValueKind.Number)
        {
            return [v.GetDouble(), v.GetDouble(), v.GetDouble()];
        }

        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != 3 || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Number))
        {
            throw new ConfigException($"{path}: '{key}' is {v.GetRawText()}, not a list of 3 numbers (R, G, B)");
        }

        return [.. v.EnumerateArray().Select(e => e.GetDouble())];
    }
}
