using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Tests.Support;

namespace ImbalanceFair.Core.Tests.Data.Formats;

public class CifarBinaryFormatTests
{
    /// <summary>Records whose image bytes are (record index + 3·channel + row) so that every image is recognisable.</summary>
    private static byte[] Records(int start, params byte[][] labels) =>
        labels.SelectMany((l, r) => l.Concat(Enumerable.Range(0, 3072).Select(i => (byte)((start + r) + (3 * (i / 1024)) + (i % 1024 / 32))))).ToArray();

    private static string Descriptor(TempDir dir, string source, int classes, int size = 32, int channels = 3) =>
        dir.Write("cifar.yaml", $$"""
            name: tiny-cifar
            format: cifar-binary
            source: {{source}}
            channels: {{channels}}
            image_size: [{{size}}, {{size}}]
            classes: [{{string.Join(", ", Enumerable.Range(0, classes).Select(i => $"c{i}"))}}]
            """);

    [Fact]
    public void Reads_CIFAR10_batches_with_exact_pixels_and_labels()
    {
        using var dir = new TempDir();
        dir.Write("bin/a.bin", Records(0, [3], [9]));
        dir.Write("bin/b.bin", Records(2, [0]));
        dir.Write("bin/t.bin", Records(10, [5], [1]));
        var d = DatasetDescriptor.Load(Descriptor(dir, "{dir: bin, train_files: [a.bin, b.bin], test_files: [t.bin]}", 10));

        var data = DatasetFormats.Get("cifar-binary").Read(d);

        Assert.Equal(new long[] { 3, 9, 0 }, data.Train.Labels);
        Assert.Equal(new long[] { 5, 1 }, data.Test.Labels);
        Assert.Equal(3 * 3072, data.Train.Images.Length);
        // Train image 2 (from b.bin), green channel, row 5: 2 + 3 + 5.
        Assert.Equal(10, data.Train.Images[(2 * 3072) + 1024 + (5 * 32) + 7]);
        Assert.Equal(10 + 1 + 6 + 31, data.Test.Images[(1 * 3072) + 2048 + (31 * 32)]);
        Assert.Null(data.Val);
    }

    [Theory]
    [InlineData("fine", 100, new long[] { 77, 5 })]
    [InlineData("coarse", 20, new long[] { 12, 19 })]
    public void Reads_CIFAR100_fine_or_coarse_labels(string label, int classes, long[] expected)
    {
        using var dir = new TempDir();
        dir.Write("c100/train.bin", Records(0, [12, 77], [19, 5]));
        dir.Write("c100/test.bin", Records(0, [0, 0]));
        var d = DatasetDescriptor.Load(Descriptor(dir, $"{{dir: c100, variant: cifar100, label: {label}}}", classes, size: 16, channels: 1));

        var data = DatasetFormats.Get("cifar-binary").Read(d);

        Assert.Equal(expected, data.Train.Labels);
        Assert.Equal(2 * 16 * 16, data.Train.Images.Length);
        Assert.Equal([dir.File("c100/train.bin"), dir.File("c100/test.bin")], DatasetFormats.Get("cifar-binary").SourceFiles(d));
    }

    [Fact]
    public void A_truncated_record_names_the_file_and_byte_offset()
    {
        using var dir = new TempDir();
        dir.Write("bin/data_batch_1.bin", Records(0, [1], [2]));
        foreach (var i in Enumerable.Range(2, 4))
        {
            dir.Write($"bin/data_batch_{i}.bin", Records(0, [1]));
        }

        dir.Write("bin/test_batch.bin", Records(0, [1], [2])[..^100]);
        var d = DatasetDescriptor.Load(Descriptor(dir, "{dir: bin}", 10));

        var e = Assert.Throws<DataFormatException>(() => DatasetFormats.Get("cifar-binary").Read(d));

        Assert.Equal($"{dir.File("bin/test_batch.bin")}: truncated record at byte offset 3073: 2973 bytes where a CIFAR-10 record needs 3073 (after 1 whole records)", e.Message);
    }

    [Fact]
    public void A_label_out_of_range_is_an_error()
    {
        using var dir = new TempDir();
        dir.Write("bin/train.bin", Records(0, [1], [10]));
        dir.Write("bin/test.bin", Records(0, [1]));
        var d = DatasetDescriptor.Load(Descriptor(dir, "{dir: bin, train_files: [train.bin], test_files: [test.bin]}", 10));

        var e = Assert.Throws<DataFormatException>(() => DatasetFormats.Get("cifar-binary").Read(d));

        Assert.StartsWith($"{dir.File("bin/train.bin")}: record 1 (byte offset 3073) has label 10, out of range", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{dir: bin}", 100, "CIFAR-10 have 10 classes, the descriptor lists 100")]
    [InlineData("{dir: bin, variant: cifar100}", 20, "CIFAR-100 fine labels have 100 classes")]
    [InlineData("{dir: bin, label: coarse}", 10, "only CIFAR-100 has a choice of labels")]
    [InlineData("{dir: bin, variant: cifar100, label: medium}", 100, "'medium' is not a CIFAR-100 label kind")]
    [InlineData("{dir: bin, variant: cifar1000}", 10, "'cifar1000' is not a CIFAR variant")]
    [InlineData("{dir: bin, train_file: [a.bin]}", 10, "unknown key 'source.train_file'")]
    [InlineData("{variant: cifar10}", 10, "source.dir: required key is missing")]
    public void Bad_source_keys_are_config_errors(string source, int classes, string expected)
    {
        using var dir = new TempDir();

        var e = Assert.Throws<ConfigException>(() => DatasetDescriptor.Load(Descriptor(dir, source, classes)));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
