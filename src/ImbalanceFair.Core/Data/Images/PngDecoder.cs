using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ImbalanceFair.Core.Data.Images;

/// <summary>
/// Our own PNG decoder (ISO/IEC 15948): signature, chunks with their CRC checked, IHDR, PLTE, the IDAT stream
/// inflated with zlib, and the five row filters. Supported: grey (colour type 0, 1/2/4/8 bits), RGB (2, 8 bits),
/// palette (3, 1/2/4/8 bits), grey+alpha (4, 8 bits), RGBA (6, 8 bits); 16-bit samples and Adam7 interlacing are
/// errors that say so.
/// <para>
/// The result is what PIL gives after <c>convert("RGB")</c> for RGB, RGBA and palette images and
/// <c>convert("L")</c> for grey and grey+alpha ones: the alpha channel (and tRNS transparency) is dropped, not
/// composited; palette images expand to RGB; grey below 8 bits is scaled to 0..255 (1-bit: 0/255, 2-bit: ×85,
/// 4-bit: ×17). A palette index beyond the PLTE entries reads as black, where PIL is lenient too.
/// </para>
/// Every malformation (truncation, a bad CRC, a short or corrupt zlib stream, a bad filter byte) is a
/// <see cref="DataFormatException"/> naming the file and the problem.
/// </summary>
public static class PngDecoder
{
    private static ReadOnlySpan<byte> Signature => [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>True when <paramref name="data"/> starts with the PNG signature.</summary>
    public static bool IsPng(ReadOnlySpan<byte> data) => data.StartsWith(Signature);

    /// <summary>Decodes a PNG file read whole into memory; <paramref name="file"/> names it in errors.</summary>
    public static DecodedImage Decode(string file) => Decode(ImageFile.ReadBytes(file), file);

    /// <summary>Decodes PNG bytes; <paramref name="file"/> names the source in errors.</summary>
    public static DecodedImage Decode(ReadOnlySpan<byte> data, string file)
    {
        if (!IsPng(data))
        {
            throw DataFormatException.For(file, data.Length < Signature.Length && Signature.StartsWith(data)
                ? $"truncated: {data.Length} bytes is shorter than the 8-byte PNG signature"
                : "not a PNG file: the 8-byte PNG signature is missing");
        }

        Header? header = null;
        byte[]? palette = null;
        using var idat = new MemoryStream();
        var pos = Signature.Length;
        var chunks = 0;
        while (true)
        {
            if (data.Length - pos < 12)
            {
                throw DataFormatException.For(file, $"truncated: the file ends at byte {data.Length}, inside the chunk that starts at byte {pos} (no IEND chunk)");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var typeBytes = data.Slice(pos + 4, 4);
            if (!IsChunkType(typeBytes))
            {
                throw DataFormatException.For(file, $"corrupt: the chunk at byte {pos} has type bytes {Convert.ToHexString(typeBytes)}, not 4 ASCII letters");
            }

            var type = Encoding.ASCII.GetString(typeBytes);
            if (length > (uint)(data.Length - pos - 12))
            {
                throw DataFormatException.For(file, $"truncated: chunk {type} at byte {pos} declares {length} data bytes, the file holds {Math.Max(0, data.Length - pos - 12)} more after its header");
            }

            var body = data.Slice(pos + 8, (int)length);
            var stored = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8 + (int)length)..]);
            var actual = Crc32.Compute(data.Slice(pos + 4, 4 + (int)length));
            if (stored != actual)
            {
                throw DataFormatException.For(file, $"corrupt: CRC mismatch in chunk {type} at byte {pos} (stored 0x{stored:x8}, computed 0x{actual:x8})");
            }

            if (chunks++ == 0 && type != "IHDR")
            {
                throw DataFormatException.For(file, $"corrupt: the first chunk is {type}, PNG requires IHDR first");
            }

            switch (type)
            {
                case "IHDR":
                    if (header is not null)
                    {
                        throw DataFormatException.For(file, "corrupt: a second IHDR chunk");
                    }

                    header = Header.Parse(body, file);
                    break;
                case "PLTE":
                    if (length % 3 != 0 || length is 0 or > 768)
                    {
                        throw DataFormatException.For(file, $"corrupt: PLTE holds {length} bytes, expected 3 to 768 in whole RGB entries");
                    }

                    // 256 entries, zero-padded: an index beyond the palette reads as black, without a per-pixel check.
                    palette = new byte[768];
                    body.CopyTo(palette);
                    break;
                case "IDAT":
                    idat.Write(body);
                    break;
                case "IEND":
                    return Finish(header!, palette, idat, file);
                default:
                    if ((typeBytes[0] & 0x20) == 0)
                    {
                        throw DataFormatException.For(file, $"unsupported critical chunk {type} at byte {pos}");
                    }

                    break; // ancillary (tRNS, gAMA, tEXt, ...): ignored
            }

            pos += 12 + (int)length;
        }
    }

    private static bool IsChunkType(ReadOnlySpan<byte> type)
    {
        foreach (var b in type)
        {
            if (!char.IsAsciiLetter((char)b))
            {
                return false;
            }
        }

        return true;
    }

    private static DecodedImage Finish(Header h, byte[]? palette, MemoryStream idat, string file)
    {
        if (idat.Length == 0)
        {
            throw DataFormatException.For(file, "corrupt: no IDAT chunk (the image has no data)");
        }

        if (h.ColourType == 3 && palette is null)
        {
            throw DataFormatException.For(file, "corrupt: a palette image (colour type 3) without a PLTE chunk");
        }

        var stride = h.RowBytes + 1;
        var raw = new byte[(long)stride * h.Height];
        int got;
        try
        {
            using var z = new ZLibStream(new MemoryStream(idat.GetBuffer(), 0, (int)idat.Length, writable: false), CompressionMode.Decompress);
            got = z.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw DataFormatException.For(file, $"corrupt: the image data is not a valid zlib stream ({e.Message})");
        }

        if (got < raw.Length)
        {
            throw DataFormatException.For(file, $"truncated: the image data inflates to {got} bytes, {h.Width}x{h.Height} needs {raw.Length} ({got / stride} of {h.Height} rows)");
        }

        Unfilter(raw, h, file);
        return Emit(raw, h, palette);
    }

    /// <summary>Reverses the per-row filters in place (PNG spec §9): None, Sub, Up, Average, Paeth.</summary>
    private static void Unfilter(byte[] raw, Header h, string file)
    {
        var n = h.RowBytes;
        var bpp = Math.Max(1, h.BitsPerPixel / 8);
        var zero = new byte[n];
        for (var y = 0; y < h.Height; y++)
        {
            var offset = (long)y * (n + 1);
            var filter = raw[offset];
            var cur = raw.AsSpan((int)(offset + 1), n);
            ReadOnlySpan<byte> prev = y == 0 ? zero : raw.AsSpan((int)(offset - n), n);
            switch (filter)
            {
                case 0:
                    break;
                case 1:
                    for (var i = bpp; i < cur.Length; i++)
                    {
                        cur[i] += cur[i - bpp];
                    }

                    break;
                case 2:
                    for (var i = 0; i < cur.Length; i++)
                    {
                        cur[i] += prev[i];
                    }

                    break;
                case 3:
                    for (var i = 0; i < bpp; i++)
                    {
                        cur[i] += (byte)(prev[i] >> 1);
                    }

                    for (var i = bpp; i < cur.Length; i++)
                    {
                        cur[i] += (byte)((cur[i - bpp] + prev[i]) >> 1);
                    }

                    break;
                case 4:
                    for (var i = 0; i < bpp; i++)
                    {
                        cur[i] += prev[i];
                    }

                    for (var i = bpp; i < cur.Length; i++)
                    {
                        cur[i] += Paeth(cur[i - bpp], prev[i], prev[i - bpp]);
                    }

                    break;
                default:
                    throw DataFormatException.For(file, $"corrupt: row {y} has filter type {filter} (valid: 0 to 4)");
            }
        }
    }

    private static byte Paeth(byte a, byte b, byte c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>Unfiltered rows → planar output: deinterleave, drop alpha, expand palette, unpack and scale low bit depths.</summary>
    private static DecodedImage Emit(byte[] raw, Header h, byte[]? palette)
    {
        int w = h.Width, height = h.Height, stride = h.RowBytes + 1;
        var channels = h.ColourType is 2 or 3 or 6 ? 3 : 1;
        var plane = w * height;
        var output = new byte[(long)channels * plane];
        var indices = h.BitDepth < 8 ? new byte[w] : null;
        for (var y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = raw.AsSpan((y * stride) + 1, h.RowBytes);
            var o = y * w;
            switch (h.ColourType)
            {
                case 0 when h.BitDepth == 8:
                    row.CopyTo(output.AsSpan(o, w));
                    break;
                case 0:
                    Unpack(row, h.BitDepth, output.AsSpan(o, w));
                    var scale = (byte)(255 / ((1 << h.BitDepth) - 1));
                    var grey = output.AsSpan(o, w);
                    for (var x = 0; x < grey.Length; x++)
                    {
                        grey[x] = (byte)(grey[x] * scale);
                    }

                    break;
                case 4:
                    var l = output.AsSpan(o, w);
                    for (var x = 0; x < l.Length; x++)
                    {
                        l[x] = row[2 * x];
                    }

                    break;
                case 2 or 6:
                    {
                        var step = h.ColourType == 2 ? 3 : 4;
                        Span<byte> r = output.AsSpan(o, w), g = output.AsSpan(plane + o, w), b = output.AsSpan((2 * plane) + o, w);
                        for (var x = 0; x < r.Length; x++)
                        {
                            var s = step * x;
                            r[x] = row[s];
                            g[x] = row[s + 1];
                            b[x] = row[s + 2];
                        }

                        break;
                    }

                case 3:
                    {
                        ReadOnlySpan<byte> index = row;
                        if (indices is not null)
                        {
                            Unpack(row, h.BitDepth, indices);
                            index = indices;
                        }

                        ReadOnlySpan<byte> p = palette;
                        Span<byte> r = output.AsSpan(o, w), g = output.AsSpan(plane + o, w), b = output.AsSpan((2 * plane) + o, w);
                        for (var x = 0; x < r.Length; x++)
                        {
                            var e = 3 * index[x];
                            r[x] = p[e];
                            g[x] = p[e + 1];
                            b[x] = p[e + 2];
                        }

                        break;
                    }
            }
        }

        return new DecodedImage(channels, height, w, output);
    }

    /// <summary>Samples of 1, 2 or 4 bits, most significant first, one byte each.</summary>
    private static void Unpack(ReadOnlySpan<byte> row, int depth, Span<byte> samples)
    {
        var perByte = 8 / depth;
        var mask = (1 << depth) - 1;
        for (var x = 0; x < samples.Length; x++)
        {
            var shift = 8 - (depth * ((x % perByte) + 1));
            samples[x] = (byte)((row[x / perByte] >> shift) & mask);
        }
    }

    private sealed record Header(int Width, int Height, int BitDepth, int ColourType)
    {
        private int Samples => ColourType switch { 2 => 3, 4 => 2, 6 => 4, _ => 1 };

        public int BitsPerPixel => BitDepth * Samples;

        public int RowBytes => (int)(((long)Width * BitsPerPixel + 7) / 8);

        public static Header Parse(ReadOnlySpan<byte> body, string file)
        {
            if (body.Length != 13)
            {
                throw DataFormatException.For(file, $"corrupt: IHDR holds {body.Length} bytes, expected 13");
            }

            var width = BinaryPrimitives.ReadUInt32BigEndian(body);
            var height = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
            int depth = body[8], colour = body[9], compression = body[10], filter = body[11], interlace = body[12];
            if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
            {
                throw DataFormatException.For(file, $"corrupt: IHDR gives the size {width}x{height}");
            }

            ImageLimits.Check(file, width, height);

            var allowed = colour switch
            {
                0 => new[] { 1, 2, 4, 8, 16 },
                2 or 4 or 6 => [8, 16],
                3 => [1, 2, 4, 8],
                _ => throw DataFormatException.For(file, $"corrupt: IHDR colour type {colour} does not exist (0, 2, 3, 4 or 6)"),
            };
            if (!allowed.Contains(depth))
            {
                throw DataFormatException.For(file, $"corrupt: bit depth {depth} is not allowed with colour type {colour}");
            }

            if (depth == 16)
            {
                throw DataFormatException.For(file, "unsupported: 16-bit samples (only 8-bit, and 1/2/4-bit grey or palette, are read); re-save the image with 8 bits per sample");
            }

            if (compression != 0 || filter != 0)
            {
                throw DataFormatException.For(file, $"corrupt: IHDR compression method {compression} / filter method {filter} (PNG defines only 0)");
            }

            if (interlace == 1)
            {
                throw DataFormatException.For(file, "unsupported: Adam7-interlaced PNG; re-save the image without interlacing");
            }

            if (interlace != 0)
            {
                throw DataFormatException.For(file, $"corrupt: IHDR interlace method {interlace} (0 or 1)");
            }

            var h = new Header((int)width, (int)height, depth, colour);
            var channels = colour is 2 or 3 or 6 ? 3 : 1;
            if (((long)h.RowBytes + 1) * height > Array.MaxLength || (long)channels * width * height > Array.MaxLength)
            {
                throw DataFormatException.For(file, $"unsupported: the image is too large ({width}x{height})");
            }

            return h;
        }
    }
}
