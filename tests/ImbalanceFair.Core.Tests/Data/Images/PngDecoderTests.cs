using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Data.Images;

namespace ImbalanceFair.Core.Tests.Data.Images;

/// <summary>Builds PNG files chunk by chunk, for malformed inputs.</summary>
internal static class PngBytes
{
    public static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    public static byte[] Chunk(string type, ReadOnlySpan<byte> data)
    {
        var bytes = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(bytes, 4);
        data.CopyTo(bytes.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8 + data.Length), Crc32.Compute(bytes.AsSpan(4, 4 + data.Length)));
        return bytes;
    }

    public static byte[] Ihdr(int width, int height, byte depth, byte colour, byte interlace = 0)
    {
        var d = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(d, width);
        BinaryPrimitives.WriteInt32BigEndian(d.AsSpan(4), height);
        d[8] = depth;
        d[9] = colour;
        d[12] = interlace;
        return Chunk("IHDR", d);
    }

    public static byte[] Zlib(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Fastest))
        {
            z.Write(raw);
        }

        return ms.ToArray();
    }

    public static byte[] Png(params byte[][] chunks) => [.. Signature, .. chunks.SelectMany(c => c)];
}

[Collection(PilImagesCollection.Name)]
public class PngDecoderTests(PilImages pil)
{
    [Theory]
    [InlineData("hand_grey8.png")]
    [InlineData("hand_grey1.png")]
    [InlineData("hand_grey2.png")]
    [InlineData("hand_grey4.png")]
    [InlineData("hand_rgb.png")]
    [InlineData("hand_grey_alpha.png")]
    [InlineData("hand_rgba.png")]
    [InlineData("hand_palette8.png")]
    [InlineData("hand_palette4.png")]
    [InlineData("hand_palette2.png")]
    [InlineData("hand_palette1.png")]
    [InlineData("pil_grey.png")]
    [InlineData("pil_rgb_opt.png")]
    [InlineData("pil_rgb_c0.png")]
    [InlineData("pil_rgb_c9.png")]
    [InlineData("pil_rgba.png")]
    [InlineData("pil_grey_alpha.png")]
    [InlineData("pil_palette.png")]
    [InlineData("pil_palette4.png")]
    [InlineData("pil_palette_trns.png")]
    [InlineData("pil_bilevel.png")]
    public void Decodes_exactly_as_PIL_does(string file)
    {
        var (c, h, w) = pil.Cases[file];

        var image = PngDecoder.Decode(pil.Path(file));

        Assert.Equal((c, h, w), (image.Channels, image.Height, image.Width));
        var expected = pil.Expected(file);
        var firstDiff = Enumerable.Range(0, expected.Length).FirstOrDefault(i => expected[i] != image.Pixels[i], -1);
        Assert.True(firstDiff < 0, $"{file}: first difference at sample {firstDiff}: PIL {(firstDiff < 0 ? 0 : expected[firstDiff])}, ours {(firstDiff < 0 ? 0 : image.Pixels[firstDiff])}");
    }

    [Fact]
    public void Every_truncation_of_a_file_is_an_error_that_names_it()
    {
        var png = File.ReadAllBytes(pil.Path("hand_palette4.png"));
        for (var n = 0; n < png.Length; n++)
        {
            var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(png.AsSpan(0, n), "cut.png"));
            Assert.StartsWith("cut.png: ", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Any_flipped_byte_is_an_error_never_a_crash()
    {
        var png = File.ReadAllBytes(pil.Path("hand_rgba.png"));
        for (var i = 0; i < png.Length; i++)
        {
            var bad = png.ToArray();
            bad[i] ^= 0x10;
            Assert.Throws<DataFormatException>(() => PngDecoder.Decode(bad, "flipped.png"));
        }
    }

    [Fact]
    public void A_bad_crc_is_named()
    {
        var png = PngEncoder.Encode(new byte[12], 1, 3, 4);
        png[^13] ^= 1; // the last byte of the IDAT CRC (IEND is the last 12 bytes)

        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(png, "x.png"));

        Assert.Equal("x.png: corrupt: CRC mismatch in chunk IDAT at byte 33" + e.Message[e.Message.IndexOf(" (stored", StringComparison.Ordinal)..], e.Message);
    }

    [Theory]
    [InlineData(8, 2, 1, "Adam7-interlaced")]
    [InlineData(16, 2, 0, "16-bit")]
    [InlineData(16, 0, 0, "16-bit")]
    [InlineData(4, 2, 0, "bit depth 4 is not allowed with colour type 2")]
    [InlineData(8, 5, 0, "colour type 5")]
    public void Unsupported_or_invalid_headers_say_what(byte depth, byte colour, byte interlace, string expected)
    {
        var png = PngBytes.Png(PngBytes.Ihdr(4, 3, depth, colour, interlace), PngBytes.Chunk("IDAT", PngBytes.Zlib(new byte[200])), PngBytes.Chunk("IEND", []));

        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(png, "odd.png"));

        Assert.StartsWith("odd.png: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_interlaced_PNG_is_refused_with_the_file_name()
    {
        var png = PngBytes.Png(PngBytes.Ihdr(4, 3, 8, 0, interlace: 1), PngBytes.Chunk("IDAT", PngBytes.Zlib(new byte[15])), PngBytes.Chunk("IEND", []));

        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(png, "/data/birds/interlaced.png"));

        Assert.Equal("/data/birds/interlaced.png: unsupported: Adam7-interlaced PNG; re-save the image without interlacing", e.Message);
    }

    [Theory]
    [InlineData("filter", "row 1 has filter type 7")]
    [InlineData("short", "truncated: the image data inflates to 10 bytes")]
    [InlineData("zlib", "not a valid zlib stream")]
    [InlineData("no-iend", "no IEND chunk")]
    [InlineData("no-idat", "no IDAT chunk")]
    [InlineData("no-plte", "without a PLTE chunk")]
    [InlineData("critical", "unsupported critical chunk ABCD")]
    [InlineData("first", "the first chunk is IDAT")]
    [InlineData("signature", "not a PNG file")]
    public void Malformed_files_are_errors_that_say_why(string damage, string expected)
    {
        byte[] rows = [0, 1, 2, 3, 4, 7, 1, 2, 3, 4, 0, 1, 2, 3, 4]; // 3 rows of a 4x3 grey image; row 1 has filter 7
        var ok = (byte[])rows.Clone();
        ok[5] = 0;
        var ihdr = PngBytes.Ihdr(4, 3, 8, damage == "no-plte" ? (byte)3 : (byte)0);
        var idat = PngBytes.Chunk("IDAT", PngBytes.Zlib(damage == "filter" ? rows : ok));
        var iend = PngBytes.Chunk("IEND", []);
        var png = damage switch
        {
            "filter" or "no-plte" => PngBytes.Png(ihdr, idat, iend),
            "short" => PngBytes.Png(ihdr, PngBytes.Chunk("IDAT", PngBytes.Zlib(ok[..10])), iend),
            "zlib" => PngBytes.Png(ihdr, PngBytes.Chunk("IDAT", [0x78, 0x9c, 0xff, 0xff, 0xff, 0xff, 0, 0]), iend),
            "no-iend" => PngBytes.Png(ihdr, idat),
            "no-idat" => PngBytes.Png(ihdr, iend),
            "critical" => PngBytes.Png(ihdr, PngBytes.Chunk("ABCD", [1]), idat, iend),
            "first" => PngBytes.Png(idat, ihdr, iend),
            "signature" => [.. PngBytes.Png(ihdr, idat, iend).Select((b, i) => i == 1 ? (byte)'Q' : b)],
            _ => throw new ArgumentException(damage),
        };

        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(png, "bad.png"));

        Assert.StartsWith("bad.png: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ancillary_chunks_and_split_IDAT_are_accepted()
    {
        byte[] rows = [0, 10, 20, 30, 2, 1, 1, 1];
        var z = PngBytes.Zlib(rows);
        var png = PngBytes.Png(PngBytes.Ihdr(3, 2, 8, 0), PngBytes.Chunk("gAMA", [0, 0, 0xb1, 0x8f]), PngBytes.Chunk("IDAT", z[..3]),
            PngBytes.Chunk("IDAT", z[3..]), PngBytes.Chunk("tIME", new byte[7]), PngBytes.Chunk("IEND", []));

        var image = PngDecoder.Decode(png, "ok.png");

        Assert.Equal(new byte[] { 10, 20, 30, 11, 21, 31 }, image.Pixels);
    }

    [Theory]
    [InlineData(1, PngFilter.None)]
    [InlineData(1, PngFilter.Up)]
    [InlineData(3, PngFilter.None)]
    [InlineData(3, PngFilter.Up)]
    public void Our_encoder_round_trips_through_our_decoder(int channels, PngFilter filter)
    {
        var pixels = Enumerable.Range(0, channels * 5 * 7).Select(i => (byte)((i * 37) ^ (i >> 2))).ToArray();

        var image = PngDecoder.Decode(PngEncoder.Encode(pixels, channels, 5, 7, filter), "mem.png");

        Assert.Equal((channels, 5, 7), (image.Channels, image.Height, image.Width));
        Assert.Equal(pixels, image.Pixels);
    }
}
