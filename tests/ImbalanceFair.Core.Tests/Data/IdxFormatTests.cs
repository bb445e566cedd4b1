using ImbalanceFair.Tests.Shared;
using System.Buffers.Binary;
using System.IO.Compression;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Tests.Support;

namespace ImbalanceFair.Core.Tests.Data;

public class IdxFormatTests
{
    internal static byte[] Idx(int[] dims, byte[] data)
    {
        var bytes = new byte[4 + (4 * dims.Length) + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)dims.Length;
        for (var i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dims[i]);
        }

        data.CopyTo(bytes, 4 + (4 * dims.Length));
        return bytes;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }

    /// <summary>A 3-class, 4x4 IDX dataset: train 6 images, test 3; pixel value = 10·image + row.</summary>
    internal static string WriteDataset(TempDir dir, Func<string, byte[], byte[]>? tamper = null, int size = 4)
    {
        byte[] Images(int n) => Enumerable.Range(0, n * 16).Select(i => (byte)((10 * (i / 16)) + (i % 16 / 4))).ToArray();
        byte[] Labels(int n) => Enumerable.Range(0, n).Select(i => (byte)(i % 3)).ToArray();
        tamper ??= (_, b) => b;
        dir.Write("data/train-images.gz", Gzip(tamper("train-images", Idx([6, 4, 4], Images(6)))));
        dir.Write("data/train-labels", tamper("train-labels", Idx([6], Labels(6))));
        dir.Write("data/test-images", tamper("test-images", Idx([3, 4, 4], Images(3))));
        dir.Write("data/test-labels.gz", Gzip(tamper("test-labels", Idx([3], Labels(3)))));
        return dir.Write("tiny.yaml", $"""
            name: tiny
            format: idx
            source: {"{"}dir: data, train_images: train-images.gz, train_labels: train-labels, test_images: test-images, test_labels: test-labels.gz{"}"}
            channels: 1
            image_size: [{size}, {size}]
            classes: [a, b, c]
            """);
    }

    [Fact]
    public void Reads_raw_and_gzipped_files_with_exact_pixels()
    {
        using var dir = new TempDir();
        var d = DatasetDescriptor.Load(WriteDataset(dir));

        var data = DatasetFormats.Get("idx").Read(d);

        Assert.Equal(6, data.Train.Count);
        Assert.Equal(3, data.Test.Count);
        Assert.Equal(new long[] { 0, 1, 2, 0, 1, 2 }, data.Train.Labels);
        Assert.Equal(16 * 6, data.Train.Images.Length);
        Assert.Equal(10 * 5 + 3, data.Train.Images[(5 * 16) + 15]);
    }

    [Fact]
    public void Resizes_to_the_descriptor_size()
    {
        using var dir = new TempDir();
        var d = DatasetDescriptor.Load(WriteDataset(dir, size: 8));

        var data = DatasetFormats.Get("idx").Read(d);

        Assert.Equal(6 * 64, data.Train.Images.Length);
        // Image 2 has rows 20..23 at 4x4; upsampled rows stay within that range and keep their order.
        var image = data.Train.Images.AsSpan(2 * 64, 64).ToArray();
        Assert.All(image, p => Assert.InRange(p, 20, 23));
        Assert.True(image[0] <= image[63]);
    }

    [Theory]
    [InlineData("train-images", "magic", "not an IDX file")]
    [InlineData("test-images", "truncate", "truncated")]
    [InlineData("train-labels", "label", "out of range")]
    [InlineData("test-labels", "count", "holds 2 labels but")]
    public void Bad_files_are_errors_that_name_the_file(string which, string damage, string expected)
    {
        using var dir = new TempDir();
        var path = WriteDataset(dir, (name, bytes) => name != which ? bytes : damage switch
        {
            "magic" => [0x08, 0x03, .. bytes.AsSpan(2)],
            "truncate" => bytes[..^5],
            "label" => [.. bytes[..^1], 7],
            "count" => Idx([2], [0, 1]),
            _ => bytes,
        });
        var d = DatasetDescriptor.Load(path);

        var e = Assert.Throws<DataFormatException>(() => DatasetFormats.Get("idx").Read(d));

        Assert.Contains(which, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        using var dir = new TempDir();
        var d = DatasetDescriptor.Load(WriteDataset(dir));
        File.Delete(dir.File("data/test-images"));

        var e = Assert.Throws<DataFormatException>(() => DatasetFormats.Get("idx").Read(d));

        Assert.Contains("test-images", e.Message, StringComparison.Ordinal);
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_gzip_stream_is_named()
    {
        using var dir = new TempDir();
        var d = DatasetDescriptor.Load(WriteDataset(dir));
        var gz = File.ReadAllBytes(dir.File("data/train-images.gz"));
        File.WriteAllBytes(dir.File("data/train-images.gz"), gz[..(gz.Length / 2)]);

        var e = Assert.Throws<DataFormatException>(() => DatasetFormats.Get("idx").Read(d));

        Assert.Contains("train-images.gz", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fashion_mnist_from_the_Debian_package_has_its_published_counts()
    {
        var d = DatasetDescriptor.Load(Path.Combine(Repo.Root, "datasets", "fashion-mnist.yaml"));

        var data = DatasetFormats.Get("idx").Read(d);

        Assert.Equal(60000, data.Train.Count);
        Assert.Equal(10000, data.Test.Count);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(6000, data.Train.Labels.Count(l => l == c)));
        Assert.Equal(60000 * 28 * 28, data.Train.Images.Length);
    }
}
