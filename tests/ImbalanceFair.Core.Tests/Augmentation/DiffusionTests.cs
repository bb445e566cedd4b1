using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Data.Images;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Tests.Data.Images;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Torch;
using Serilog;
using Serilog.Events;

namespace ImbalanceFair.Core.Tests.Augmentation;

[Collection(PilImagesCollection.Name)]
public class DiffusionTests(PilImages pil)
{
    private static readonly string[] Classes = ["cat", "dog", "sea lion"];

    /// <summary>A uniform image of <paramref name="value"/>: it keeps its value through any resize and grey conversion.</summary>
    private static byte[] Flat(int channels, int h, int w, byte value) =>
        PngEncoder.Encode(Enumerable.Repeat(value, channels * h * w).ToArray(), channels, h, w);

    private static DatasetDescriptor Descriptor(TempDir dir, int channels = 1, int size = 4) =>
        DatasetDescriptor.Load(dir.Write("ds.yaml", $"""
            name: three
            format: procedural
            source: {"{generator: shapes}"}
            channels: {channels}
            image_size: [{size}, {size}]
            classes: [cat, dog, sea lion]
            """));

    private static AugmentContext Context(TempDir dir, long seed = 1, int epochs = 4, ILogger? log = null, int channels = 1, int size = 4) =>
        new(seed, Device.CPU, Descriptor(dir, channels, size), epochs, log ?? Serilog.Core.Logger.None);

    private static DiffusionAugmentation Strategy(TempDir dir, string source, string mode = "mix", bool strict = false, long seed = 1,
        int epochs = 4, int? ffrEpochs = null, ILogger? log = null) =>
        new(new DiffusionOptions { Source = dir.File(source), Mode = mode, Strict = strict, FfrEpochs = ffrEpochs }, Context(dir, seed, epochs, log));

    /// <summary>
    /// pool/cat: 2 images (90, 91); pool/dog: d1..d5.png (101..105, RGB 8x8 and grey 2x2) then z.jpg;
    /// pool/sea lion: s0..s{seaLion-1}.png (200, 201, ...).
    /// </summary>
    private string FolderPool(TempDir dir, int seaLion = 5)
    {
        dir.Write("pool/cat/a.png", Flat(1, 4, 4, 90));
        dir.Write("pool/cat/b.png", Flat(1, 4, 4, 91));
        for (var i = 1; i <= 5; i++)
        {
            dir.Write($"pool/dog/d{i}.png", i % 2 == 0 ? Flat(1, 2, 2, (byte)(100 + i)) : Flat(3, 8, 8, (byte)(100 + i)));
        }

        dir.Write("pool/dog/z.jpg", File.ReadAllBytes(pil.Path("jpeg_grey.jpg")));
        dir.Write("pool/dog/notes.txt", "not an image");
        for (var i = 0; i < seaLion; i++)
        {
            dir.Write($"pool/sea lion/s{i}.png", Flat(3, 6, 5, (byte)(200 + i)));
        }

        return "pool";
    }

    private static long[] Balance(RealTrainingData real) => new AugmentTarget().For(real.Counts, Classes);

    /// <summary>The first pixel of each added image (images here are uniform, except the JPEG).</summary>
    private static byte[] FirstPixels(AddedSamples added)
    {
        var size = (int)(added.Images.numel() / Math.Max(1, added.Count));
        var pixels = added.Images.ToArray<byte>();
        return Enumerable.Range(0, added.Count).Select(i => pixels[i * size]).ToArray();
    }

    [Fact]
    public void Folder_layout_fills_each_class_below_target_with_its_own_images_resized()
    {
        using var dir = new TempDir();
        var real = AugmentationTestData.LongTailed(6, 3, 1);
        using var strategy = Strategy(dir, FolderPool(dir));

        using var epoch = strategy.Generate(0, real, Balance(real), null!);
        var added = epoch.Added;

        Assert.False(strategy.RegeneratesEachEpoch);
        Assert.True(epoch.UseReal);
        Assert.Null(epoch.KeptReal);
        Assert.Equal(new long[] { 0, 3, 5 }, added.CountsOf(SampleSource.Synthetic, 3));
        Assert.Equal(new long[] { 8, 1, 4, 4 }, added.Images.shape);
        Assert.Equal(ScalarType.UInt8, added.Images.dtype);
        Assert.All(added.Source, s => Assert.Equal(SampleSource.Synthetic, s));
        Assert.All(added.Parent, p => Assert.Equal(-1, p));
        Assert.All(added.Neighbor, p => Assert.Equal(-1, p));
        Assert.All(added.Lambda, l => Assert.True(float.IsNaN(l)));
        Assert.Equal(new long[] { 1, 1, 1, 2, 2, 2, 2, 2 }, added.LabelsHost);

        // sea lion needs 5 and has 5: all of them, in file order; RGB 6x5 resized to grey 4x4 keeps the value.
        var pixels = added.Images.ToArray<byte>();
        for (var i = 0; i < 5; i++)
        {
            Assert.All(pixels.AsSpan((3 + i) * 16, 16).ToArray(), p => Assert.Equal(200 + i, p));
        }

        // dog needs 3 of its 6: a seeded draw kept in file order; a chosen JPEG is decoded and resized like any image.
        var jpeg = ImageFile.DecodeAll([dir.File("pool/dog/z.jpg")], 1, 4, 4);
        var dogs = Enumerable.Range(0, 3).Select(i => pixels.AsSpan(i * 16, 16).ToArray()).ToList();
        var order = dogs.Select(d => d.SequenceEqual(jpeg) ? 106 : d.All(p => p == d[0]) && d[0] is >= 101 and <= 105 ? d[0] : -1).ToList();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order().Distinct(), order);
    }

    /// <summary>The real data tinted as a run with a colour attribute tints it: [n, 3, 4, 4].</summary>
    private static RealTrainingData Tinted(RealTrainingData grey)
    {
        using var scope = torch.NewDisposeScope();
        var tints = grey.LabelsHost.Select(ColorAttribute.DefaultFor).ToArray();
        var rgb = ColorAttribute.Apply(grey.Images, torch.from_array<long>(tints, [tints.Length])).DetachFromDisposeScope();
        return new RealTrainingData(rgb, grey.Labels, grey.OriginalIndices, grey.Classes);
    }

    [Theory]
    [InlineData("mix", 1.0)]
    [InlineData("ffr", 1.0)]
    [InlineData("mix", 0.0)]
    public void Under_a_colour_attribute_synthetic_images_are_tinted_by_the_training_rule(string mode, double correlation)
    {
        using var dir = new TempDir();
        var real = Tinted(AugmentationTestData.LongTailed(6, 3, 1));
        var options = new DiffusionOptions { Source = dir.File(FolderPool(dir)), Mode = mode, FfrEpochs = mode == "ffr" ? 2 : null };
        var context = Context(dir) with { Attribute = new AttributeOptions { Kind = "color", Correlation = correlation } };
        using var strategy = new DiffusionAugmentation(options, context);

        using var epoch = strategy.Generate(0, real, Balance(real), null!);
        var added = epoch.Added;
        Assert.True(added.Count > 0);
        Assert.Equal(new long[] { added.Count, 3, 4, 4 }, added.Images.shape);

        // Each added image is a flat grey value v tinted by one palette colour: channel k is round(v · palette[tint, k]).
        var pixels = added.Images.ToArray<byte>();
        for (var i = 0; i < added.Count; i++)
        {
            var label = added.LabelsHost[i];
            var expectedTint = correlation == 1.0 ? ColorAttribute.DefaultFor(label) : 1 - ColorAttribute.DefaultFor(label);
            var red = pixels[i * 48];
            var blue = pixels[(i * 48) + 32];
            var tint = red > blue ? 0 : 1;
            Assert.True(tint == expectedTint, $"image {i} (class {label}) is tinted {ColorAttribute.Names[tint]}, not {ColorAttribute.Names[expectedTint]} (correlation {correlation})");
            var grey = tint == 0 ? red / ColorAttribute.Colors[0, 0] : blue / ColorAttribute.Colors[1, 2];
            for (var k = 0; k < 3; k++)
            {
                Assert.Equal(Math.Round(grey * ColorAttribute.Colors[tint, k]), pixels[(i * 48) + (k * 16) + 5], 0);
            }
        }
    }

    [Fact]
    public void The_choice_among_surplus_images_is_fixed_by_the_seed()
    {
        using var dir = new TempDir();
        var real = AugmentationTestData.LongTailed(6, 3, 1);
        var pool = FolderPool(dir);

        byte[] Pick(long seed)
        {
            using var s = Strategy(dir, pool, seed: seed);
            using var e = s.Generate(0, real, Balance(real), null!);
            return e.Added.Images.ToArray<byte>();
        }

        Assert.Equal(Pick(1), Pick(1));
        Assert.Contains(Enumerable.Range(2, 6), seed => !Pick(seed).SequenceEqual(Pick(1)));
    }

    [Fact]
    public void Manifest_layout_takes_labels_by_name_or_index_and_paths_relative_to_the_csv()
    {
        using var dir = new TempDir();
        dir.Write("gen/img/a.png", Flat(1, 4, 4, 110));
        dir.Write("gen/img/b.png", Flat(1, 8, 8, 111));
        dir.Write("gen/img/c.png", Flat(3, 4, 4, 112));
        dir.Write("gen/img/s1.png", Flat(1, 4, 4, 210));
        dir.Write("other/s2.png", Flat(1, 3, 3, 211));
        dir.Write("gen/img/k.png", Flat(1, 4, 4, 90));
        dir.Write("gen/manifest.csv", """
            label,path,attribute,note
            dog,img/a.png,0,x
            1,img/b.png,1,
            2,img/s1.png,0,
            cat,img/k.png,1,
            dog,img/c.png,0,
            sea lion,../other/s2.png,1,
            """);
        var real = AugmentationTestData.LongTailed(4, 3, 2);
        using var strategy = Strategy(dir, "gen/manifest.csv");

        using var epoch = strategy.Generate(0, real, Balance(real), null!);

        Assert.Equal(new long[] { 0, 1, 2 }, epoch.Added.CountsOf(SampleSource.Synthetic, 3));
        Assert.Equal(new long[] { 1, 2, 2 }, epoch.Added.LabelsHost);
        var first = FirstPixels(epoch.Added);
        Assert.Contains(first[0], new byte[] { 110, 111, 112 });
        Assert.Equal(new byte[] { 210, 211 }, first[1..]);
        Assert.Equal(new long[] { 3, 1, 4, 4 }, epoch.Added.Images.shape);
    }

    [Fact]
    public void Images_are_brought_to_the_datasets_channels_and_size()
    {
        using var dir = new TempDir();
        var gradient = Enumerable.Range(0, 12 * 12).Select(i => (byte)(i * 255 / 143)).ToArray();
        dir.Write("pool/sea lion/g.png", PngEncoder.Encode(gradient, 1, 12, 12));
        var real = RgbReal(counts: [2, 2, 1], size: 6);
        var strategy = new DiffusionAugmentation(new DiffusionOptions { Source = dir.File("pool") }, Context(dir, channels: 3, size: 6));

        using var epoch = strategy.Generate(0, real, Balance(real), null!);

        Assert.Equal(new long[] { 1, 3, 6, 6 }, epoch.Added.Images.shape);
        Assert.Equal(ImageConform.Conform(gradient, 1, 1, 12, 12, 3, 6, 6), epoch.Added.Images.ToArray<byte>());
    }

    [Fact]
    public void A_class_with_too_few_images_is_an_error_naming_it_when_strict()
    {
        using var dir = new TempDir();
        var real = AugmentationTestData.LongTailed(6, 3, 1);
        using var strategy = Strategy(dir, FolderPool(dir, seaLion: 4), strict: true);

        var e = Assert.Throws<DataFormatException>(() => strategy.Generate(0, real, Balance(real), null!));

        Assert.StartsWith($"{dir.File("pool")}: class 'sea lion' needs 5 synthetic images to reach its target of 6 (1 real), but the source has 4", e.Message);
        Assert.Contains("strict", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_class_with_too_few_images_uses_them_all_with_a_warning_when_not_strict()
    {
        using var dir = new TempDir();
        var log = new LogCapture();
        var real = AugmentationTestData.LongTailed(6, 3, 1);
        using var strategy = Strategy(dir, FolderPool(dir, seaLion: 4), log: log.Logger);

        using var epoch = strategy.Generate(0, real, Balance(real), null!);

        Assert.Equal(new long[] { 0, 3, 4 }, epoch.Added.CountsOf(SampleSource.Synthetic, 3));
        var warning = Assert.Single(log.Messages(LogEventLevel.Warning));
        Assert.Contains("sea lion", warning, StringComparison.Ordinal);
        Assert.Contains("needs 5 synthetic images", warning, StringComparison.Ordinal);
        Assert.Contains("has only 4", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Source_problems_are_errors_naming_the_file()
    {
        using var dir = new TempDir();
        var real = AugmentationTestData.LongTailed(6, 3, 1);

        string Error(string source)
        {
            using var strategy = Strategy(dir, source);
            return Assert.Throws<DataFormatException>(() => strategy.Generate(0, real, Balance(real), null!)).Message;
        }

        Assert.StartsWith($"{dir.File("nowhere")}: augment.diffusion.source not found", Error("nowhere"));

        FolderPool(dir);
        Directory.CreateDirectory(dir.File("pool/dgo"));
        Assert.Equal(
            $"{dir.File("pool")}: folder 'dgo' is not a class of {dir.File("ds.yaml")} (classes: 'cat', 'dog', 'sea lion')",
            Error("pool"));

        dir.Write("empty/dog/readme.txt", "no images here");
        Assert.StartsWith($"{dir.File("empty")}: no images", Error("empty"));

        dir.Write("img/a.png", Flat(1, 4, 4, 1));
        var csv = dir.Write("bad-label.csv", "path,label\nimg/a.png,dog\nimg/a.png,cow\n");
        Assert.Equal(
            $"{csv}: line 3: unknown label 'cow': expected one of 'cat', 'dog', 'sea lion' or an index below 3 (the classes of {dir.File("ds.yaml")})",
            Error("bad-label.csv"));
        csv = dir.Write("bad-index.csv", "path,label\nimg/a.png,3\n");
        Assert.StartsWith($"{csv}: line 2: unknown label '3'", Error("bad-index.csv"));
        csv = dir.Write("missing.csv", "path,label\nimg/a.png,1\nimg/gone.png,1\n");
        Assert.Equal($"{csv}: line 3: image file 'img/gone.png' not found (looked for {dir.File("img/gone.png")})", Error("missing.csv"));
        csv = dir.Write("header.csv", "file,label\nimg/a.png,1\n");
        Assert.StartsWith($"{csv}: line 1: the header 'file,label' lacks the column(s) path", Error("header.csv"));
        dir.Write("broken/dog/x.png", "not a png");
        Assert.StartsWith($"{dir.File("broken/dog/x.png")}: not a PNG or JPEG image", Error("broken"));
    }

    [Fact]
    public void Options_are_checked_when_the_strategy_is_made()
    {
        using var dir = new TempDir();
        var ctx = Context(dir, epochs: 10);

        var made = AugmentationStrategies.Create(
            new AugmentOptions { Strategy = "diffusion" }.With(new DiffusionOptions { Source = "somewhere", Mode = "ffr" }), ctx);

        var diffusion = Assert.IsType<DiffusionAugmentation>(made);
        Assert.Equal("diffusion", diffusion.Name);
        Assert.True(diffusion.RegeneratesEachEpoch);
        Assert.Equal(5, diffusion.FfrEpochs);
        Assert.Equal(Path.GetFullPath("somewhere"), diffusion.Source);
        Assert.Contains("augment.diffusion.source is required",
            Assert.Throws<ConfigException>(() => AugmentationStrategies.Create(new AugmentOptions { Strategy = "diffusion" }, ctx)).Message, StringComparison.Ordinal);
        Assert.Contains("mix or ffr", Assert.Throws<ConfigException>(() =>
            new DiffusionAugmentation(new DiffusionOptions { Source = "x", Mode = "blend" }, ctx)).Message, StringComparison.Ordinal);
        Assert.Contains("between 0 and train.epochs (10), not 11", Assert.Throws<ConfigException>(() =>
            new DiffusionAugmentation(new DiffusionOptions { Source = "x", Mode = "ffr", FfrEpochs = 11 }, ctx)).Message, StringComparison.Ordinal);
        Assert.Equal(3, DiffusionAugmentation.DefaultFfrEpochs(5));
        Assert.Equal(0, DiffusionAugmentation.DefaultFfrEpochs(0));
    }

    [Fact]
    public void Ffr_trains_on_class_balanced_synthetic_images_alone_then_on_the_real_images_alone()
    {
        using var dir = new TempDir();
        var log = new LogCapture();
        var real = AugmentationTestData.LongTailed(6, 3, 1);
        var pool = FolderPool(dir, seaLion: 8);
        File.Delete(dir.File("pool/dog/z.jpg"));
        dir.Write("pool/dog/d6.png", Flat(1, 4, 4, 106));
        dir.Write("pool/cat/c.png", Flat(1, 4, 4, 92));
        for (var i = 3; i < 8; i++)
        {
            dir.Write($"pool/cat/x{i}.png", Flat(1, 4, 4, (byte)(90 + i)));
        }

        var targets = Balance(real);
        var strategy = Strategy(dir, pool, mode: "ffr", epochs: 5, log: log.Logger);
        using var source = new AugmentedTrainingSource(strategy, real, targets);
        Assert.Equal(3, strategy.FfrEpochs);

        for (var epoch = 0; epoch < 5; epoch++)
        {
            using var set = source.ForEpoch(epoch, null!);
            if (epoch < 3)
            {
                // The head class's target (6) of every class, and not one real image (real pixels are below 30).
                Assert.False(source.Latest!.UseReal);
                Assert.Equal(new long[] { 6, 6, 6 }, set.ClassCounts);
                Assert.Equal(new long[] { 6, 6, 6 }, source.Latest.Added.CountsOf(SampleSource.Synthetic, 3));
                Assert.All(FirstPixels(source.Latest.Added), p => Assert.True(p >= 90));
            }
            else
            {
                Assert.True(source.Latest!.UseReal);
                Assert.Equal(0, source.Latest.Added.Count);
                Assert.Equal(new long[] { 6, 3, 1 }, set.ClassCounts);
                Assert.Equal(real.Images.ToArray<byte>(), set.Images.ToArray<byte>());
            }
        }

        Assert.Empty(log.Messages(LogEventLevel.Warning));
        Assert.Single(log.Messages(LogEventLevel.Information), m => m.Contains("epoch 3 onwards fine-tunes on the 10 real images only", StringComparison.Ordinal));
    }

    [Fact]
    public void Ffr_epochs_sets_the_length_of_the_synthetic_stage()
    {
        using var dir = new TempDir();
        var real = AugmentationTestData.LongTailed(3, 2, 1);
        var pool = FolderPool(dir);
        var targets = Balance(real);

        using var one = Strategy(dir, pool, mode: "ffr", epochs: 4, ffrEpochs: 1);
        Assert.Equal(new[] { false, true, true, true }, Enumerable.Range(0, 4).Select(e =>
        {
            using var a = one.Generate(e, real, targets, null!);
            return a.UseReal;
        }));
        using var none = Strategy(dir, pool, mode: "ffr", epochs: 4, ffrEpochs: 0);
        using var first = none.Generate(0, real, targets, null!);
        Assert.True(first.UseReal);
        Assert.Equal(0, first.Added.Count);
    }

    [Fact]
    public void Ffr_balances_down_to_the_smallest_class_pool_or_fails_when_strict()
    {
        using var dir = new TempDir();
        var real = AugmentationTestData.LongTailed(6, 3, 1);
        var pool = FolderPool(dir, seaLion: 8);
        var targets = Balance(real);
        var log = new LogCapture();

        // cat has 2 images, dog 6, sea lion 8: every class gets 2.
        using var lenient = Strategy(dir, pool, mode: "ffr", log: log.Logger);
        using var epoch = lenient.Generate(0, real, targets, null!);
        Assert.Equal(new long[] { 2, 2, 2 }, epoch.Added.CountsOf(SampleSource.Synthetic, 3));
        Assert.Contains(log.Messages(LogEventLevel.Warning), m => m.Contains("\"cat\" needs 6 synthetic images", StringComparison.Ordinal) && m.Contains("has only 2", StringComparison.Ordinal));

        using var strict = Strategy(dir, pool, mode: "ffr", strict: true);
        Assert.StartsWith($"{dir.File("pool")}: class 'cat' needs 6 synthetic images for ffr's class-balanced synthetic stage (the largest target), but the source has 2",
            Assert.Throws<DataFormatException>(() => strict.Generate(0, real, targets, null!)).Message);

        Directory.Delete(dir.File("pool/cat"), recursive: true);
        using var missing = Strategy(dir, pool, mode: "ffr");
        Assert.Equal($"{dir.File("pool")}: no synthetic images of class 'cat': mode ffr pre-trains on class-balanced synthetic data, which needs images of every class",
            Assert.Throws<DataFormatException>(() => missing.Generate(0, real, targets, null!)).Message);
    }

    private static RealTrainingData RgbReal(int[] counts, int size)
    {
        var labels = counts.SelectMany((n, c) => Enumerable.Repeat((long)c, n)).ToArray();
        using var scope = torch.NewDisposeScope();
        var images = torch.zeros([labels.Length, 3, size, size], ScalarType.UInt8).DetachFromDisposeScope();
        var labelTensor = torch.from_array<long>(labels, [labels.Length]).DetachFromDisposeScope();
        return new RealTrainingData(images, labelTensor, Enumerable.Range(0, labels.Length).Select(i => (long)i).ToArray(), counts.Length);
    }
}
