using System.Text.Json;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Torch;
using ImbalanceFair.Torch.Serialization;

namespace ImbalanceFair.Core.Models;

/// <summary>
/// A Hugging Face CLIP checkpoint directory (as `huggingface-cli download openai/clip-vit-base-patch32 --local-dir DIR`
/// leaves it): config.json, model.safetensors or its sharded form (model.safetensors.index.json + shards),
/// vocab.json + merges.txt or tokenizer.json, and optionally preprocessor_config.json. <see cref="Open"/> checks all of
/// it, weights' names, shapes and dtypes included, reading only the safetensors headers; <see cref="CreateModel"/>
/// then builds the model and streams the weights into it. Every problem is a <see cref="ConfigException"/> naming the
/// file and the fix.
/// </summary>
public sealed class HfClipDirectory
{
    public const string WeightsFile = "model.safetensors";
    public const string WeightsIndexFile = "model.safetensors.index.json";
    public const string VocabFile = "vocab.json";
    public const string MergesFile = "merges.txt";
    public const string TokenizerFile = "tokenizer.json";

    private static readonly ScalarType[] s_floatTypes = [ScalarType.Float32, ScalarType.Float16, ScalarType.BFloat16, ScalarType.Float64];

    private HfClipDirectory(string path, ClipConfig config, ClipPreprocess preprocess, ClipBpeTokenizer tokenizer, IReadOnlyList<SafeTensorsHeader> shards)
    {
        Tokenizer = tokenizer;
        Path = path;
        Config = config;
        Preprocess = preprocess;
        Shards = shards;
    }

    public string Path { get; }

    public ClipConfig Config { get; }

    public ClipPreprocess Preprocess { get; }

    /// <summary>The checkpoint's BPE tokenizer, its context the text tower's position embeddings.</summary>
    public ClipBpeTokenizer Tokenizer { get; }

    /// <summary>The safetensors files' headers (one, or the shards of the index).</summary>
    public IReadOnlyList<SafeTensorsHeader> Shards { get; }

    /// <summary>Whether a model.arch value names a directory rather than a preset: it holds a path separator.</summary>
    public static bool IsDirectoryArch(string arch) =>
        arch.Contains('/', StringComparison.Ordinal) || arch.Contains(System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The command that gets a directory's weights, for error messages.</summary>
    public static string DownloadHint(string directory) =>
        $"on a machine with internet: huggingface-cli download openai/clip-vit-base-patch32 --local-dir {directory}";

    /// <summary>Reads and checks config, image processor, tokenizer files and the weights' headers (no weight is read).</summary>
    public static HfClipDirectory Open(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new ConfigException($"model.arch: the directory {directory} does not exist; get a CLIP checkpoint {DownloadHint(directory)}");
        }

        if (!File.Exists(System.IO.Path.Combine(directory, HfClipConfig.ConfigFile)))
        {
            throw new ConfigException(
                $"model.arch: {System.IO.Path.Combine(directory, HfClipConfig.ConfigFile)} is missing; the directory is not a Hugging Face model ({DownloadHint(directory)})");
        }

        var config = HfClipConfig.ReadConfig(directory);
        var preprocess = HfClipConfig.ReadPreprocess(directory, config);
        var tokenizer = LoadTokenizer(directory, config);
        var shards = ReadWeightHeaders(directory);
        CheckWeights(shards, config);
        return new HfClipDirectory(directory, config, preprocess, tokenizer, shards);
    }

    /// <summary>The model with this directory's architecture; its weights when <paramref name="loadWeights"/>, else HF's random init.</summary>
    public ClipModel CreateModel(bool loadWeights = true)
    {
        var model = new ClipModel(Config, Preprocess);
        if (!loadWeights)
        {
            return model;
        }

        try
        {
            var own = model.state_dict();
            foreach (var shard in Shards)
            {
                var targets = own.Where(kv => shard.TryGetTensor(kv.Key, out _)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
                try
                {
                    SafeTensors.ReadInto(shard.Path, shard, targets);
                }
                catch (Exception e) when (e is IOException or ArgumentException)
                {
                    throw new ConfigException($"model.arch: {shard.Path}: {e.Message}; download the checkpoint again ({DownloadHint(Path)})", e);
                }
            }
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return model;
    }

    private static List<SafeTensorsHeader> ReadWeightHeaders(string directory)
    {
        var single = System.IO.Path.Combine(directory, WeightsFile);
        var index = System.IO.Path.Combine(directory, WeightsIndexFile);
        if (File.Exists(single))
        {
            return [Header(single, directory)];
        }

        if (File.Exists(index))
        {
            return ReadIndex(index, directory);
        }

        var bin = new[] { "pytorch_model.bin", "pytorch_model.bin.index.json" }.FirstOrDefault(f => File.Exists(System.IO.Path.Combine(directory, f)));
        if (bin is not null)
        {
            throw new ConfigException(
                $"model.arch: {directory} holds {bin} but no {WeightsFile}: imbfair reads only safetensors (pickle files can run code). Convert it where transformers is installed: "
                + $"python3 -c \"from transformers import CLIPModel; CLIPModel.from_pretrained('{directory}').save_pretrained('{directory}', safe_serialization=True)\"");
        }

        throw new ConfigException($"model.arch: {directory} has neither {WeightsFile} nor {WeightsIndexFile}; {DownloadHint(directory)}");
    }

    private static List<SafeTensorsHeader> ReadIndex(string index, string directory)
    {
        using var doc = HfClipConfig.ReadJson(index, $"download the checkpoint again ({DownloadHint(directory)})");
        if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
        {
            throw new ConfigException($"{index}: has no 'weight_map' object (tensor name → shard file); download the checkpoint again ({DownloadHint(directory)})");
        }

        var headers = new Dictionary<string, SafeTensorsHeader>(StringComparer.Ordinal);
        foreach (var entry in map.EnumerateObject())
        {
            var file = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : string.Empty;
            if (file.Length == 0 || file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal) || file.StartsWith('.'))
            {
                throw new ConfigException($"{index}: the shard of '{entry.Name}' is {entry.Value.GetRawText()}, not a file name in {directory}");
            }

            if (!headers.TryGetValue(file, out var header))
            {
                header = Header(System.IO.Path.Combine(directory, file), directory);
                headers.Add(file, header);
            }

            if (!header.TryGetTensor(entry.Name, out _))
            {
                throw new ConfigException($"{index}: maps '{entry.Name}' to {file}, which does not hold it; download the checkpoint again ({DownloadHint(directory)})");
            }
        }

        return [.. headers.Values];
    }

    private static SafeTensorsHeader Header(string path, string directory)
    {
        try
        {
            return SafeTensors.ReadHeader(path);
        }
        catch (FileNotFoundException e)
        {
            throw new ConfigException($"model.arch: {path} is missing; download the checkpoint again ({DownloadHint(directory)})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"model.arch: {e.Message}; download the checkpoint again ({DownloadHint(directory)})", e);
        }
    }

    // Names, shapes and dtypes against config.json; HF's non-persistent position_ids buffers may be present and are ignored.
    private static void CheckWeights(List<SafeTensorsHeader> shards, ClipConfig config)
    {
        var expected = ClipStateShapes.For(config);
        var found = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        foreach (var shard in shards)
        {
            foreach (var info in shard.Tensors)
            {
                if (!found.TryAdd(info.Name, info))
                {
                    throw new ConfigException($"model.arch: '{info.Name}' is in two shards ({shard.Path} and another); download the checkpoint again");
                }
            }
        }

        var where = shards.Count == 1 ? shards[0].Path : $"the shards of {System.IO.Path.GetDirectoryName(shards[0].Path)}";
        var problems = new List<string>();
        foreach (var (name, shape) in expected)
        {
            if (!found.TryGetValue(name, out var info))
            {
                problems.Add($"'{name}' is missing");
            }
            else if (!info.Shape.SequenceEqual(shape))
            {
                problems.Add($"'{name}' is {Describe(info.Shape)}, config.json implies {Describe(shape)}");
            }
            else if (!s_floatTypes.Contains(info.DType))
            {
                problems.Add($"'{name}' holds {info.DTypeName}, not a floating-point type");
            }
        }

        problems.AddRange(found.Keys.Where(k => !expected.ContainsKey(k) && !k.EndsWith(".position_ids", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).Select(k => $"'{k}' is not a CLIPModel weight"));
        if (problems.Count > 0)
        {
            throw new ConfigException(
                $"model.arch: {where} does not match its config.json ({problems.Count} problems: {string.Join("; ", problems.Take(5))}{(problems.Count > 5 ? "; ..." : string.Empty)}); the weights and config.json must come from the same checkpoint");
        }
    }

    private static string Describe(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";

    // The ids must fit the embedding, and the end-of-text token must be the one the text tower pools at.
    private static ClipBpeTokenizer LoadTokenizer(string directory, ClipConfig config)
    {
        var tokenizer = ClipBpeTokenizer.Load(directory, config.ContextLength);
        var source = File.Exists(System.IO.Path.Combine(directory, VocabFile)) ? System.IO.Path.Combine(directory, VocabFile) : System.IO.Path.Combine(directory, TokenizerFile);
        if (tokenizer.MaxId >= config.VocabSize)
        {
            throw new ConfigException(
                $"{source}: token ids go up to {tokenizer.MaxId}, beyond the {config.VocabSize} embeddings of text_config.vocab_size in config.json; the tokenizer belongs to another checkpoint");
        }

        if (config.EosTokenId != 2 && tokenizer.End != config.EosTokenId)
        {
            throw new ConfigException(
                $"{source}: {ClipBpeTokenizer.EndOfText} is id {tokenizer.End} but text_config.eos_token_id in config.json is {config.EosTokenId}; the text tower would pool at the wrong token");
        }

        return tokenizer;
    }
}
