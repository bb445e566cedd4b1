using ImbalanceFair.Torch.IO;
using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Data.Images;
using ImbalanceFair.Torch;
using ImbalanceFair.Torch.Serialization;

namespace ImbalanceFair.Core.Results;

/// <summary>
/// augmented.safetensors and augmented_preview.png (DESIGN §6, with <c>output.save_augmented</c>): the samples a
/// strategy added, with their provenance, and a picture of them next to real samples of their class.
/// </summary>
public static class AugmentedFile
{
    public const string TensorsFileName = "augmented.safetensors";

    public const string PreviewFileName = "augmented_preview.png";

    /// <summary>Real samples shown at the start of each preview row.</summary>
    public const int RealPerRow = 4;

    /// <summary>Added samples shown after them.</summary>
    public const int AddedPerRow = 8;

    /// <summary>Pixels between cells and around the grid.</summary>
    public const int Gap = 2;

    /// <summary>Width of the bar between a row's real and added samples, coloured by the source of the added ones.</summary>
    public const int SeparatorWidth = 4;

    private static readonly byte[] s_gapColor = [96, 96, 96];

    /// <summary>
    /// Writes both files into <paramref name="dir"/> (created if needed), each atomically; embedding-space samples have
    /// no pixels to draw, so they get the tensors file only.
    /// </summary>
    public static void Write(string dir, AddedSamples added, RealTrainingData real)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        ArgumentNullException.ThrowIfNull(added);
        Directory.CreateDirectory(dir);
        WriteTensors(Path.Combine(dir, TensorsFileName), added);
        if (!added.Embeddings)
        {
            WritePreview(Path.Combine(dir, PreviewFileName), added, real);
        }
    }

    /// <summary>
    /// images float32 [N, C, H, W] in [0, 1] (uint8 images divided by 255) — or, for embedding-space SMOTE,
    /// embeddings float32 [N, embed] instead (metadata space=embedding) — labels, source (<see cref="SampleSource"/>
    /// values), parent and neighbor as int64 [N], lambda float32 [N] (NaN where not SMOTE).
    /// </summary>
    public static void WriteTensors(string path, AddedSamples added)
    {
        ArgumentNullException.ThrowIfNull(added);
        var n = added.Count;
        using var scope = torch.NewDisposeScope();
        var images = added.Images.dtype == ScalarType.UInt8 ? added.Images.to(ScalarType.Float32).div(255.0) : added.Images.to(ScalarType.Float32);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            [added.Embeddings ? "embeddings" : "images"] = images.to(Device.CPU),
            ["labels"] = added.Labels.to(ScalarType.Int64),
            ["source"] = torch.from_array<long>(added.Source.Select(s => (long)s).ToArray(), [n]),
            ["parent"] = torch.from_array<long>(added.Parent, [n]),
            ["neighbor"] = torch.from_array<long>(added.Neighbor, [n]),
            ["lambda"] = torch.from_array<float>(added.Lambda, [n]),
        };
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["content"] = "imbfair augmented samples",
            ["space"] = added.Embeddings ? "embedding" : "pixel",
            ["source_codes"] = string.Join(",", Enum.GetValues<SampleSource>().Select(s => $"{(int)s}={s.ToString().ToLowerInvariant()}")),
        };
        SafeTensors.Save(path, tensors, metadata);
    }

    /// <summary>Writes <see cref="Preview"/> as an RGB PNG, atomically.</summary>
    public static void WritePreview(string path, AddedSamples added, RealTrainingData real)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (pixels, height, width) = Preview(added, real);
        var png = PngEncoder.Encode(pixels, 3, height, width);
        AtomicFile.WriteBytes(path, png);
    }

    /// <summary>How much the preview enlarges images (nearest neighbour): small images up to about 48 pixels, at most ×8.</summary>
    public static int Scale(int height, int width) => Math.Clamp((int)Math.Ceiling(48.0 / Math.Max(height, width)), 1, 8);

    /// <summary>
    /// The preview grid as planar RGB [3, height, width]: one row per (class, source) with added samples, by class then
    /// source; each shows the class's first <see cref="RealPerRow"/> real samples, a bar coloured by the source
    /// (oversample blue, smote green, synthetic purple, adversarial red, m2m amber), then the first
    /// <see cref="AddedPerRow"/> added samples of that class and source. Cells are separated by <see cref="Gap"/>
    /// grey pixels; a slot with nothing to show stays grey like the separators. Without any added sample, one row per class of real samples
    /// (grey bar, empty added slots). Grey images are shown as grey RGB.
    /// </summary>
    public static (byte[] Pixels, int Height, int Width) Preview(AddedSamples added, RealTrainingData real)
    {
        ArgumentNullException.ThrowIfNull(added);
        ArgumentNullException.ThrowIfNull(real);
        var shape = real.Images.shape;
        int c = (int)shape[1], h = (int)shape[2], w = (int)shape[3];
        // The first AddedPerRow added samples of each (class, source), in one pass.
        var firstAdded = new SortedDictionary<(int cls, SampleSource source), List<long>>();
        for (var i = 0; i < added.Count; i++)
        {
            var key = ((int)added.LabelsHost[i], added.Source[i]);
            if (!firstAdded.TryGetValue(key, out var list))
            {
                firstAdded[key] = list = [];
            }

            if (list.Count < AddedPerRow)
            {
                list.Add(i);
            }
        }

        var rows = firstAdded.Keys.ToList();
        if (added.Count == 0)
        {
            rows.AddRange(Enumerable.Range(0, real.Classes).Select(k => (k, SampleSource.Real)));
        }

        var realPicks = rows.Select(r => real.IndicesOf(r.cls).Take(RealPerRow).ToArray()).ToList();
        var addedPicks = rows.Select(r => firstAdded.TryGetValue(r, out var list) ? list.ToArray() : []).ToList();
        var realPixels = HostBytes(real.Images, realPicks.SelectMany(p => p).ToArray());
        var addedPixels = HostBytes(added.Images, addedPicks.SelectMany(p => p).ToArray());

        var scale = Scale(h, w);
        int cellH = h * scale, cellW = w * scale;
        var width = Gap + (RealPerRow * (cellW + Gap)) + SeparatorWidth + Gap + (AddedPerRow * (cellW + Gap));
        var height = Gap + (Math.Max(1, rows.Count) * (cellH + Gap));
        var canvas = new Canvas(width, height);
        canvas.Fill(0, 0, width, height, s_gapColor);

        var imageSize = c * h * w;
        int realNext = 0, addedNext = 0;
        for (var r = 0; r < rows.Count; r++)
        {
            var y = Gap + (r * (cellH + Gap));
            var x = Gap;
            for (var slot = 0; slot < RealPerRow; slot++, x += cellW + Gap)
            {
                if (slot < realPicks[r].Length)
                {
                    canvas.Image(x, y, realPixels.AsSpan(realNext++ * imageSize, imageSize), c, h, w, scale);
                }
            }

            canvas.Fill(x, y, SeparatorWidth, cellH, ColorOf(rows[r].source));
            x += SeparatorWidth + Gap;
            for (var slot = 0; slot < AddedPerRow; slot++, x += cellW + Gap)
            {
                if (slot < addedPicks[r].Length)
                {
                    canvas.Image(x, y, addedPixels.AsSpan(addedNext++ * imageSize, imageSize), c, h, w, scale);
                }
            }
        }

        return (canvas.Pixels, height, width);
    }

    private static byte[] ColorOf(SampleSource source) => source switch
    {
        SampleSource.Oversample => [66, 133, 244],
        SampleSource.Smote => [52, 168, 83],
        SampleSource.Synthetic => [171, 71, 188],
        SampleSource.Adversarial => [234, 67, 53],
        SampleSource.M2m => [251, 188, 5],
        _ => [160, 160, 160],
    };

    /// <summary>The selected images as uint8 on the host (floating-point images are taken as [0, 1]).</summary>
    private static byte[] HostBytes(Tensor images, long[] positions)
    {
        if (positions.Length == 0)
        {
            return [];
        }

        using var scope = torch.NewDisposeScope();
        var selected = images.index_select(0, torch.from_array<long>(positions, [positions.Length], images.device)).to(Device.CPU);
        if (selected.dtype != ScalarType.UInt8)
        {
            selected = selected.to(ScalarType.Float32).mul(255.0).round().clamp(0, 255).to(ScalarType.UInt8);
        }

        return selected.contiguous().ToArray<byte>();
    }

    /// <summary>A planar RGB image being drawn.</summary>
    private sealed class Canvas(int width, int height)
    {
        public byte[] Pixels { get; } = new byte[3 * width * height];

        public void Fill(int x0, int y0, int w, int h, byte[] rgb)
        {
            for (var o = 0; o < 3; o++)
            {
                for (var y = y0; y < y0 + h; y++)
                {
                    Pixels.AsSpan((o * width * height) + (y * width) + x0, w).Fill(rgb[o]);
                }
            }
        }

        /// <summary>Draws a planar [c, h, w] image at (x0, y0), enlarged <paramref name="scale"/> times (nearest); grey goes to all three channels.</summary>
        public void Image(int x0, int y0, ReadOnlySpan<byte> image, int c, int h, int w, int scale)
        {
            for (var o = 0; o < 3; o++)
            {
                var plane = image.Slice((c == 1 ? 0 : o) * h * w, h * w);
                for (var y = 0; y < h * scale; y++)
                {
                    var row = Pixels.AsSpan((o * width * height) + ((y0 + y) * width) + x0, w * scale);
                    var src = plane.Slice(y / scale * w, w);
                    for (var x = 0; x < row.Length; x++)
                    {
                        row[x] = src[x / scale];
                    }
                }
            }
        }
    }
}
