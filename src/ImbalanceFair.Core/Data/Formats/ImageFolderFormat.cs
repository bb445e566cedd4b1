using ImbalanceFair.Core.Data.Images;

namespace ImbalanceFair.Core.Data.Formats;

/// <summary>
/// A tree of image files, torchvision ImageFolder style: <c>dir/train/&lt;class&gt;/*.png|jpg|jpeg</c> and
/// <c>dir/test/&lt;class&gt;/...</c> (and optionally a val folder). Class folder names are the descriptor's class
/// names; a folder that is not a class, or a class without a folder, is an error. Files are taken in class
/// order, then by ordinal file name, and decoded in parallel, resized to the descriptor's size.
/// <code>
/// source: {dir: data/my-images, train: train, test: test, val: null}
/// </code>
/// </summary>
internal sealed class ImageFolderFormat : IDatasetFormat
{
    public string Name => "image-folder";

    private static (string root, string train, string test, string? val) Parse(DatasetDescriptor d)
    {
        var s = d.Source;
        var root = d.ResolvePath(s.RequireString("dir"));
        return (root, s.GetString("train") ?? "train", s.GetString("test") ?? "test", s.GetString("val"));
    }

    public void Validate(DatasetDescriptor descriptor)
    {
        Parse(descriptor);
        descriptor.Source.RejectUnknownKeys();
        var bad = descriptor.Classes.FirstOrDefault(c => c.Length == 0 || c is "." or ".." || c.IndexOfAny(['/', '\0']) >= 0);
        if (bad is not null)
        {
            throw descriptor.Source.Error("dir", $"class '{bad}' cannot be a folder name, which image-folder needs");
        }
    }

    private static IEnumerable<(string name, string folder)> Splits(DatasetDescriptor d)
    {
        var (root, train, test, val) = Parse(d);
        yield return ("train", Path.Combine(root, train));
        yield return ("test", Path.Combine(root, test));
        if (val is not null)
        {
            yield return ("val", Path.Combine(root, val));
        }
    }

    /// <summary>Every image file when the folders are there; otherwise the missing folders (which the presence check reports).</summary>
    public IReadOnlyList<string> SourceFiles(DatasetDescriptor descriptor)
    {
        var files = new List<string>();
        foreach (var (_, folder) in Splits(descriptor))
        {
            if (!Directory.Exists(folder))
            {
                files.Add(folder);
                continue;
            }

            foreach (var cls in descriptor.Classes)
            {
                var classFolder = Path.Combine(folder, cls);
                if (Directory.Exists(classFolder))
                {
                    files.AddRange(ListImages(classFolder));
                }
                else
                {
                    files.Add(classFolder);
                }
            }
        }

        return files;
    }

    public DecodedDataset Read(DatasetDescriptor descriptor, CancellationToken cancel = default)
    {
        var parts = Splits(descriptor).ToDictionary(s => s.name, s => ReadPart(descriptor, s.name, s.folder, cancel), StringComparer.Ordinal);
        return new DecodedDataset(parts["train"], parts["test"], parts.GetValueOrDefault("val"));
    }

    /// <summary>The image files of one class folder (by extension, hidden files skipped), in ordinal name order.</summary>
    internal static List<string> ListImages(string classFolder) =>
        Directory.EnumerateFiles(classFolder)
            .Where(f => ImageFile.HasImageExtension(f) && !Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// The sub-folder names of <paramref name="folder"/> (hidden ones skipped), in ordinal order; a name that is not one of
    /// <paramref name="classes"/> is a <see cref="DataFormatException"/> naming the folder (<paramref name="classesOf"/>
    /// says where the classes are listed).
    /// </summary>
    internal static List<string> ClassFolders(string folder, IReadOnlyList<string> classes, string classesOf)
    {
        var present = Directory.EnumerateDirectories(folder).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        var unknown = present.Except(classes, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw DataFormatException.For(folder,
                $"{Plural(unknown.Count, "folder")} {Quote(unknown)} {(unknown.Count == 1 ? "is" : "are")} not a class of {classesOf} (classes: {Quote(classes)})");
        }

        return present;
    }

    private static DecodedPart ReadPart(DatasetDescriptor d, string split, string folder, CancellationToken cancel)
    {
        if (!Directory.Exists(folder))
        {
            throw DataFormatException.For(folder, $"{split} folder not found (dataset '{d.Name}', {d.File}). To get it: {d.Obtain}");
        }

        var present = ClassFolders(folder, d.Classes, d.File);
        var missing = d.Classes.Except(present, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw DataFormatException.For(folder, $"no folder for {Plural(missing.Count, "class", "classes")} {Quote(missing)} (every class of {d.File} needs one)");
        }

        var files = new List<string>();
        var labels = new List<long>();
        for (var k = 0; k < d.NumClasses; k++)
        {
            var listed = ListImages(Path.Combine(folder, d.Classes[k]));
            if (listed.Count == 0 && split == "train")
            {
                throw DataFormatException.For(Path.Combine(folder, d.Classes[k]), $"no images (*{string.Join(", *", ImageFile.Extensions)}) for class '{d.Classes[k]}'");
            }

            files.AddRange(listed);
            labels.AddRange(Enumerable.Repeat((long)k, listed.Count));
        }

        if (files.Count == 0)
        {
            throw DataFormatException.For(folder, $"no images in any class folder of the {split} split");
        }

        return new DecodedPart(ImageFile.DecodeAll(files, d.Channels, d.Height, d.Width, cancel: cancel), [.. labels]);
    }

    private static string Plural(int n, string one, string? many = null) => n == 1 ? one : many ?? one + "s";

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}
