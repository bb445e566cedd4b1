using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Data.Images;

namespace ImbalanceFair.Core.Tests.Data.Images;

[Collection(PilImagesCollection.Name)]
public class JpegDecoderTests(PilImages pil)
{
    [Theory]
    [InlineData("jpeg_420.jpg")]
    [InlineData("jpeg_444.jpg")]
    [InlineData("jpeg_progressive.jpg")]
    [InlineData("jpeg_grey.jpg")]
    public void Decodes_as_PIL_does(string file)
    {
        var (c, h, w) = pil.Cases[file];

        var image = ImageFile.Decode(pil.Path(file));

        Assert.Equal((c, h, w), (image.Channels, image.Height, image.Width));
        var expected = pil.Expected(file);
        var diffs = expected.Zip(image.Pixels, (a, b) => Math.Abs(a - b)).ToArray();
        Assert.True(diffs.Average() < 1.0, $"{file}: mean absolute difference {diffs.Average():F3}");
        Assert.True(diffs.Max() <= 2, $"{file}: max difference {diffs.Max()}");
    }

    [Fact]
    public void Without_libturbojpeg_the_error_says_how_to_install_it()
    {
        var jpeg = File.ReadAllBytes(pil.Path("jpeg_grey.jpg"));

        var e = Assert.Throws<DataFormatException>(() => JpegDecoder.Decode(jpeg, "/data/a.jpg", "libturbojpeg-absent.so.0"));

        Assert.Equal("/data/a.jpg: JPEG needs libturbojpeg: sudo apt-get install libturbojpeg0 (could not load libturbojpeg-absent.so.0)", e.Message);
    }

    [Fact]
    public void A_truncated_or_corrupt_JPEG_is_an_error_naming_the_file()
    {
        var jpeg = File.ReadAllBytes(pil.Path("jpeg_420.jpg"));

        var truncated = Assert.Throws<DataFormatException>(() => JpegDecoder.Decode(jpeg.AsSpan(0, jpeg.Length / 2), "half.jpg"));
        var header = Assert.Throws<DataFormatException>(() => JpegDecoder.Decode(jpeg.AsSpan(0, 40), "head.jpg"));
        var garbage = Assert.Throws<DataFormatException>(() => JpegDecoder.Decode([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5], "junk.jpg"));

        Assert.StartsWith("half.jpg: corrupt or truncated JPEG", truncated.Message, StringComparison.Ordinal);
        Assert.StartsWith("head.jpg: ", header.Message, StringComparison.Ordinal);
        Assert.StartsWith("junk.jpg: ", garbage.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_are_told_apart_by_content_not_name()
    {
        using var dir = new Support.TempDir();
        var png = dir.Write("actually-a-png.jpg", PngEncoder.Encode(new byte[] { 1, 2, 3, 4 }, 1, 2, 2));
        var text = dir.Write("notes.png", "hello");

        Assert.Equal(new byte[] { 1, 2, 3, 4 }, ImageFile.Decode(png).Pixels);
        var e = Assert.Throws<DataFormatException>(() => ImageFile.Decode(text));
        Assert.Contains("not a PNG or JPEG image", e.Message, StringComparison.Ordinal);
        Assert.Contains("notes.png", e.Message, StringComparison.Ordinal);
    }
}
