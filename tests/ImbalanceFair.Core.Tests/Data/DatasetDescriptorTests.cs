using ImbalanceFair.Tests.Shared;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Tests.Support;

namespace ImbalanceFair.Core.Tests.Data;

public class DatasetDescriptorTests
{
    [Fact]
    public void The_shipped_descriptors_load()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, "datasets"), "*.yaml"))
        {
            var d = DatasetDescriptor.Load(file);
            Assert.Equal(Path.GetFileNameWithoutExtension(file), d.Name);
            Assert.Equal(d.Channels, d.Mean.Count);
        }
    }

    [Fact]
    public void An_unknown_key_names_the_file_line_and_nearest_key()
    {
        using var dir = new TempDir();
        var path = dir.Write("bad.yaml", """
            name: bad
            format: procedural
            source: {generator: shapes}
            image_size: [8, 8]
            num_clases: 3
            """);

        var e = Assert.Throws<ConfigException>(() => DatasetDescriptor.Load(path));

        Assert.Contains("bad.yaml:5", e.Message, StringComparison.Ordinal);
        Assert.Contains("num_clases", e.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'num_classes'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_source_key_is_rejected_by_its_format()
    {
        using var dir = new TempDir();
        var path = dir.Write("bad.yaml", """
            name: bad
            format: idx
            source: {train_images: a, train_labels: b, test_images: c, test_labels: d, test_lables: e}
            image_size: [8, 8]
            classes: [x, y]
            """);

        var e = Assert.Throws<ConfigException>(() => DatasetDescriptor.Load(path));

        Assert.Contains("source.test_lables", e.Message, StringComparison.Ordinal);
        Assert.Contains("test_labels", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("format: zip", "unknown format")]
    [InlineData("channels: 2", "must be 1 or 3")]
    [InlineData("prompts: [a photo]", "'{}'")]
    public void Bad_values_are_named(string line, string expected)
    {
        using var dir = new TempDir();
        var text = "name: t\nformat: procedural\nsource: {generator: shapes}\nimage_size: [8, 8]\nnum_classes: 3\n";
        var key = line[..line.IndexOf(':', StringComparison.Ordinal)];
        text = text.Contains(key + ":", StringComparison.Ordinal)
            ? string.Join('\n', text.Split('\n').Select(l => l.StartsWith(key + ":", StringComparison.Ordinal) ? line : l))
            : text + line + "\n";
        var path = dir.Write("t.yaml", text);

        var e = Assert.Throws<ConfigException>(() => DatasetDescriptor.Load(path));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("t.yaml:", e.Message, StringComparison.Ordinal);
    }
}
