using System.Buffers.Binary;
using System.IO.Compression;
using ImbalanceFair.Torch.IO;

namespace ImbalanceFair.Core.Data.Images;

/// <summary>The row filter the encoder writes (PNG filter types 0 and 2).</summary>
public enum PngFilter
{
    None = 0,
    Up = 2,
}

/// <summary>
/// Writes 8-bit grey or RGB PNG files from planar uint8 samples [channels, height, width]: one IDAT chunk, every
/// row filtered with None or Up, zlib-compressed. For preview grids and test fixtures.
/// </summary>
public static class PngEncoder
{
    public static byte[] Encode(ReadOnlySpan<byte> planar, int channels, int height, int width,
        PngFilter filter = PngFilter.Up, CompressionLevel level = CompressionLevel.Optimal)
    {
        if (channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "PNG encoding takes 1 (grey) or 3 (RGB) channels");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (!Enum.IsDefined(filter))
        {
            throw new ArgumentOutOfRangeException(nameof(filter), filter, "PNG filter None or Up");
        }

        var plane = (long)height * width;
        if (planar.Length != channels * plane)
        {
            throw new ArgumentException($"{planar.Length} bytes do not hold [{channels}, {height}, {width}]", nameof(planar));
        }

        var rowBytes = channels * width;
        var rows = new byte[(long)(rowBytes + 1) * height];
        for (var y = 0; y < height; y++)
        {
            var row = rows.AsSpan((y * (rowBytes + 1)) + 1, rowBytes);
            if (channels == 1)
            {
                planar.Slice(y * width, width).CopyTo(row);
            }
            else
            {
                ReadOnlySpan<byte> r = planar.Slice(y * width, width), g = planar.Slice((int)plane + (y * width), width),
                    b = planar.Slice((int)(2 * plane) + (y * width), width);
                for (var x = 0; x < width; x++)
                {
                    row[3 * x] = r[x];
                    row[(3 * x) + 1] = g[x];
                    row[(3 * x) + 2] = b[x];
                }
            }
        }

        if (filter == PngFilter.Up)
        {
            // Bottom-up, so each row's predecessor is still unfiltered when it is subtracted.
            for (var y = height - 1; y >= 0; y--)
            {
                var start = y * (rowBytes + 1);
                rows[start] = (byte)PngFilter.Up;
                if (y == 0)
                {
                    continue;
                }

                var cur = rows.AsSpan(start + 1, rowBytes);
                ReadOnlySpan<byte> prev = rows.AsSpan(start - rowBytes, rowBytes);
                for (var i = 0; i < cur.Length; i++)
                {
                    cur[i] -= prev[i];
                }
            }
        }

        byte[] compressed;
        using (var ms = new MemoryStream())
        {
            using (var z = new ZLibStream(ms, level, leaveOpen: true))
            {
                z.Write(rows);
            }

            compressed = ms.ToArray();
        }

        using var png = new MemoryStream(compressed.Length + 64);
        png.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
        ihdr[8] = 8;
        ihdr[9] = (byte)(channels == 1 ? 0 : 2);
        WriteChunk(png, "IHDR"u8, ihdr);
        WriteChunk(png, "IDAT"u8, compressed);
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    /// <summary>Encodes and writes the file.</summary>
    public static void Write(string path, ReadOnlySpan<byte> planar, int channels, int height, int width, PngFilter filter = PngFilter.Up) =>
        AtomicFile.WriteBytes(path, Encode(planar, channels, height, width, filter));

    private static void WriteChunk(MemoryStream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        var typed = new byte[4 + data.Length];
        type.CopyTo(typed);
        data.CopyTo(typed.AsSpan(4));
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Compute(typed));
        png.Write(word);
    }
}
