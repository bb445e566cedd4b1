using ImbalanceFair.Torch.IO;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImbalanceFair.Torch;
using ImbalanceFair.Torch.Serialization;

namespace ImbalanceFair.Core.Data;

/// <summary>
/// Decoded datasets as uint8 safetensors files under <c>IMBFAIR_CACHE</c> (default ~/.cache/imbfair), named by
/// a SHA-256 of the descriptor's decoding-relevant content and of every source file's content, so a changed
/// source is a new key and the old entry is never read. File hashes are remembered by (path, size, mtime) so
/// a warm load does not re-read the sources. Entries are written only after a complete, successful decode.
/// </summary>
public sealed class DatasetCache
{
    private const string HashIndexFile = "source-hashes.json";
    private readonly string _dir;

    public DatasetCache(string? directory = null) => _dir = directory ?? DefaultDirectory();

    public string Directory => _dir;

    public static string DefaultDirectory() =>
        Environment.GetEnvironmentVariable("IMBFAIR_CACHE") is { Length: > 0 } d ? d
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "imbfair");

    /// <summary>
    /// The dataset as tensors: from the cache when its key is there, else decoded and stored. A cancellation stops
    /// the hashing between files and the decoding between images; nothing is stored then.
    /// </summary>
    public ImageDataset Load(DatasetDescriptor descriptor, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var format = DatasetFormats.Get(descriptor.Format);
        var sources = format.SourceFiles(descriptor);
        foreach (var s in sources)
        {
            if (!File.Exists(s))
            {
                throw DataFormatException.For(s, $"file not found (dataset '{descriptor.Name}', {descriptor.File}). To get it: {descriptor.Obtain}");
            }
        }

        var path = Path.Combine(_dir, $"{descriptor.Name}-{Key(descriptor, sources, cancel)}.safetensors");
        if (File.Exists(path))
        {
            return Read(descriptor, path);
        }

        var decoded = format.Read(descriptor, cancel);
        Write(descriptor, decoded, path);
        return Read(descriptor, path, fromCache: false);
    }

    private string Key(DatasetDescriptor d, IReadOnlyList<string> sources, CancellationToken cancel)
    {
        var text = new StringBuilder();
        text.Append("imbfair-dataset-cache-v1\n").Append(d.Format).Append('\n').Append(d.Channels).Append('x').Append(d.Height).Append('x').Append(d.Width)
            .Append('\n').AppendJoin('\u001f', d.Classes).Append('\n').Append(d.Source.Canonical()).Append('\n');
        var hashes = LoadHashIndex();
        var changed = false;
        foreach (var s in sources)
        {
            cancel.ThrowIfCancellationRequested();
            var info = new FileInfo(s);
            var id = string.Create(CultureInfo.InvariantCulture, $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}");
            if (!hashes.TryGetValue(id, out var hash))
            {
                using var stream = File.OpenRead(s);
                hash = Convert.ToHexStringLower(SHA256.HashData(stream));
                hashes[id] = hash;
                changed = true;
            }

            text.Append(hash).Append('\n');
        }

        if (changed)
        {
            SaveHashIndex(hashes);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private Dictionary<string, string> LoadHashIndex()
    {
        var path = Path.Combine(_dir, HashIndexFile);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? [] : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private void SaveHashIndex(Dictionary<string, string> hashes)
    {
        System.IO.Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, HashIndexFile);
        AtomicFile.WriteText(path, JsonSerializer.Serialize(hashes));
    }

    private static void Write(DatasetDescriptor d, DecodedDataset data, string path)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var scope = torch.NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        void Add(string prefix, DecodedPart? part)
        {
            if (part is null)
            {
                return;
            }

            tensors[$"{prefix}_images"] = torch.from_bytes(part.Images, ScalarType.UInt8, [part.Count, d.Channels, d.Height, d.Width]);
            tensors[$"{prefix}_labels"] = torch.from_array<long>(part.Labels, [part.Count]);
            if (part.Attributes is not null)
            {
                tensors[$"{prefix}_attributes"] = torch.from_array<long>(part.Attributes, [part.Count]);
            }
        }

        Add("train", data.Train);
        Add("test", data.Test);
        Add("val", data.Val);
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["dataset"] = d.Name, ["descriptor"] = d.File });
    }

    private static ImageDataset Read(DatasetDescriptor d, string path, bool fromCache = true)
    {
        using var file = SafeTensors.Load(path);
        ImagePart? Part(string prefix) => file.ContainsKey($"{prefix}_images")
            ? new ImagePart(file.Take($"{prefix}_images"), file.Take($"{prefix}_labels"),
                file.ContainsKey($"{prefix}_attributes") ? file.Take($"{prefix}_attributes") : null)
            : null;
        var train = Part("train") ?? throw DataFormatException.For(path, "cache entry holds no train part: delete it to rebuild");
        var test = Part("test") ?? throw DataFormatException.For(path, "cache entry holds no test part: delete it to rebuild");
        return new ImageDataset(d, train, test, Part("val"), fromCache);
    }
}
