using System.Buffers.Binary;
using System.Text;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Data.Images;

namespace ImbalanceFair.Core.Tests.Data.Images;

/// <summary>The pixel cap checked from the header before any pixel memory is taken, and the PNG chunk CRC.</summary>
public sealed class ImageLimitTests
{
    [Fact]
    public void A_png_header_asking_for_400_megapixels_is_refused_before_decoding_with_the_setting_named()
    {
        var png = Png(20000, 20000);

        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(png, "huge.png"));

        Assert.Contains("huge.png", e.Message, StringComparison.Ordinal);
        Assert.Contains("20000x20000 = 400000000 pixels", e.Message, StringComparison.Ordinal);
        Assert.Contains(ImageLimits.Variable, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cap_is_a_setting_an_image_at_it_passes_and_one_pixel_more_does_not()
    {
        ImageLimits.Check("a.png", 100, 100, max: 10_000);
        Assert.Throws<DataFormatException>(() => ImageLimits.Check("a.png", 101, 100, max: 10_000));
        Assert.Equal(8192L * 8192, ImageLimits.DefaultMaxPixels);
    }

    [Fact]
    public void The_chunk_crc_is_the_iso_3309_crc32()
    {
        // The check value of CRC-32/ISO-HDLC, and the CRC of an IEND chunk's type (every PNG ends with AE 42 60 82).
        Assert.Equal(0xCBF43926u, Crc32.Compute(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0xAE426082u, Crc32.Compute(Encoding.ASCII.GetBytes("IEND")));
    }

    /// <summary>A PNG with a valid 8-bit grey IHDR of the given size, a one-byte IDAT and IEND, every CRC right.</summary>
    private static byte[] Png(uint width, uint height)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        Chunk(stream, "IHDR", ihdr);
        Chunk(stream, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        Chunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void Chunk(Stream stream, string type, byte[] body)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)body.Length);
        stream.Write(word);
        var typed = Encoding.ASCII.GetBytes(type).Concat(body).ToArray();
        stream.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Compute(typed));
        stream.Write(word);
    }
}
