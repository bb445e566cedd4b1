using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Tests.Support;
using static ImbalanceFair.Core.Tests.Data.Formats.ImageFolderFormatTests;

namespace ImbalanceFair.Core.Tests.Data.Formats;

public class ManifestFormatTests
{
    private static string Descriptor(TempDir dir, string source, string classes = "[landbird, waterbird]", string attributes = "[land, water]") =>
        dir.Write("manifest.yaml", $"""
            name: birds
            format: manifest
            source: {source}
            channels: 3
            image_size: [4, 4]
            classes: {classes}
            attribute_values: {attributes}
            """);

    /// <summary>Images with value 10·k for the k-th file listed.</summary>
    private static void Images(TempDir dir, string folder, int count)
    {
        for (var k = 0; k < count; k++)
        {
            dir.Write($"{folder}/img{k}.png", Flat(3, 4 + k, 5, (byte)(10 * k)));
        }
    }

    [Fact]
    public void Reads_a_generic_manifest_with_labels_and_attributes_by_name_or_index()
    {
        using var dir = new TempDir();
        Images(dir, "data/imgs", 6);
        dir.Write("data/list.csv", """
            split,path,label,attribute
            train,imgs/img0.png,waterbird,land
            test,imgs/img1.png,0,1
            train, imgs/img2.png ,landbird,water
            val,imgs/img3.png,1,0

            "train","imgs/img4.png",waterbird,1
            test,imgs/img5.png,landbird,land
            """);
        var d = DatasetDescriptor.Load(Descriptor(dir, "{file: data/list.csv}"));

        var data = DatasetFormats.Get("manifest").Read(d);

        Assert.Equal(new long[] { 1, 0, 1 }, data.Train.Labels);
        Assert.Equal(new long[] { 0, 1, 1 }, data.Train.Attributes);
        Assert.Equal(new byte[] { 0, 20, 40 }, Enumerable.Range(0, 3).Select(i => data.Train.Images[i * 48]).ToArray());
        Assert.Equal(new long[] { 0, 0 }, data.Test.Labels);
        Assert.Equal(new long[] { 1, 0 }, data.Test.Attributes);
        Assert.NotNull(data.Val);
        Assert.Equal(new long[] { 1 }, data.Val.Labels);
        Assert.Equal(30, data.Val.Images[47]);
        Assert.Equal(7, DatasetFormats.Get("manifest").SourceFiles(d).Count);
    }

    [Theory]
    [InlineData("{file: meta/metadata.csv}")]
    [InlineData("{file: meta/metadata.csv, convention: waterbirds}")]
    public void Reads_the_Waterbirds_metadata_convention(string source)
    {
        using var dir = new TempDir();
        Images(dir, "meta/001.Albatross", 5);
        dir.Write("meta/metadata.csv", """
            img_id,img_filename,y,split,place,place_filename
            1,001.Albatross/img0.png,1,0,1,/o/ocean/00001.jpg
            2,001.Albatross/img1.png,1,2,0,/f/forest/00002.jpg
            3,001.Albatross/img2.png,0,1,0,/f/forest/00003.jpg
            4,001.Albatross/img3.png,0,0,0,/b/bamboo/00004.jpg
            5,001.Albatross/img4.png,1,2,1,/l/lake/00005.jpg
            """);
        var d = DatasetDescriptor.Load(Descriptor(dir, source));

        var data = DatasetFormats.Get("manifest").Read(d);

        Assert.Equal(new long[] { 1, 0 }, data.Train.Labels);
        Assert.Equal(new long[] { 1, 0 }, data.Train.Attributes);
        Assert.Equal(new long[] { 1, 1 }, data.Test.Labels);
        Assert.Equal(new long[] { 0, 1 }, data.Test.Attributes);
        Assert.Equal(new long[] { 0 }, data.Val!.Labels);
        Assert.Equal(new long[] { 0 }, data.Val.Attributes);
        Assert.Equal(new byte[] { 0, 30 }, new[] { data.Train.Images[0], data.Train.Images[48 + 17] });
    }

    [Theory]
    [InlineData("missing", "line 3: image file 'imgs/nope.png' not found (looked for ")]
    [InlineData("label", "line 4: unknown label 'zebra': expected one of 'landbird', 'waterbird' or an index below 2")]
    [InlineData("index", "line 4: unknown label '2': expected")]
    [InlineData("attribute", "line 4: unknown attribute 'sky': expected one of 'land', 'water'")]
    [InlineData("split", "line 4: split 'holdout' is not train, val or test")]
    [InlineData("header", "line 1: the header 'file,class,split' is neither the generic")]
    [InlineData("columns", "line 4: 2 fields, the header has 4")]
    [InlineData("no-test", "no test rows")]
    [InlineData("corrupt", "img1.png: truncated")]
    public void Bad_manifests_are_errors_that_name_the_csv_and_line(string damage, string expected)
    {
        using var dir = new TempDir();
        Images(dir, "imgs", 3);
        if (damage == "corrupt")
        {
            dir.Write("imgs/img1.png", File.ReadAllBytes(dir.File("imgs/img1.png"))[..50]);
        }

        var rows = new List<string> { "path,label,attribute,split", "imgs/img0.png,landbird,land,train", "imgs/img1.png,waterbird,water,test", "imgs/img2.png,1,0,train" };
        switch (damage)
        {
            case "missing": rows[2] = "imgs/nope.png,waterbird,water,test"; break;
            case "label": rows[3] = "imgs/img2.png,zebra,0,train"; break;
            case "index": rows[3] = "imgs/img2.png,2,0,train"; break;
            case "attribute": rows[3] = "imgs/img2.png,1,sky,train"; break;
            case "split": rows[3] = "imgs/img2.png,1,0,holdout"; break;
            case "header": rows[0] = "file,class,split"; break;
            case "columns": rows[3] = "imgs/img2.png,1"; break;
            case "no-test": rows[2] = "imgs/img1.png,waterbird,water,val"; break;
        }

        var csv = dir.Write("list.csv", string.Join('\n', rows) + "\n");
        var d = DatasetDescriptor.Load(Descriptor(dir, "{file: list.csv}"));

        var e = Assert.Throws<DataFormatException>(() => DatasetFormats.Get("manifest").Read(d));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        if (damage == "missing")
        {
            Assert.Equal([csv, dir.File("imgs/img0.png"), dir.File("imgs/img2.png")], DatasetFormats.Get("manifest").SourceFiles(d));
        }

        if (damage == "corrupt")
        {
            Assert.EndsWith($"(listed at {csv} line 3)", e.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.StartsWith($"{csv}: ", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_missing_csv_is_the_only_source_file_and_says_how_to_get_it()
    {
        using var dir = new TempDir();
        var d = DatasetDescriptor.Load(Descriptor(dir, "{file: absent/metadata.csv, convention: waterbirds}"));

        Assert.Equal([dir.File("absent/metadata.csv")], DatasetFormats.Get("manifest").SourceFiles(d));
        var e = Assert.Throws<DataFormatException>(() => DatasetFormats.Get("manifest").Read(d));
        Assert.StartsWith($"{dir.File("absent/metadata.csv")}: file not found (dataset 'birds'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_convention_is_a_config_error()
    {
        using var dir = new TempDir();

        var e = Assert.Throws<ImbalanceFair.Core.Config.ConfigException>(() => DatasetDescriptor.Load(Descriptor(dir, "{file: x.csv, convention: celeba}")));

        Assert.Contains("'celeba' is not a manifest convention", e.Message, StringComparison.Ordinal);
    }
}
