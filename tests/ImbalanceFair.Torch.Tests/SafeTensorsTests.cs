using ImbalanceFair.Tests.Shared;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ImbalanceFair.Torch.Serialization;
using ImbalanceFair.Torch.Tests.Support;

namespace ImbalanceFair.Torch.Tests;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-st-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    /// <summary>Shown as skipped, with the reason, where there is no CUDA device.</summary>
    private sealed class CudaFactAttribute : FactAttribute
    {
        public CudaFactAttribute()
        {
            if (!torch.cuda.is_available())
            {
                Skip = "no CUDA device on this machine";
            }
        }
    }

    // ---- fixtures ------------------------------------------------------------------------

    private static Tensor Raw<T>(T[] values, long[] shape, ScalarType type) where T : unmanaged =>
        torch.from_bytes(MemoryMarshal.AsBytes(values.AsSpan()), type, shape);

    /// <summary>One tensor per dtype, with the awkward values: signed zeros, NaN, infinities, subnormals, extremes.</summary>
    private static Dictionary<string, Tensor> EveryDtype() => new(StringComparer.Ordinal)
    {
        ["f32"] = torch.from_array<float>(
            [0f, -0f, 1f, -1.5f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, float.MaxValue, float.MinValue, 3.14159274f, 1e-20f],
            [3, 4]),
        ["f64"] = torch.from_array<double>([0, -0.0, double.NaN, double.Epsilon, double.MaxValue, -1e300, Math.PI, 1.0 / 3], [2, 1, 4]),
        ["f16"] = torch.from_array<Half>([(Half)0, (Half)(-0.0f), Half.NaN, Half.PositiveInfinity, Half.Epsilon, Half.MaxValue, (Half)(-2.5f), (Half)0.1f], [8]),
        // bfloat16 bit patterns: 1, -0, NaN, +inf, smallest subnormal, largest finite, -2.5, 0.1.
        ["bf16"] = Raw<ushort>([0x3F80, 0x8000, 0x7FC0, 0x7F80, 0x0001, 0x7F7F, 0xC020, 0x3DCD], [2, 4], ScalarType.BFloat16),
        ["i64"] = torch.from_array<long>([long.MinValue, -1, 0, 1, long.MaxValue, 1L << 40], [2, 3]),
        ["i32"] = torch.from_array<int>([int.MinValue, -7, 0, 7, int.MaxValue], [5]),
        ["i16"] = torch.from_array<short>([short.MinValue, -1, 0, short.MaxValue], [2, 2]),
        ["i8"] = torch.from_array<sbyte>([sbyte.MinValue, -1, 0, 1, sbyte.MaxValue], [5]),
        ["u8"] = torch.from_array<byte>([.. Enumerable.Range(0, 256).Select(i => (byte)i)], [16, 16]),
        ["bool"] = torch.from_array<bool>([true, false, false, true, true, false], [3, 2]),
        ["scalar"] = torch.scalar_tensor(-42.25),
        ["empty"] = torch.zeros([0, 3]),
        ["empty_i64"] = torch.zeros([4, 0, 2], ScalarType.Int64),
    };

    private static void AssertSameTensor(string name, Tensor expected, Tensor actual)
    {
        Assert.True(expected.dtype == actual.dtype, $"{name}: dtype {actual.dtype}, expected {expected.dtype}");
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{name}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]");
        Assert.True(expected.ToBytes().AsSpan().SequenceEqual(actual.ToBytes()), $"{name}: the bytes differ");
    }

    private static void DisposeAll(Dictionary<string, Tensor> tensors)
    {
        foreach (var t in tensors.Values)
        {
            t.Dispose();
        }
    }

    // ---- round trips ---------------------------------------------------------------------

    [Fact]
    public void Every_dtype_round_trips_bit_for_bit()
    {
        using var scope = torch.NewDisposeScope();
        var tensors = EveryDtype();
        var path = PathOf("every.safetensors");
        SafeTensors.Save(path, tensors);

        using var loaded = SafeTensors.Load(path);
        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, expected) in tensors)
        {
            AssertSameTensor(name, expected, loaded[name]);
        }

        Assert.Empty(loaded.Metadata);
    }

    [Fact]
    public void The_written_layout_is_canonical()
    {
        using var scope = torch.NewDisposeScope();
        var path = PathOf("layout.safetensors");
        SafeTensors.Save(path, EveryDtype());

        var bytes = File.ReadAllBytes(path);
        var n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + n) % 8);
        var json = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{", json, StringComparison.Ordinal);
        Assert.Matches("^[^ ]*} *$", json);

        var header = SafeTensors.ReadHeader(path);
        Assert.Equal(n, header.HeaderLength);
        Assert.Equal(bytes.Length - 8 - n, header.DataLength);
        long cursor = 0;
        foreach (var info in header.Tensors)
        {
            Assert.Equal(cursor, info.Begin);
            // Larger elements first: every tensor starts on a multiple of its element size.
            Assert.Equal(0, info.Begin % info.DType.ElementSize());
            cursor = info.End;
        }

        Assert.Equal(header.DataLength, cursor);
        var f32 = header["f32"];
        Assert.Equal(ScalarType.Float32, f32.DType);
        Assert.Equal("F32", f32.DTypeName);
        Assert.Equal(new long[] { 3, 4 }, f32.Shape);
        Assert.Equal(48, f32.ByteLength);
    }

    [Fact]
    public void Non_contiguous_tensors_are_saved_by_value()
    {
        using var scope = torch.NewDisposeScope();
        var baseTensor = torch.arange(0, 24, 1, ScalarType.Float32).reshape(4, 6);
        var tensors = new Dictionary<string, Tensor>
        {
            ["transposed"] = baseTensor.t(),
            ["strided"] = baseTensor.slice(1, 1, 6, 2),
            ["expanded"] = torch.tensor([1f, 2f, 3f]).unsqueeze(0).expand(4, 3),
            ["offset_view"] = baseTensor.select(0, 2),
            ["requires_grad"] = torch.randn([2, 3]).requires_grad_(),
        };
        Assert.False(tensors["transposed"].is_contiguous());
        Assert.False(tensors["strided"].is_contiguous());
        Assert.False(tensors["expanded"].is_contiguous());
        var path = PathOf("views.safetensors");
        SafeTensors.Save(path, tensors);

        using var loaded = SafeTensors.Load(path);
        foreach (var (name, t) in tensors)
        {
            Assert.Equal(t.shape, loaded[name].shape);
            Assert.Equal(t.contiguous().ToArray<float>(), loaded[name].ToArray<float>());
            Assert.False(loaded[name].requires_grad);
        }

        Assert.Equal(new float[] { 12, 13, 14, 15, 16, 17 }, loaded["offset_view"].ToArray<float>());
        Assert.Equal(new float[] { 0, 6, 12, 18, 1, 7, 13, 19 }, loaded["transposed"].ToArray<float>()[..8]);
    }

    [CudaFact]
    public void Cuda_tensors_are_saved_and_loaded_onto_a_device()
    {
        using var scope = torch.NewDisposeScope();
        var cpu = torch.randn([5, 7]);
        var tensors = new Dictionary<string, Tensor> { ["w"] = cpu.cuda().t(), ["b"] = torch.arange(10.0).cuda() };
        var path = PathOf("cuda.safetensors");
        SafeTensors.Save(path, tensors);

        using var onCpu = SafeTensors.Load(path);
        Assert.Equal(cpu.t().contiguous().ToArray<float>(), onCpu["w"].ToArray<float>());
        using var onGpu = SafeTensors.Load(path, Device.CUDA);
        Assert.True(onGpu["w"].device.IsCuda);
        Assert.Equal(cpu.t().contiguous().ToArray<float>(), onGpu["w"].ToArray<float>());
    }

    [Fact]
    public void Metadata_and_unusual_names_round_trip()
    {
        using var scope = torch.NewDisposeScope();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["config"] = """{"width": 16, "heads": [4]}""",
            ["unicode ✓"] = "ünïcødé — 日本",
            ["escapes"] = "quote\" backslash\\ newline\n tab\t <html>&",
            ["empty"] = string.Empty,
        };
        var tensors = new Dictionary<string, Tensor>
        {
            ["text_model.encoder.layers.0.self_attn.q_proj.weight"] = torch.ones([2, 2]),
            ["naïve/名前 with spaces"] = torch.zeros([1]),
        };
        var path = PathOf("meta.safetensors");
        SafeTensors.Save(path, tensors, metadata);

        var header = SafeTensors.ReadHeader(path);
        Assert.Equal(metadata.OrderBy(k => k.Key, StringComparer.Ordinal), header.Metadata.OrderBy(k => k.Key, StringComparer.Ordinal));
        using var loaded = SafeTensors.Load(path);
        Assert.Equal(metadata.OrderBy(k => k.Key, StringComparer.Ordinal), loaded.Metadata.OrderBy(k => k.Key, StringComparer.Ordinal));
        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Loaded_tensors_belong_to_the_file_until_taken()
    {
        var path = PathOf("own.safetensors");
        using (var scope = torch.NewDisposeScope())
        {
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = torch.ones([3]), ["b"] = torch.zeros([2]) });
        }

        Tensor a, b;
        SafeTensorsFile file;
        using (var scope = torch.NewDisposeScope())
        {
            file = SafeTensors.Load(path);
            Assert.Equal(0, scope.Count);
        }

        a = file["a"];
        Assert.False(a.IsDisposed);
        b = file.Take("b");
        Assert.False(file.ContainsKey("b"));
        var missing = Assert.Throws<KeyNotFoundException>(() => file["b"]);
        Assert.Contains("taken", missing.Message, StringComparison.Ordinal);
        file.Dispose();
        Assert.True(a.IsDisposed);
        Assert.False(b.IsDisposed);
        Assert.Equal(new float[] { 0, 0 }, b.ToArray<float>());
        b.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.Count);
    }

    [Fact]
    public void Save_replaces_atomically_and_leaves_no_temporary_files()
    {
        using var scope = torch.NewDisposeScope();
        var path = PathOf("model.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["x"] = torch.ones([4]) });
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["x"] = torch.full([4], 2) });
        using (var loaded = SafeTensors.Load(path))
        {
            Assert.Equal(new float[] { 2, 2, 2, 2 }, loaded["x"].ToArray<float>());
        }

        // A failing save keeps the previous file whole.
        var disposed = torch.zeros([2]);
        disposed.Dispose();
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, new Dictionary<string, Tensor> { ["x"] = torch.ones([8]), ["y"] = disposed }));
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, new Dictionary<string, Tensor> { [SafeTensors.MetadataKey] = torch.ones([1]) }));
        using (var loaded = SafeTensors.Load(path))
        {
            Assert.Equal(new float[] { 2, 2, 2, 2 }, loaded["x"].ToArray<float>());
        }

        Assert.Equal(new[] { "model.safetensors" }, _dir.GetFiles().Select(f => f.Name));
    }

    [Fact]
    public void An_empty_dictionary_is_a_valid_file()
    {
        var path = PathOf("empty.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor>(), new Dictionary<string, string> { ["k"] = "v" });
        using var loaded = SafeTensors.Load(path);
        Assert.Empty(loaded);
        Assert.Equal("v", loaded.Metadata["k"]);
    }

    // ---- malformed files -----------------------------------------------------------------

    private static byte[] Bytes(string json, byte[]? data = null, ulong? declaredLength = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + (data?.Length ?? 0)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data?.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    private static byte[] Zeros(int n) => new byte[n];

    public static TheoryData<string, string> Corruptions() => new()
    {
        { "empty file", "too short" },
        { "five bytes", "too short" },
        { "header length beyond the file", "is larger than the" },
        { "header length 2^64-1", "is larger than the" },
        { "header cut in the middle", "is larger than the" },
        { "invalid JSON", "not valid UTF-8 JSON" },
        { "invalid UTF-8", "not valid UTF-8 JSON: invalid UTF-8 at header byte 2" },
        { "escaped lone surrogate", "not valid Unicode" },
        { "trailing garbage after the JSON", "not valid UTF-8 JSON" },
        { "header is an array", "not an object" },
        { "entry is a string", "not an object" },
        { "unknown dtype", "unknown or unsupported dtype 'F31'" },
        { "unsupported dtype", "unknown or unsupported dtype 'U16'" },
        { "missing dtype", "no string 'dtype'" },
        { "missing shape", "no 'shape' array" },
        { "negative dimension", "negative dimension -2" },
        { "fractional dimension", "not an integer" },
        { "missing data_offsets", "no 'data_offsets'" },
        { "three data_offsets", "no 'data_offsets'" },
        { "negative offset", "not an offset" },
        { "offset beyond 2^63", "not an offset" },
        { "offsets out of range", "out of range" },
        { "data truncated", "out of range" },
        { "offsets reversed", "end before they begin" },
        { "offsets disagree with dtype and shape", "needs 24 bytes but its data_offsets [0, 20] span 20" },
        { "too many elements", "too many elements" },
        { "overlapping tensors", "overlaps tensor" },
        { "hole between tensors", "hole" },
        { "unclaimed bytes at the end", "hole" },
        { "duplicate tensor name", "names 'a' twice" },
        { "metadata value not a string", "not a string" },
        { "metadata not an object", "not an object of strings" },
        { "BOOL byte not 0 or 1", "must be 0 or 1" },
    };

    private static byte[] Corrupt(string kind)
    {
        const string ok = """{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}""";
        return kind switch
        {
            "empty file" => [],
            "five bytes" => [1, 2, 3, 4, 5],
            "header length beyond the file" => Bytes(ok, Zeros(24), declaredLength: 1000),
            "header length 2^64-1" => Bytes(ok, Zeros(24), declaredLength: ulong.MaxValue),
            "header cut in the middle" => Bytes(ok)[..30],
            "invalid JSON" => Bytes("""{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}""", Zeros(24)),
            "invalid UTF-8" => [.. Bytes("{\"a\"    :{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", Zeros(24)).Select((b, i) => i is 10 ? (byte)0xFF : b)],
            "escaped lone surrogate" => Bytes("""{"\ud800":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}""", Zeros(24)),
            "trailing garbage after the JSON" => Bytes(ok + "\0\0\0", Zeros(24)),
            "header is an array" => Bytes("[1, 2]  "),
            "entry is a string" => Bytes("""{"a":"F32"}"""),
            "unknown dtype" => Bytes("""{"a":{"dtype":"F31","shape":[2,3],"data_offsets":[0,24]}}""", Zeros(24)),
            "unsupported dtype" => Bytes("""{"a":{"dtype":"U16","shape":[2,3],"data_offsets":[0,12]}}""", Zeros(12)),
            "missing dtype" => Bytes("""{"a":{"shape":[2,3],"data_offsets":[0,24]}}""", Zeros(24)),
            "missing shape" => Bytes("""{"a":{"dtype":"F32","data_offsets":[0,24]}}""", Zeros(24)),
            "negative dimension" => Bytes("""{"a":{"dtype":"F32","shape":[-2,-3],"data_offsets":[0,24]}}""", Zeros(24)),
            "fractional dimension" => Bytes("""{"a":{"dtype":"F32","shape":[2.5,3],"data_offsets":[0,24]}}""", Zeros(24)),
            "missing data_offsets" => Bytes("""{"a":{"dtype":"F32","shape":[2,3]}}""", Zeros(24)),
            "three data_offsets" => Bytes("""{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,12,24]}}""", Zeros(24)),
            "negative offset" => Bytes("""{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[-24,0]}}""", Zeros(24)),
            "offset beyond 2^63" => Bytes("""{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,18446744073709551615]}}""", Zeros(24)),
            "offsets out of range" => Bytes("""{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[8,32]}}""", Zeros(24)),
            "data truncated" => Bytes(ok, Zeros(24))[..^5],
            "offsets reversed" => Bytes("""{"a":{"dtype":"F32","shape":[0],"data_offsets":[24,0]}}""", Zeros(24)),
            "offsets disagree with dtype and shape" => Bytes("""{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}""", Zeros(20)),
            "too many elements" => Bytes("""{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}""", Zeros(8)),
            "overlapping tensors" => Bytes("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", Zeros(24)),
            "hole between tensors" => Bytes("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}""", Zeros(24)),
            "unclaimed bytes at the end" => Bytes(ok, Zeros(32)),
            "duplicate tensor name" => Bytes("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", Zeros(2)),
            "metadata value not a string" => Bytes("""{"__metadata__":{"epochs":10},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}""", Zeros(24)),
            "metadata not an object" => Bytes("""{"__metadata__":["pt"],"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}""", Zeros(24)),
            "BOOL byte not 0 or 1" => Bytes("""{"a":{"dtype":"BOOL","shape":[4],"data_offsets":[0,4]}}""", [0, 1, 2, 1]),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_malformed_file_is_a_format_error_naming_file_and_problem(string kind, string expected)
    {
        var path = PathOf("bad.safetensors");
        File.WriteAllBytes(path, Corrupt(kind));

        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensors.Load(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.FilePath);
        Assert.IsAssignableFrom<IOException>(error);
        if (kind != "BOOL byte not 0 or 1")
        {
            // Everything but the data values is checked by the header reader alone.
            var headerError = Assert.Throws<SafeTensorsFormatException>(() => SafeTensors.ReadHeader(path));
            Assert.Equal(error.Message, headerError.Message);
        }
    }

    [Fact]
    public void The_well_formed_twin_of_the_corruption_fixtures_loads()
    {
        var path = PathOf("good.safetensors");
        var data = new byte[24];
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(20), 6.5f);
        File.WriteAllBytes(path, Bytes("""{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}   """, data));
        using var loaded = SafeTensors.Load(path);
        Assert.Equal(new float[] { 0, 0, 0, 0, 0, 6.5f }, loaded["a"].ToArray<float>());
    }

    [Fact]
    public void A_missing_file_is_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(PathOf("absent.safetensors")));
    }

    // ---- interoperability with PyTorch -------------------------------------------------

    private static void AssertMatchesDescription(string name, JsonElement expected, Tensor actual)
    {
        Assert.Equal(expected.GetProperty("dtype").GetString(), SafeTensors.DTypeName(actual.dtype));
        Assert.Equal(expected.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()), actual.shape);
        Assert.True(expected.GetProperty("hex").GetString() == Convert.ToHexStringLower(actual.ToBytes()), $"{name}: the bytes differ from PyTorch's");
    }

    [Fact]
    public void A_file_written_by_python_loads_with_identical_values()
    {
        var path = PathOf("from_python.safetensors");
        var stdout = Python.Run(PySafeTensors.Prelude + """
            torch.manual_seed(7)
            f32 = torch.randn(3, 5)
            f32[0, :4] = torch.tensor([float("nan"), float("inf"), -0.0, 1e-42])
            tensors = {
                "u8": torch.arange(0, 250, 3, dtype=torch.uint8),
                "f32": f32,
                "f32_t": torch.randn(4, 6).t(),
                "f64": torch.randn(2, 2, dtype=torch.float64),
                "f16": torch.randn(7).half(),
                "bf16": torch.randn(3, 3).bfloat16(),
                "i64": torch.randint(-2**62, 2**62, (4,)),
                "i32": torch.randint(-2**31, 2**31 - 1, (2, 3), dtype=torch.int32),
                "i16": torch.tensor([-32768, 32767, 5], dtype=torch.int16),
                "i8": torch.tensor([-128, 127, 0], dtype=torch.int8),
                "bool": torch.rand(9) > 0.5,
                "scalar": torch.tensor(2.5),
                "empty": torch.zeros(0, 4),
                "model.layers.0.weight": torch.randn(2, 3),
            }
            # Unaligned on purpose: one byte first, then the others in an odd order.
            order = ["u8", "bool", "f16", "f32", "i64", "f32_t", "bf16", "i8", "f64", "i32", "i16", "scalar", "empty", "model.layers.0.weight"]
            st_save(sys.argv[1], tensors, {"format": "pt", "source": "python"}, order)
            print(json.dumps(st_describe(tensors)))
            """, path);

        using var doc = JsonDocument.Parse(stdout);
        using var loaded = SafeTensors.Load(path);
        Assert.Equal("pt", loaded.Metadata["format"]);
        Assert.Equal("python", loaded.Metadata["source"]);
        var expected = doc.RootElement.EnumerateObject().ToList();
        Assert.Equal(expected.Select(p => p.Name).Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
        foreach (var p in expected)
        {
            AssertMatchesDescription(p.Name, p.Value, loaded[p.Name]);
        }

        Assert.True(float.IsNaN(loaded["f32"].ToArray<float>()[0]));
    }

    [Fact]
    public void Python_reads_our_file_with_identical_values()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(11);
        var tensors = EveryDtype();
        tensors["random"] = torch.randn([6, 5]).t();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "written by imbfair ✓" };
        var path = PathOf("for_python.safetensors");
        SafeTensors.Save(path, tensors, metadata);

        var stdout = Python.Run(PySafeTensors.Prelude + """
            path = sys.argv[1]
            with open(path, "rb") as f:
                raw = f.read()
            (n,) = struct.unpack("<Q", raw[:8])
            text = raw[8:8 + n].decode("utf-8")
            assert n % 8 == 0, n
            assert text.startswith("{") and text.rstrip(" ").endswith("}"), text
            spans = sorted(tuple(v["data_offsets"]) for k, v in json.loads(text).items() if k != "__metadata__")
            cursor = 0
            for b, e in spans:
                assert b == cursor, (b, cursor)
                cursor = e
            assert cursor == len(raw) - 8 - n
            tensors, metadata = st_load(path)
            print(json.dumps({"tensors": st_describe(tensors), "metadata": metadata}))
            """, path);

        using var doc = JsonDocument.Parse(stdout);
        var fromPython = doc.RootElement.GetProperty("tensors");
        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), fromPython.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var (name, t) in tensors)
        {
            AssertMatchesDescription(name, fromPython.GetProperty(name), t);
        }

        Assert.Equal("written by imbfair ✓", doc.RootElement.GetProperty("metadata").GetProperty("note").GetString());
    }

    // ---- modules ---------------------------------------------------------------------------

    private static nn.Sequential SmallNet(long hidden = 8) => new(new nn.Linear(4, hidden), new nn.LayerNorm(hidden), new nn.Linear(hidden, 3));

    [Fact]
    public void A_state_dict_saved_and_loaded_into_a_fresh_module_reproduces_its_outputs()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        using var trained = SmallNet();
        using (torch.no_grad())
        {
            ((nn.LayerNorm)trained.named_children().ElementAt(1).module).weight.uniform_(0.5, 1.5);
        }

        var x = torch.randn([5, 4]);
        var expected = trained.forward(x).ToArray<float>();
        var path = PathOf("net.safetensors");
        SafeTensors.SaveStateDict(trained, path, new Dictionary<string, string> { ["arch"] = "small" });

        var header = SafeTensors.ReadHeader(path);
        Assert.Equal(new[] { "0.bias", "0.weight", "1.bias", "1.weight", "2.bias", "2.weight" }, header.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));

        torch.manual_seed(2);
        using var fresh = SmallNet();
        Assert.NotEqual(expected, fresh.forward(x).ToArray<float>());
        SafeTensors.LoadStateDict(fresh, path);
        Assert.Equal(expected, fresh.forward(x).ToArray<float>());
        Assert.All(fresh.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void Load_state_dict_names_missing_unexpected_and_mismatched_keys()
    {
        using var scope = torch.NewDisposeScope();
        using var model = SmallNet();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray<float>());

        using var wider = SmallNet(hidden: 9);
        var widerPath = PathOf("wider.safetensors");
        SafeTensors.SaveStateDict(wider, widerPath);
        var mismatch = Assert.Throws<InvalidOperationException>(() => SafeTensors.LoadStateDict(model, widerPath));
        Assert.Contains("size mismatch for 0.weight: the checkpoint has [9, 4], the model [8, 4]", mismatch.Message, StringComparison.Ordinal);
        Assert.Contains("size mismatch for 2.weight", mismatch.Message, StringComparison.Ordinal);
        Assert.Contains("size mismatch for 1.bias", mismatch.Message, StringComparison.Ordinal);

        var partial = new Dictionary<string, Tensor>(model.state_dict());
        partial.Remove("2.bias");
        partial["3.weight"] = torch.zeros([2]);
        partial["0.weight"] = torch.full([8, 4], 5);
        var path = PathOf("partial.safetensors");
        SafeTensors.Save(path, partial);
        var keys = Assert.Throws<InvalidOperationException>(() => SafeTensors.LoadStateDict(model, path));
        Assert.Contains("missing keys: 2.bias", keys.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected keys: 3.weight", keys.Message, StringComparison.Ordinal);

        // Nothing was copied by the failed loads.
        foreach (var (name, t) in model.state_dict())
        {
            Assert.Equal(before[name], t.ToArray<float>());
        }

        // Not strict: the known keys load, the rest is left alone.
        SafeTensors.LoadStateDict(model, path, strict: false);
        Assert.All(model.state_dict()["0.weight"].ToArray<float>(), v => Assert.Equal(5f, v));
        Assert.Equal(before["2.bias"], model.state_dict()["2.bias"].ToArray<float>());
    }
}
