using System.Buffers;
using System.Buffers.Binary;
using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using System.Text.Json;
using ImbalanceFair.Torch.Interop;
using ImbalanceFair.Torch.IO;
using Microsoft.Win32.SafeHandles;

namespace ImbalanceFair.Torch.Serialization;

/// <summary>
/// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
/// length N, N bytes of UTF-8 JSON <c>{name: {"dtype", "shape", "data_offsets": [begin, end]},
/// "__metadata__": {str: str}}</c> padded with spaces to a multiple of 8, then the data buffer, the
/// tensors' little-endian bytes back to back (offsets relative to the buffer's start).
/// </summary>
/// <remarks>
/// Reading validates the whole header before any tensor is created: a malformed file is a
/// <see cref="SafeTensorsFormatException"/> naming the file and the problem, never a partial result.
/// Writing goes to a temporary file in the target folder that is renamed over the target at the end.
/// </remarks>
public static partial class SafeTensors
{
    /// <summary>The largest header accepted (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>The header key that holds the string-to-string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    private const int IoChunkBytes = 1 << 26;

    private static readonly (string Name, ScalarType Type)[] s_dtypes =
    [
        ("F64", ScalarType.Float64),
        ("F32", ScalarType.Float32),
        ("F16", ScalarType.Float16),
        ("BF16", ScalarType.BFloat16),
        ("I64", ScalarType.Int64),
        ("I32", ScalarType.Int32),
        ("I16", ScalarType.Int16),
        ("I8", ScalarType.Int8),
        ("U8", ScalarType.UInt8),
        ("BOOL", ScalarType.Bool),
    ];

    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The safetensors name of an element type ("F32", "BF16", "I64", "BOOL", ...).</summary>
    public static string DTypeName(ScalarType type)
    {
        foreach (var (name, t) in s_dtypes)
        {
            if (t == type)
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(type), type, "this element type has no safetensors name");
    }

    /// <summary>The element type of a safetensors dtype name, or false for a name this binding cannot hold.</summary>
    public static bool TryParseDType(string name, out ScalarType type)
    {
        foreach (var (n, t) in s_dtypes)
        {
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                type = t;
                return true;
            }
        }

        type = default;
        return false;
    }

    // ---- writing -------------------------------------------------------------------------

    /// <summary>
    /// Writes <paramref name="tensors"/> (any device, any layout: each is copied to the host contiguously)
    /// and optional <paramref name="metadata"/> to <paramref name="path"/>, atomically: a temporary file in the
    /// same folder is written, flushed and renamed over the target, so readers never see a half-written file.
    /// Tensors are laid out by decreasing element size, then by name, so every tensor is aligned.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        CheckHost();

        var plan = new List<(string Name, Tensor Tensor, ScalarType Type, long[] Shape, long Bytes)>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == MetadataKey)
            {
                throw new ArgumentException($"'{name}' cannot name a tensor in a safetensors file", nameof(tensors));
            }

            if (tensor is null || tensor.IsDisposed)
            {
                throw new ArgumentException($"the tensor '{name}' is null or disposed", nameof(tensors));
            }

            var type = tensor.dtype;
            if (!Array.Exists(s_dtypes, d => d.Type == type))
            {
                throw new ArgumentException($"the tensor '{name}' holds {type}, which has no safetensors dtype", nameof(tensors));
            }

            plan.Add((name, tensor, type, tensor.shape, tensor.numel() * type.ElementSize()));
        }

        plan.Sort((a, b) =>
        {
            var bySize = b.Type.ElementSize().CompareTo(a.Type.ElementSize());
            return bySize != 0 ? bySize : string.CompareOrdinal(a.Name, b.Name);
        });

        var header = BuildHeader(plan.Select(p => (p.Name, p.Type, p.Shape, p.Bytes)), metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var (name, tensor, _, _, bytes) in plan)
            {
                WriteTensorData(stream, name, tensor, bytes);
            }
        });
    }

    /// <summary>Saves a module's state_dict (parameters and buffers under their dotted names).</summary>
    public static void SaveStateDict(nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        Save(path, module.state_dict(), metadata);
    }

    private static byte[] BuildHeader(IEnumerable<(string Name, ScalarType Type, long[] Shape, long Bytes)> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    ArgumentNullException.ThrowIfNull(key, nameof(metadata));
                    json.WriteString(key, value ?? throw new ArgumentException($"metadata '{key}' has no value", nameof(metadata)));
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var (name, type, shape, bytes) in entries)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", DTypeName(type));
                json.WriteStartArray("shape");
                foreach (var d in shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }

            json.WriteEndObject();
        }

        // Pad with spaces so the data buffer starts on an 8-byte boundary.
        while (buffer.Length % 8 != 0)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }

    private static unsafe void WriteTensorData(Stream stream, string name, Tensor tensor, long bytes)
    {
        if (bytes == 0)
        {
            return;
        }

        using var detached = tensor.detach();
        using var host = detached.to(Device.CPU);
        using var dense = host.contiguous();
        if (dense.numel() * dense.ElementSize != bytes)
        {
            throw new InvalidOperationException($"the tensor '{name}' changed size while it was being saved");
        }

        void* data;
        Native.Check(Native.imbf_host_data_ptr(dense.Handle, &data));
        for (long done = 0; done < bytes;)
        {
            var n = (int)Math.Min(IoChunkBytes, bytes - done);
            stream.Write(new ReadOnlySpan<byte>((byte*)data + done, n));
            done += n;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    // ---- reading -------------------------------------------------------------------------

    /// <summary>Reads and validates only the header (names, dtypes, shapes, offsets, metadata); no tensor data is read.</summary>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ReadHeader(file, path);
    }

    /// <summary>
    /// Loads every tensor of the file onto <paramref name="device"/> (default CPU). The result owns the tensors
    /// (they belong to no DisposeScope): dispose it, or <see cref="SafeTensorsFile.Take"/> the ones to keep.
    /// A malformed file throws <see cref="SafeTensorsFormatException"/> and creates nothing.
    /// </summary>
    public static SafeTensorsFile Load(string path, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckHost();
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var header = ReadHeader(file, path);
        var loaded = new Dictionary<string, Tensor>(header.Tensors.Count, StringComparer.Ordinal);
        try
        {
            foreach (var info in header.Tensors)
            {
                loaded.Add(info.Name, ReadTensor(file, header, info, device ?? Device.CPU));
            }
        }
        catch
        {
            foreach (var t in loaded.Values)
            {
                t.Dispose();
            }

            throw;
        }

        return new SafeTensorsFile(header, loaded);
    }

    /// <summary>
    /// Loads a file saved by <see cref="SaveStateDict"/> (or PyTorch) into <paramref name="module"/> with
    /// <see cref="nn.Module.load_state_dict"/>: missing or unexpected keys (when strict) and shape mismatches are errors.
    /// </summary>
    public static void LoadStateDict(nn.Module module, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var file = Load(path);
        module.load_state_dict(file, strict);
    }

    private static unsafe Tensor ReadTensor(SafeFileHandle file, SafeTensorsHeader header, SafeTensorInfo info, Device device)
    {
        var tensor = torch.empty([.. info.Shape], info.DType).DetachFromDisposeScope();
        try
        {
            if (info.ByteLength > 0)
            {
                void* data;
                Native.Check(Native.imbf_host_data_ptr(tensor.Handle, &data));
                for (long done = 0; done < info.ByteLength;)
                {
                    var n = (int)Math.Min(IoChunkBytes, info.ByteLength - done);
                    var span = new Span<byte>((byte*)data + done, n);
                    ReadExactly(file, span, header.DataOffset + info.Begin + done, header.Path);
                    if (info.DType == ScalarType.Bool && span.IndexOfAnyExcept((byte)0, (byte)1) is var bad and >= 0)
                    {
                        throw new SafeTensorsFormatException(header.Path,
                            $"the BOOL tensor '{info.Name}' holds the byte {span[bad]} (a BOOL element must be 0 or 1)");
                    }

                    done += n;
                }
            }

            if (device.IsCuda)
            {
                var moved = tensor.to(device).DetachFromDisposeScope();
                tensor.Dispose();
                return moved;
            }

            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    private static void ReadExactly(SafeFileHandle file, Span<byte> destination, long offset, string path)
    {
        while (!destination.IsEmpty)
        {
            var n = RandomAccess.Read(file, destination, offset);
            if (n == 0)
            {
                throw new SafeTensorsFormatException(path, $"the file ended at byte {offset}, before the {destination.Length} bytes the header promised (truncated while being read?)");
            }

            destination = destination[n..];
            offset += n;
        }
    }

    private static SafeTensorsHeader ReadHeader(SafeFileHandle file, string path)
    {
        var fileLength = RandomAccess.GetLength(file);
        if (fileLength < 8)
        {
            throw new SafeTensorsFormatException(path, $"the file is {fileLength} bytes long, too short for the 8-byte header length (truncated?)");
        }

        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(file, prefix, 0, path);
        var declared = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (declared > (ulong)(fileLength - 8))
        {
            throw new SafeTensorsFormatException(path, $"the header length {declared} is larger than the {fileLength - 8} bytes that follow it (truncated file, or not a safetensors file)");
        }

        if (declared > MaxHeaderBytes)
        {
            throw new SafeTensorsFormatException(path, $"the header length {declared} exceeds the limit of {MaxHeaderBytes} bytes");
        }

        var headerLength = (long)declared;
        if (headerLength < 2)
        {
            throw new SafeTensorsFormatException(path, $"the header length is {headerLength}: too short for a JSON object");
        }

        var headerBytes = new byte[headerLength];
        ReadExactly(file, headerBytes, 8, path);
        var dataLength = fileLength - 8 - headerLength;

        // JsonDocument checks the structure but not the UTF-8 inside strings (that fails later, in GetString).
        if (!Utf8.IsValid(headerBytes))
        {
            var at = 0;
            while (Rune.DecodeFromUtf8(headerBytes.AsSpan(at), out _, out var consumed) == OperationStatus.Done)
            {
                at += consumed;
            }

            throw new SafeTensorsFormatException(path, $"the header is not valid UTF-8 JSON: invalid UTF-8 at header byte {at}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new SafeTensorsFormatException(path, $"the header is not valid UTF-8 JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SafeTensorsFormatException(path, $"the header is a JSON {root.ValueKind}, not an object");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<SafeTensorInfo>();
            try
            {
                foreach (var property in root.EnumerateObject())
                {
                    if (!seen.Add(property.Name))
                    {
                        throw new SafeTensorsFormatException(path, $"the header names '{property.Name}' twice");
                    }

                    if (property.Name == MetadataKey)
                    {
                        ReadMetadata(path, property.Value, metadata);
                    }
                    else
                    {
                        tensors.Add(ReadTensorInfo(path, property.Name, property.Value, dataLength));
                    }
                }
            }
            catch (InvalidOperationException e)
            {
                // A string that cannot become .NET text, e.g. an escaped lone surrogate ("\ud800").
                throw new SafeTensorsFormatException(path, $"the header holds a string that is not valid Unicode: {e.Message}", e);
            }

            CheckLayout(path, tensors, dataLength);
            return new SafeTensorsHeader(path, headerLength, dataLength, tensors, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafeTensorsFormatException(path, $"'{MetadataKey}' is a JSON {value.ValueKind}, not an object of strings");
        }

        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafeTensorsFormatException(path, $"the metadata value of '{entry.Name}' is a JSON {entry.Value.ValueKind}, not a string");
            }

            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
            {
                throw new SafeTensorsFormatException(path, $"the metadata names '{entry.Name}' twice");
            }
        }
    }

    private static SafeTensorInfo ReadTensorInfo(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafeTensorsFormatException(path, $"the entry of tensor '{name}' is a JSON {value.ValueKind}, not an object");
        }

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has no string 'dtype'");
        }

        var dtypeName = dtypeElement.GetString()!;
        if (!TryParseDType(dtypeName, out var dtype))
        {
            throw new SafeTensorsFormatException(path,
                $"tensor '{name}' has the unknown or unsupported dtype '{dtypeName}' (supported: {string.Join(", ", s_dtypes.Select(d => d.Name))})");
        }

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has no 'shape' array");
        }

        var shape = new List<long>();
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var size))
            {
                throw new SafeTensorsFormatException(path, $"the shape of tensor '{name}' holds {d.GetRawText()}, not an integer");
            }

            if (size < 0)
            {
                throw new SafeTensorsFormatException(path, $"the shape of tensor '{name}' has the negative dimension {size}");
            }

            shape.Add(size);
        }

        if (!value.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has no 'data_offsets' array [begin, end]");
        }

        var offsets = new long[2];
        for (var i = 0; i < 2; i++)
        {
            var o = offsetsElement[i];
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out offsets[i]) || offsets[i] < 0)
            {
                throw new SafeTensorsFormatException(path, $"the data_offsets of tensor '{name}' hold {o.GetRawText()}, not an offset in the {dataLength}-byte data buffer");
            }
        }

        var (begin, end) = (offsets[0], offsets[1]);
        var shapeText = Describe(shape);
        if (end < begin)
        {
            throw new SafeTensorsFormatException(path, $"the data_offsets [{begin}, {end}] of tensor '{name}' end before they begin");
        }

        if (end > dataLength)
        {
            throw new SafeTensorsFormatException(path,
                $"the data_offsets [{begin}, {end}] of tensor '{name}' are out of range: the data buffer holds {dataLength} bytes (truncated file?)");
        }

        long bytes;
        try
        {
            bytes = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}' {shapeText} {dtypeName} has too many elements");
        }

        if (end - begin != bytes)
        {
            throw new SafeTensorsFormatException(path,
                $"tensor '{name}' {shapeText} {dtypeName} needs {bytes} bytes but its data_offsets [{begin}, {end}] span {end - begin}");
        }

        return new SafeTensorInfo(name, dtype, shape.AsReadOnly(), begin, end);
    }

    // The tensors must tile the data buffer exactly: no overlap, no hole, nothing left over.
    private static void CheckLayout(string path, List<SafeTensorInfo> tensors, long dataLength)
    {
        tensors.Sort((a, b) =>
        {
            var c = a.Begin.CompareTo(b.Begin);
            c = c != 0 ? c : a.End.CompareTo(b.End);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });
        long cursor = 0;
        SafeTensorInfo? previous = null;
        foreach (var t in tensors)
        {
            if (t.Begin < cursor)
            {
                throw new SafeTensorsFormatException(path,
                    $"tensor '{t.Name}' [{t.Begin}, {t.End}] overlaps tensor '{previous!.Name}' [{previous.Begin}, {previous.End}] in the data buffer");
            }

            if (t.Begin > cursor)
            {
                throw new SafeTensorsFormatException(path,
                    $"the data buffer has a hole: bytes [{cursor}, {t.Begin}) before tensor '{t.Name}' belong to no tensor");
            }

            cursor = t.End;
            previous = t;
        }

        if (cursor != dataLength)
        {
            throw new SafeTensorsFormatException(path,
                $"the data buffer has a hole: its last {dataLength - cursor} bytes (from {cursor} of {dataLength}) belong to no tensor");
        }
    }

    internal static string Describe(IEnumerable<long> shape) => $"[{string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))}]";

    private static void CheckHost()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors data is little-endian; this machine is big-endian");
        }
    }
}

/// <summary>A malformed safetensors file (an <see cref="IOException"/>). The message names the file and the problem.</summary>
public sealed class SafeTensorsFormatException : IOException
{
    public SafeTensorsFormatException()
    {
    }

    public SafeTensorsFormatException(string message)
        : base(message)
    {
    }

    public SafeTensorsFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SafeTensorsFormatException(string path, string problem, Exception? innerException = null)
        : base($"{path}: not a valid safetensors file: {problem}", innerException)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file that failed to load.</summary>
    public string? FilePath { get; }

    /// <summary>What is wrong with it.</summary>
    public string? Problem { get; }
}

/// <summary>One tensor's entry in a safetensors header; offsets are relative to the data buffer.</summary>
public sealed record SafeTensorInfo(string Name, ScalarType DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;

    public string DTypeName => SafeTensors.DTypeName(DType);

    public override string ToString() => $"{Name}: {DTypeName} {SafeTensors.Describe(Shape)} [{Begin}, {End})";
}

/// <summary>A validated safetensors header: the tensors in data-buffer order and the metadata.</summary>
public sealed class SafeTensorsHeader
{
    private readonly Dictionary<string, SafeTensorInfo> _byName;

    internal SafeTensorsHeader(string path, long headerLength, long dataLength, List<SafeTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        HeaderLength = headerLength;
        DataLength = dataLength;
        Tensors = tensors.AsReadOnly();
        Metadata = metadata.AsReadOnly();
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file the header was read from.</summary>
    public string Path { get; }

    /// <summary>N, the JSON header's length in bytes (padding included).</summary>
    public long HeaderLength { get; }

    /// <summary>Where the data buffer starts in the file (8 + N).</summary>
    public long DataOffset => 8 + HeaderLength;

    public long DataLength { get; }

    /// <summary>The tensors in the order of their data in the buffer.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public SafeTensorInfo this[string name] => _byName.TryGetValue(name, out var info)
        ? info
        : throw new KeyNotFoundException($"{Path} holds no tensor '{name}'");

    public bool TryGetTensor(string name, [MaybeNullWhen(false)] out SafeTensorInfo info) => _byName.TryGetValue(name, out info);
}

/// <summary>
/// The tensors of a loaded safetensors file, by name (in data-buffer order), and its metadata. It owns the
/// tensors: disposing it disposes every one not taken out with <see cref="Take"/>.
/// </summary>
public sealed class SafeTensorsFile : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;
    private bool _disposed;

    internal SafeTensorsFile(SafeTensorsHeader header, Dictionary<string, Tensor> tensors)
    {
        Header = header;
        _tensors = tensors;
    }

    public SafeTensorsHeader Header { get; }

    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    public int Count => Live.Count;

    public IEnumerable<string> Keys => Live.Keys;

    public IEnumerable<Tensor> Values => Live.Values;

    public Tensor this[string key] => Live.TryGetValue(key, out var t)
        ? t
        : throw new KeyNotFoundException($"{Header.Path} holds no tensor '{key}'{(Header.TryGetTensor(key, out _) ? " any more (it was taken)" : string.Empty)}");

    private Dictionary<string, Tensor> Live => _disposed ? throw new ObjectDisposedException(nameof(SafeTensorsFile)) : _tensors;

    public bool ContainsKey(string key) => Live.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Tensor value) => Live.TryGetValue(key, out value);

    /// <summary>Removes the tensor from the file's ownership and returns it: the caller now disposes it.</summary>
    public Tensor Take(string name)
    {
        var t = this[name];
        _tensors.Remove(name);
        return t;
    }

    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => Live.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var t in _tensors.Values)
        {
            t.Dispose();
        }

        _tensors.Clear();
    }
}
