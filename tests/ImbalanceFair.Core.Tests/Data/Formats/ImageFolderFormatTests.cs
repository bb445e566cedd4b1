using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Data.Images;
using ImbalanceFair.Core.Tests.Data.Images;
using ImbalanceFair.Core.Tests.Support;

namespace ImbalanceFair.Core.Tests.Data.Formats;

[Collection(PilImagesCollection.Name)]
public class ImageFolderFormatTests(PilImages pil)
{
    /// <summary>A uniform image: it keeps its value through any resize, so the order of files shows in the pixels.</summary>
    internal static byte[] Flat(int channels, int h, int w, params byte[] value) =>
        PngEncoder.Encode(Enumerable.Range(0, channels).SelectMany(c => Enumerable.Repeat(value[c % value.Length], h * w)).ToArray(), channels, h, w);

    private static string Tree(TempDir dir, string source = "{dir: images}")
    {
        dir.Write("images/train/cat/b.png", Flat(1, 5, 7, 20));
        dir.Write("images/train/cat/a.png", Flat(1, 4, 4, 10));
        dir.Write("images/train/cat/B.png", Flat(3, 9, 3, 30));
        dir.Write("images/train/cat/notes.txt", "not an image");
        dir.Write("images/train/cat/.hidden.png", "ignored");
        dir.Write("images/train/sea lion/x.PNG", Flat(3, 6, 6, 100, 100, 100));
        dir.Write("images/train/dog/only.png", Flat(1, 2, 2, 50));
        dir.Write("images/test/cat/t.png", Flat(1, 4, 4, 60));
        dir.Write("images/test/dog/t.png", Flat(1, 4, 4, 70));
        Directory.CreateDirectory(dir.File("images/test/sea lion"));
        Directory.CreateDirectory(dir.File("images/test/.cache"));
        return dir.Write("folder.yaml", $"""
            name: folder
            format: image-folder
            source: {source}
            channels: 1
            image_size: [4, 4]
            classes: [cat, dog, sea lion]
            """);
    }

    [Fact]
    public void Reads_classes_in_descriptor_order_and_files_in_ordinal_order()
    {
        using var dir = new TempDir();
        dir.Write("images/train/dog/photo.jpg", File.ReadAllBytes(pil.Path("jpeg_grey.jpg")));
        var d = DatasetDescriptor.Load(Tree(dir));

        var data = DatasetFormats.Get("image-folder").Read(d);

        Assert.Equal(new long[] { 0, 0, 0, 1, 1, 2 }, data.Train.Labels);
        Assert.Equal(6 * 16, data.Train.Images.Length);
        // cat: B.png (RGB 30 → grey 30), a.png, b.png; dog: only.png, photo.jpg; sea lion: x.PNG.
        Assert.Equal(new byte[] { 30, 10, 20, 50 }, Enumerable.Range(0, 4).Select(i => data.Train.Images[i * 16]).ToArray());
        Assert.All(data.Train.Images.AsSpan(0, 4 * 16).ToArray().Chunk(16), image => Assert.All(image, p => Assert.Equal(image[0], p)));
        Assert.Equal(100, data.Train.Images[(5 * 16) + 9]);
        Assert.Equal(new long[] { 0, 1 }, data.Test.Labels);
        Assert.Equal(70, data.Test.Images[16 + 5]);
        Assert.Null(data.Val);
    }

    [Fact]
    public void Source_files_are_every_image_or_the_missing_folders()
    {
        using var dir = new TempDir();
        var d = DatasetDescriptor.Load(Tree(dir, "{dir: images, val: valid}"));

        var files = DatasetFormats.Get("image-folder").SourceFiles(d);

        Assert.Equal(["B.png", "a.png", "b.png", "only.png", "x.PNG", "t.png", "t.png", "valid"], files.Select(Path.GetFileName));
        var e = Assert.Throws<DataFormatException>(() => DatasetFormats.Get("image-folder").Read(d));
        Assert.Equal($"{dir.File("images/valid")}: val folder not found (dataset 'folder', {d.File}). To get it: see the descriptor's source paths", e.Message);
    }

    [Fact]
    public void A_folder_that_is_not_a_class_is_named()
    {
        using var dir = new TempDir();
        var yaml = Tree(dir);
        Directory.CreateDirectory(dir.File("images/train/dgo"));
        var d = DatasetDescriptor.Load(yaml);

        var e = Assert.Throws<DataFormatException>(() => DatasetFormats.Get("image-folder").Read(d));

        Assert.Equal($"{dir.File("images/train")}: folder 'dgo' is not a class of {d.File} (classes: 'cat', 'dog', 'sea lion')", e.Message);
    }

    [Fact]
    public void A_class_without_a_folder_is_named()
    {
        using var dir = new TempDir();
        var yaml = Tree(dir);
        Directory.Delete(dir.File("images/test/sea lion"));
        var d = DatasetDescriptor.Load(yaml);

        var e = Assert.Throws<DataFormatException>(() => DatasetFormats.Get("image-folder").Read(d));

        Assert.Equal($"{dir.File("images/test")}: no folder for class 'sea lion' (every class of {d.File} needs one)", e.Message);
    }

    [Fact]
    public void The_first_broken_image_in_order_is_reported()
    {
        using var dir = new TempDir();
        var yaml = Tree(dir);
        dir.Write("images/train/dog/zz.png", Flat(1, 3, 3, 1)[..40]);
        dir.Write("images/train/cat/c.png", "not a png at all");
        var d = DatasetDescriptor.Load(yaml);

        for (var attempt = 0; attempt < 3; attempt++)
        {
            var e = Assert.Throws<DataFormatException>(() => DatasetFormats.Get("image-folder").Read(d));
            Assert.StartsWith($"{dir.File("images/train/cat/c.png")}: not a PNG or JPEG image", e.Message, StringComparison.Ordinal);
        }
    }
}
