using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Data;

public class DatasetCacheTests
{
    [Fact]
    public void The_second_load_comes_from_the_cache_with_identical_tensors()
    {
        using var dir = new TempDir();
        var d = DatasetDescriptor.Load(IdxFormatTests.WriteDataset(dir));
        var cache = new DatasetCache(dir.File("cache"));

        using var first = cache.Load(d);
        using var second = cache.Load(d);

        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(first.Train.Images.ToArray<byte>(), second.Train.Images.ToArray<byte>());
        Assert.Equal(new long[] { 6, 1, 4, 4 }, second.Train.Images.shape);
        Assert.Equal(ScalarType.UInt8, second.Train.Images.dtype);
        Assert.Equal(first.Test.LabelsHost, second.Test.LabelsHost);
    }

    [Fact]
    public void A_cancelled_load_stops_and_stores_nothing()
    {
        using var dir = new TempDir();
        var d = DatasetDescriptor.Load(IdxFormatTests.WriteDataset(dir));
        var cache = new DatasetCache(dir.File("cache"));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => cache.Load(d, cancelled.Token));

        Assert.Empty(Directory.Exists(cache.Directory) ? Directory.GetFiles(cache.Directory, "*.safetensors") : []);
        using var loaded = cache.Load(d);
        Assert.False(loaded.FromCache);
    }

    [Fact]
    public void A_changed_source_file_is_decoded_again()
    {
        using var dir = new TempDir();
        var d = DatasetDescriptor.Load(IdxFormatTests.WriteDataset(dir));
        var cache = new DatasetCache(dir.File("cache"));
        using (cache.Load(d))
        {
        }

        // Same size, different content: the labels file now says class 2 for the first image.
        var labels = File.ReadAllBytes(dir.File("data/train-labels"));
        labels[^6] = 2;
        File.WriteAllBytes(dir.File("data/train-labels"), labels);
        File.SetLastWriteTimeUtc(dir.File("data/train-labels"), DateTime.UtcNow.AddMinutes(1));

        using var reloaded = cache.Load(d);

        Assert.False(reloaded.FromCache);
        Assert.Equal(2, reloaded.Train.LabelsHost[0]);
        Assert.Equal(2, Directory.GetFiles(dir.File("cache"), "*.safetensors").Length);
    }

    [Fact]
    public void Nothing_is_cached_from_a_failed_read()
    {
        using var dir = new TempDir();
        var d = DatasetDescriptor.Load(IdxFormatTests.WriteDataset(dir, (name, bytes) => name == "test-images" ? bytes[..^3] : bytes));
        var cache = new DatasetCache(dir.File("cache"));

        Assert.Throws<DataFormatException>(() => cache.Load(d));

        Assert.False(Directory.Exists(dir.File("cache")) && Directory.GetFiles(dir.File("cache"), "*.safetensors").Length > 0);
    }

    [Fact]
    public void A_missing_source_names_the_file_and_how_to_get_it()
    {
        using var dir = new TempDir();
        var d = DatasetDescriptor.Load(IdxFormatTests.WriteDataset(dir));
        File.Delete(dir.File("data/train-labels"));

        var e = Assert.Throws<DataFormatException>(() => new DatasetCache(dir.File("cache")).Load(d));

        Assert.Contains("train-labels", e.Message, StringComparison.Ordinal);
        Assert.Contains("To get it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shapes_are_generated_from_the_descriptor_seed_and_every_class_differs()
    {
        using var dir = new TempDir();
        var path = dir.Write("shapes.yaml", """
            name: shapes
            format: procedural
            source: {generator: shapes, seed: 4, train_per_class: 20, test_per_class: 5}
            channels: 3
            image_size: [16, 16]
            num_classes: 10
            """);
        var d = DatasetDescriptor.Load(path);

        var a = DatasetFormats.Get("procedural").Read(d);
        var b = DatasetFormats.Get("procedural").Read(d);

        Assert.Equal(a.Train.Images, b.Train.Images);
        Assert.Equal("green circle", d.Classes[8]);
        Assert.Equal(200, a.Train.Count);
        Assert.Equal(50, a.Test.Count);
        using var images = torch.from_bytes(a.Train.Images, ScalarType.UInt8, [200, 3, 16, 16]).to(ScalarType.Float32);
        using var labels = torch.from_array<long>(a.Train.Labels, [200]);
        // Mean image per class: ten distinct shape/colour classes give ten clearly different means.
        var means = Enumerable.Range(0, 10).Select(c =>
        {
            using var mask = labels.eq(c);
            using var ofClass = images.index(mask);
            using var mean = ofClass.mean(0);
            return mean.ToArray<float>();
        }).ToArray();
        for (var i = 0; i < 10; i++)
        {
            for (var j = i + 1; j < 10; j++)
            {
                var distance = Math.Sqrt(means[i].Zip(means[j], (x, y) => (x - y) * (x - y)).Sum());
                Assert.True(distance > 100, $"classes {i} and {j} look alike (distance {distance:F1})");
            }
        }
    }
}
