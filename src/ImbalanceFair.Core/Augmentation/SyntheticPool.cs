using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Data.Formats;
using ImbalanceFair.Core.Data.Images;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// Externally generated images available to the <c>diffusion</c> strategy, per class, in a fixed order (listed, not
/// decoded). Two layouts:
/// <list type="bullet">
/// <item>a folder of class sub-folders, ImageFolder style: <c>source/&lt;class name&gt;/*.png|jpg|jpeg</c>, files in
/// ordinal name order; a sub-folder that is not a class is an error, a class without one simply has no images;</item>
/// <item>a manifest CSV with a header row and the columns <c>path,label[,attribute]</c> (any order, other columns
/// ignored; attribute is accepted but unused: added samples carry no attribute); paths relative to the CSV's folder;
/// label a class name or index. Rows keep their CSV order.</item>
/// </list>
/// A missing source, a folder that is not a class, a bad label or a listed file that does not exist is a
/// <see cref="DataFormatException"/> naming the file (and the CSV line).
/// </summary>
internal sealed class SyntheticPool : ISyntheticImages
{
    private SyntheticPool(string source, bool isManifest, List<PoolImage>[] byClass)
    {
        Source = source;
        IsManifest = isManifest;
        ByClass = byClass;
    }

    /// <summary>One image: its full path and, for a manifest, where it is listed ("file line n").</summary>
    public sealed record PoolImage(string File, string? Origin);

    public string Source { get; }

    public bool IsManifest { get; }

    /// <summary>Per class index, the images available.</summary>
    public IReadOnlyList<PoolImage>[] ByClass { get; }

    public long[] Counts => ByClass.Select(l => (long)l.Count).ToArray();

    public string Describe => Source;

    /// <summary>Decodes the chosen files, resized to the real images' channels and size.</summary>
    public AddedSamples Take(IReadOnlyList<(int label, int index)> picks, long[] shape, Device device)
    {
        ArgumentNullException.ThrowIfNull(picks);
        ArgumentNullException.ThrowIfNull(shape);
        using var scope = torch.NewDisposeScope();
        if (picks.Count == 0)
        {
            return AddedSamples.Empty(torch.zeros([0, shape[0], shape[1], shape[2]], ScalarType.UInt8, device));
        }

        var images = picks.Select(p => ByClass[p.label][p.index]).ToList();
        var pixels = ImageFile.DecodeAll(images.Select(i => i.File).ToList(), (int)shape[0], (int)shape[1], (int)shape[2],
            IsManifest ? i => images[i].Origin! : null, RunCancellation.Current);
        var tensor = torch.from_bytes(pixels, ScalarType.UInt8, [picks.Count, shape[0], shape[1], shape[2]]).to(device);
        return AddedSamples.Synthetic(tensor, picks.Select(p => (long)p.label).ToArray());
    }

    /// <param name="source">The folder or manifest (resolved to a full path here).</param>
    /// <param name="classes">Class names in label order.</param>
    /// <param name="classesOf">Where the classes are listed (the dataset descriptor), for error messages.</param>
    public static SyntheticPool Scan(string source, IReadOnlyList<string> classes, string classesOf)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(classes);
        var full = Path.GetFullPath(source);
        if (Directory.Exists(full))
        {
            return FromFolder(full, classes, classesOf);
        }

        if (File.Exists(full))
        {
            return FromManifest(full, classes, classesOf);
        }

        throw DataFormatException.For(full,
            "augment.diffusion.source not found: expected a folder of class sub-folders (<class name>/*.png|jpg|jpeg) or a manifest CSV (path,label[,attribute])");
    }

    private static SyntheticPool FromFolder(string folder, IReadOnlyList<string> classes, string classesOf)
    {
        var byClass = Enumerable.Range(0, classes.Count).Select(_ => new List<PoolImage>()).ToArray();
        foreach (var name in ImageFolderFormat.ClassFolders(folder, classes, classesOf))
        {
            var c = IndexOf(classes, name);
            byClass[c].AddRange(ImageFolderFormat.ListImages(Path.Combine(folder, name)).Select(f => new PoolImage(f, null)));
        }

        if (byClass.All(l => l.Count == 0))
        {
            throw DataFormatException.For(folder,
                $"no images (*{string.Join(", *", ImageFile.Extensions)}) in any class sub-folder: expected {folder}/<class name>/<image> for the classes of {classesOf}");
        }

        return new SyntheticPool(folder, false, byClass);
    }

    private static SyntheticPool FromManifest(string csv, IReadOnlyList<string> classes, string classesOf)
    {
        var root = Path.GetDirectoryName(csv) ?? ".";
        var rows = ManifestFormat.ReadTable<(long label, PoolImage image)>(csv, header =>
        {
            var names = header.Select(h => h.Trim().ToLowerInvariant()).ToList();
            int pathAt = names.IndexOf("path"), labelAt = names.IndexOf("label");
            if (pathAt < 0 || labelAt < 0)
            {
                var missing = new[] { "path", "label" }.Where(c => !names.Contains(c));
                throw DataFormatException.For(csv,
                    $"line 1: the header '{string.Join(',', header)}' lacks the column(s) {string.Join(", ", missing)} (a synthetic-image manifest has path,label[,attribute]; paths relative to the CSV)");
            }

            return (record, line) =>
            {
                var path = record[pathAt];
                if (path.Length == 0)
                {
                    throw DataFormatException.For(csv, $"line {line}: empty image path");
                }

                var label = ManifestFormat.ParseIndex(record[labelAt], classes, "label", "classes", csv, line, classesOf);
                var image = Path.GetFullPath(Path.Combine(root, path));
                if (!File.Exists(image))
                {
                    throw DataFormatException.For(csv, $"line {line}: image file '{path}' not found (looked for {image})");
                }

                return (label, new PoolImage(image, $"{csv} line {line}"));
            };
        });
        if (rows.Count == 0)
        {
            throw DataFormatException.For(csv, "no rows: expected one row per synthetic image (path,label[,attribute])");
        }

        var byClass = Enumerable.Range(0, classes.Count).Select(_ => new List<PoolImage>()).ToArray();
        foreach (var (label, image) in rows)
        {
            byClass[label].Add(image);
        }

        return new SyntheticPool(csv, true, byClass);
    }

    private static int IndexOf(IReadOnlyList<string> classes, string name)
    {
        for (var i = 0; i < classes.Count; i++)
        {
            if (string.Equals(classes[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new ArgumentException($"'{name}' is not a class", nameof(name));
    }
}
