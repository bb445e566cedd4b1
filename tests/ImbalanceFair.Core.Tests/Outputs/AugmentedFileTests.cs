using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Data.Images;
using ImbalanceFair.Core.Results;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Torch;
using ImbalanceFair.Torch.Serialization;

namespace ImbalanceFair.Core.Tests.Outputs;

public class AugmentedFileTests
{
    private const int C = 3, H = 2, W = 3;

    /// <summary>Pixel (k, y, x) of image i: (37·i + 11·k + 3·y + x) mod 256 — every image, channel and position differs.</summary>
    private static byte[] Pixels(int n, int offset) =>
        Enumerable.Range(0, n * C * H * W).Select(j =>
        {
            int i = j / (C * H * W), k = j / (H * W) % C, y = j / W % H, x = j % W;
            return (byte)(((37 * (i + offset)) + (11 * k) + (3 * y) + x) % 256);
        }).ToArray();

    /// <summary>RGB 2x3 real images: 5 of class 0, 2 of class 1, 1 of class 2.</summary>
    private static RealTrainingData Real()
    {
        long[] labels = [0, 1, 0, 0, 2, 1, 0, 0];
        using var scope = torch.NewDisposeScope();
        var images = torch.from_bytes(Pixels(8, 0), ScalarType.UInt8, [8, C, H, W]).DetachFromDisposeScope();
        return new RealTrainingData(images, torch.from_array<long>(labels, [8]).DetachFromDisposeScope(), labels.Select((_, i) => 500L + i).ToArray(), 3);
    }

    private static readonly long[] AddedLabels = [1, 1, 2, 2, 2, 1];

    private static readonly SampleSource[] AddedSource =
        [SampleSource.Oversample, SampleSource.Smote, SampleSource.Smote, SampleSource.Adversarial, SampleSource.Synthetic, SampleSource.Oversample];

    private static AddedSamples Added()
    {
        using var scope = torch.NewDisposeScope();
        return new AddedSamples(
            torch.from_bytes(Pixels(6, 100), ScalarType.UInt8, [6, C, H, W]),
            torch.from_array<long>(AddedLabels, [6]),
            AddedSource,
            [501, 505, 504, 504, -1, 505],
            [-1, 501, 504, -1, -1, -1],
            [float.NaN, 0.25f, 0.75f, float.NaN, float.NaN, float.NaN]);
    }

    [Fact]
    public void Augmented_safetensors_holds_the_samples_and_their_provenance()
    {
        using var dir = new TempDir();
        using var added = Added();

        AugmentedFile.Write(dir.Path, added, Real());

        using var file = SafeTensors.Load(dir.File("augmented.safetensors"));
        Assert.Equal(["images", "labels", "lambda", "neighbor", "parent", "source"], file.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(ScalarType.Float32, file["images"].dtype);
        Assert.Equal(new long[] { 6, C, H, W }, file["images"].shape);
        Assert.Equal(Pixels(6, 100).Select(p => p / 255f), file["images"].ToArray<float>());
        foreach (var name in new[] { "labels", "source", "parent", "neighbor" })
        {
            Assert.Equal(ScalarType.Int64, file[name].dtype);
            Assert.Equal(new long[] { 6 }, file[name].shape);
        }

        Assert.Equal(AddedLabels, file["labels"].ToArray<long>());
        Assert.Equal(new long[] { 1, 2, 2, 4, 3, 1 }, file["source"].ToArray<long>());
        Assert.Equal(new long[] { 501, 505, 504, 504, -1, 505 }, file["parent"].ToArray<long>());
        Assert.Equal(new long[] { -1, 501, 504, -1, -1, -1 }, file["neighbor"].ToArray<long>());
        Assert.Equal(ScalarType.Float32, file["lambda"].dtype);
        var lambda = file["lambda"].ToArray<float>();
        Assert.Equal([0.25f, 0.75f], lambda[1..3]);
        Assert.All(new[] { lambda[0], lambda[3], lambda[4], lambda[5] }, l => Assert.True(float.IsNaN(l)));
        Assert.Equal("0=real,1=oversample,2=smote,3=synthetic,4=adversarial,5=m2m", file.Metadata["source_codes"]);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void The_preview_has_a_row_per_class_and_source_with_real_samples_then_added_ones()
    {
        using var dir = new TempDir();
        using var added = Added();
        var real = Real();

        AugmentedFile.Write(dir.Path, added, real);

        var png = PngDecoder.Decode(dir.File("augmented_preview.png"));
        // Rows: (1, oversample), (1, smote), (2, smote), (2, synthetic), (2, adversarial). 2x3 images are enlarged 8 times.
        var scale = AugmentedFile.Scale(H, W);
        Assert.Equal(8, scale);
        int cellH = H * scale, cellW = W * scale, gap = AugmentedFile.Gap;
        var width = gap + (4 * (cellW + gap)) + AugmentedFile.SeparatorWidth + gap + (8 * (cellW + gap));
        Assert.Equal((3, 5 * (cellH + gap) + gap, width), (png.Channels, png.Height, png.Width));
        Assert.Equal(AugmentedFile.Preview(added, real).Pixels, png.Pixels);

        byte[] At(int x, int y) => [.. Enumerable.Range(0, 3).Select(k => png.Pixels[(k * png.Height * png.Width) + (y * png.Width) + x])];
        byte[] Source(byte[] images, int i, int y, int x) => [.. Enumerable.Range(0, 3).Select(k => images[(i * C * H * W) + (k * H * W) + (y * W) + x])];
        var realPixels = Pixels(8, 0);
        var addedPixels = Pixels(6, 100);
        int Row(int r) => gap + (r * (cellH + gap));
        int RealX(int slot) => gap + (slot * (cellW + gap));
        int AddedX(int slot) => gap + (4 * (cellW + gap)) + AugmentedFile.SeparatorWidth + gap + (slot * (cellW + gap));

        // Row 0 = class 1, oversample: its real samples (positions 1, 5), then added 0 and 5; pixel (y, x) fills an 8x8 block.
        Assert.Equal(Source(realPixels, 1, 0, 0), At(RealX(0), Row(0)));
        Assert.Equal(Source(realPixels, 1, 1, 2), At(RealX(0) + (2 * scale) + 7, Row(0) + scale));
        Assert.Equal(Source(realPixels, 5, 0, 1), At(RealX(1) + scale, Row(0) + 3));
        Assert.Equal(new byte[] { 96, 96, 96 }, At(RealX(2), Row(0)));
        Assert.Equal(new byte[] { 66, 133, 244 }, At(RealX(4), Row(0)));
        Assert.Equal(Source(addedPixels, 0, 1, 1), At(AddedX(0) + scale, Row(0) + scale));
        Assert.Equal(Source(addedPixels, 5, 0, 0), At(AddedX(1), Row(0)));
        Assert.Equal(new byte[] { 96, 96, 96 }, At(AddedX(2), Row(0)));
        // Row 1 = class 1, smote (green bar); rows 2-4 = class 2 by source code: smote, synthetic (purple), adversarial (red), after its one real sample.
        Assert.Equal(new byte[] { 52, 168, 83 }, At(RealX(4), Row(1)));
        Assert.Equal(Source(addedPixels, 1, 0, 0), At(AddedX(0), Row(1)));
        Assert.Equal(Source(realPixels, 4, 0, 0), At(RealX(0), Row(2)));
        Assert.Equal(Source(addedPixels, 2, 0, 0), At(AddedX(0), Row(2)));
        Assert.Equal(new byte[] { 171, 71, 188 }, At(RealX(4), Row(3)));
        Assert.Equal(Source(addedPixels, 4, 0, 0), At(AddedX(0), Row(3)));
        Assert.Equal(new byte[] { 234, 67, 53 }, At(RealX(4), Row(4)));
        Assert.Equal(Source(addedPixels, 3, 0, 0), At(AddedX(0), Row(4)));
        // Separators between cells and around the grid.
        Assert.Equal(new byte[] { 96, 96, 96 }, At(0, 0));
        Assert.Equal(new byte[] { 96, 96, 96 }, At(RealX(0) + cellW, Row(0)));
        Assert.Equal(new byte[] { 96, 96, 96 }, At(RealX(0), Row(0) + cellH));
    }

    [Fact]
    public void Grey_images_are_shown_grey_and_nothing_added_still_gives_the_files()
    {
        using var dir = new TempDir();
        var real = Tests.Augmentation.AugmentationTestData.LongTailed(3, 2, 1);
        using var empty = AddedSamples.Empty(real.Images);

        AugmentedFile.Write(dir.Path, empty, real);

        using (var file = SafeTensors.Load(dir.File("augmented.safetensors")))
        {
            Assert.Equal(new long[] { 0, 1, 4, 4 }, file["images"].shape);
            Assert.Equal(new long[] { 0 }, file["lambda"].shape);
        }

        var png = PngDecoder.Decode(dir.File("augmented_preview.png"));
        var cell = 4 * AugmentedFile.Scale(4, 4);
        Assert.Equal(32, cell);
        Assert.Equal(3 * (cell + AugmentedFile.Gap) + AugmentedFile.Gap, png.Height);
        // Real image 3 (class 1, value 13) at row 1, grey in all three channels.
        var x = AugmentedFile.Gap;
        var y = AugmentedFile.Gap + cell + AugmentedFile.Gap;
        Assert.All(Enumerable.Range(0, 3), k => Assert.Equal(13, png.Pixels[(k * png.Height * png.Width) + (y * png.Width) + x]));
    }
}
