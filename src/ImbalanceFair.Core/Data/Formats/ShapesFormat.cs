using System.Globalization;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Data.Formats;

/// <summary>
/// A procedural dataset of geometric shapes that needs no files (tests, demos). Class k draws shape k mod 8;
/// with more than 8 classes its colour (k div 8) is part of the class too, otherwise colour is a nuisance
/// varying per image. Position, size, rotation, colour and background noise vary per image. Everything is
/// generated from the descriptor's own seed, rasterised as whole-batch tensor operations.
/// </summary>
internal sealed class ShapesFormat : IDatasetFormat
{
    internal static readonly string[] ShapeNames = ["circle", "square", "triangle", "cross", "ring", "diamond", "hbar", "vbar"];

    internal static readonly (string name, float r, float g, float b)[] Palette =
    [
        ("red", 0.9f, 0.15f, 0.15f), ("green", 0.15f, 0.8f, 0.2f), ("blue", 0.2f, 0.35f, 0.95f), ("yellow", 0.95f, 0.85f, 0.1f),
        ("magenta", 0.85f, 0.2f, 0.85f), ("cyan", 0.1f, 0.85f, 0.9f), ("orange", 1.0f, 0.55f, 0.05f), ("white", 0.95f, 0.95f, 0.95f),
    ];

    public string Name => "procedural";

    public void Validate(DatasetDescriptor descriptor)
    {
        var s = descriptor.Source;
        var generator = s.GetString("generator") ?? "shapes";
        if (generator != "shapes")
        {
            throw s.Error("generator", $"unknown generator '{generator}' (available: shapes)");
        }

        Options(descriptor);
        s.RejectUnknownKeys();
        if (descriptor.NumClasses > ShapeNames.Length * Palette.Length)
        {
            throw s.Error("generator", $"shapes makes at most {ShapeNames.Length * Palette.Length} classes, the descriptor asks for {descriptor.NumClasses}");
        }
    }

    public IReadOnlyList<string> SourceFiles(DatasetDescriptor descriptor) => [];

    public IReadOnlyList<string> DefaultClassNames(int count) =>
        Enumerable.Range(0, count).Select(k => count <= ShapeNames.Length
            ? ShapeNames[k]
            : $"{Palette[k / ShapeNames.Length % Palette.Length].name} {ShapeNames[k % ShapeNames.Length]}").ToList();

    private static (long seed, int trainPerClass, int testPerClass, double noise) Options(DatasetDescriptor d)
    {
        var s = d.Source;
        var seed = s.GetInt("seed") ?? 0;
        var train = s.GetInt("train_per_class") ?? 500;
        var test = s.GetInt("test_per_class") ?? 100;
        var noise = s.GetDouble("noise") ?? 0.08;
        if (train < 1 || test < 1)
        {
            throw s.Error("train_per_class", "train_per_class and test_per_class must be at least 1");
        }

        if (noise is < 0 or > 1)
        {
            throw s.Error("noise", "must be in [0, 1]");
        }

        return (seed, (int)train, (int)test, noise);
    }

    public DecodedDataset Read(DatasetDescriptor descriptor, CancellationToken cancel = default)
    {
        var (seed, trainPerClass, testPerClass, noise) = Options(descriptor);
        cancel.ThrowIfCancellationRequested();
        var train = Generate(descriptor, trainPerClass, new SeededRandom(seed, 11), noise);
        cancel.ThrowIfCancellationRequested();
        return new DecodedDataset(train, Generate(descriptor, testPerClass, new SeededRandom(seed, 12), noise));
    }

    private static DecodedPart Generate(DatasetDescriptor d, int perClass, SeededRandom rng, double noise)
    {
        int classes = d.NumClasses, h = d.Height, w = d.Width, n = classes * perClass;
        var labels = new long[n];
        // Per image: shape, centre (x, y), radius, angle, colour (r, g, b), noise phase; all in [-1, 1] image units.
        var shape = new long[n];
        var cx = new float[n];
        var cy = new float[n];
        var radius = new float[n];
        var angle = new float[n];
        var rgb = new float[n * 3];
        var phase = new float[n];
        var colourIsClass = classes > ShapeNames.Length;
        for (var i = 0; i < n; i++)
        {
            var k = i % classes;
            labels[i] = k;
            shape[i] = k % ShapeNames.Length;
            radius[i] = (float)(0.35 + (0.25 * rng.NextDouble()));
            cx[i] = (float)((rng.NextDouble() * 2 - 1) * (0.85 - radius[i]));
            cy[i] = (float)((rng.NextDouble() * 2 - 1) * (0.85 - radius[i]));
            angle[i] = (float)((rng.NextDouble() * 2 - 1) * Math.PI / 12);
            var pick = Palette[colourIsClass ? k / ShapeNames.Length % Palette.Length : (int)rng.NextInt64(Palette.Length)];
            var jitter = (float)(0.85 + (0.15 * rng.NextDouble()));
            rgb[(3 * i) + 0] = pick.r * jitter;
            rgb[(3 * i) + 1] = pick.g * jitter;
            rgb[(3 * i) + 2] = pick.b * jitter;
            phase[i] = (float)(rng.NextDouble() * 1000);
        }

        using var scope = torch.NewDisposeScope();
        var ys = torch.linspace(-1, 1, h).view(1, h, 1);
        var xs = torch.linspace(-1, 1, w).view(1, 1, w);
        var dx = xs - torch.tensor(cx).view(n, 1, 1);
        var dy = ys - torch.tensor(cy).view(n, 1, 1);
        var cos = torch.tensor(angle).cos().view(n, 1, 1);
        var sin = torch.tensor(angle).sin().view(n, 1, 1);
        var u = (dx * cos) + (dy * sin);
        var v = (dy * cos) - (dx * sin);
        var r = torch.tensor(radius).view(n, 1, 1);
        var au = u.abs();
        var av = v.abs();
        var dist = ((u * u) + (v * v)).sqrt();
        var masks = new[]
        {
            dist.le(r),
            au.maximum(av).le(r * 0.8),
            v.ge(r * -0.6).logical_and(v.le((r * 0.9) - (au * 1.7))),
            au.le(r * 0.3).logical_and(av.le(r)).logical_or(av.le(r * 0.3).logical_and(au.le(r))),
            dist.le(r).logical_and(dist.ge(r * 0.55)),
            (au + av).le(r),
            au.le(r).logical_and(av.le(r * 0.3)),
            av.le(r).logical_and(au.le(r * 0.3)),
        };
        var stacked = torch.stack(masks.Select(m => m.to(ScalarType.Float32)).ToArray(), 1);
        var mask = stacked.gather(1, torch.tensor(shape).view(n, 1, 1, 1).expand(n, 1, h, w));
        var colour = torch.tensor(rgb, [n, 3]).view(n, 3, 1, 1);
        // A deterministic per-pixel hash as background texture: frac(sin(·)·43758.5453), the classic shader noise.
        var p = torch.tensor(phase).view(n, 1, 1);
        var hash = (((xs * 12.9898) + (ys * 78.233) + p).sin() * 43758.5453).remainder(1.0).unsqueeze(1);
        var background = (hash * noise) + 0.05;
        var image = (mask * colour) + ((1 - mask) * background);
        if (d.Channels == 1)
        {
            image = image.mean(1, keepdim: true);
        }

        var bytes = (image * 255).round().clamp(0, 255).to(ScalarType.UInt8).contiguous().ToBytes();
        return new DecodedPart(bytes, labels);
    }
}
