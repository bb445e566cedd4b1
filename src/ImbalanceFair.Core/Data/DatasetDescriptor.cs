using ImbalanceFair.Core.Config;

namespace ImbalanceFair.Core.Data;

/// <summary>
/// One dataset as described by a YAML file in datasets/: where its files are, how to read them, its classes,
/// the prompt templates for the text tower, and the image geometry and normalisation.
/// </summary>
public sealed class DatasetDescriptor
{
    public required string Name { get; init; }

    /// <summary>The descriptor file this was read from.</summary>
    public required string File { get; init; }

    public required string Format { get; init; }

    public string? Description { get; init; }

    /// <summary>Class names in label order.</summary>
    public required IReadOnlyList<string> Classes { get; init; }

    public required int Channels { get; init; }

    public required int Height { get; init; }

    public required int Width { get; init; }

    public required IReadOnlyList<double> Mean { get; init; }

    public required IReadOnlyList<double> Std { get; init; }

    /// <summary>Prompt templates with "{}" where the class name goes.</summary>
    public required IReadOnlyList<string> Prompts { get; init; }

    /// <summary>How to get the files when they are missing (shown in errors and by `imbfair datasets`).</summary>
    public required string Obtain { get; init; }

    /// <summary>Names of the values of the dataset's own attribute column (manifest), if it has one.</summary>
    public IReadOnlyList<string>? AttributeValues { get; init; }

    /// <summary>The format-specific <c>source</c> mapping; the format reads and checks its own keys.</summary>
    public required YamlObject Source { get; init; }

    public int NumClasses => Classes.Count;

    public string Directory => System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(File)) ?? ".";

    /// <summary>A source path: absolute as given, else relative to the descriptor's folder.</summary>
    public string ResolvePath(string path) =>
        System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.GetFullPath(System.IO.Path.Combine(Directory, path));

    public static DatasetDescriptor Load(string file)
    {
        var y = YamlObject.Load(file).Allow("name", "format", "description", "obtain", "source", "channels", "image_size",
            "normalize", "classes", "num_classes", "prompts", "attribute_values");
        var name = y.RequireString("name");
        var format = y.RequireString("format");
        if (!DatasetFormats.Names.Contains(format))
        {
            throw y.Error("format", $"unknown format '{format}'.{NearestKey.Suggestion(format, DatasetFormats.Names)} Formats: {string.Join(", ", DatasetFormats.Names)}");
        }

        var channels = (int)(y.GetInt("channels") ?? 1);
        if (channels is not (1 or 3))
        {
            throw y.Error("channels", $"must be 1 or 3, not {channels}");
        }

        var size = y.GetStringList("image_size") ?? throw y.Error("image_size", "required: [height, width]");
        if (size.Count != 2 || !int.TryParse(size[0], out var h) || !int.TryParse(size[1], out var w) || h < 1 || w < 1)
        {
            throw y.Error("image_size", "expected [height, width] with positive whole numbers");
        }

        var classes = y.GetStringList("classes");
        var numClasses = y.GetInt("num_classes");
        if (classes is null && numClasses is null)
        {
            throw y.Error("classes", "required: a list of class names (or num_classes for a procedural dataset)");
        }

        if (classes is not null && numClasses is not null && numClasses != classes.Count)
        {
            throw y.Error("num_classes", $"is {numClasses} but classes lists {classes.Count}");
        }

        if (numClasses is < 2 or > 1000)
        {
            throw y.Error("num_classes", "must be between 2 and 1000");
        }

        var source = y.GetObject("source") ?? throw y.Error("source", "required: where the files are (a mapping)");
        var normalize = y.GetObject("normalize");
        var mean = normalize?.GetNumberList("mean") ?? Enumerable.Repeat(0.5, channels).ToList();
        var std = normalize?.GetNumberList("std") ?? Enumerable.Repeat(0.5, channels).ToList();
        normalize?.RejectUnknownKeys();
        if (mean.Count != channels || std.Count != channels || std.Any(s => s <= 0))
        {
            throw y.Error("normalize", $"mean and std need {channels} value(s) each, std positive");
        }

        var prompts = y.GetStringList("prompts") ?? ["a photo of a {}."];
        if (prompts.Count == 0 || prompts.Any(p => !p.Contains("{}", StringComparison.Ordinal)))
        {
            throw y.Error("prompts", "every template needs a '{}' where the class name goes");
        }

        var descriptor = new DatasetDescriptor
        {
            Name = name,
            File = System.IO.Path.GetFullPath(file),
            Format = format,
            Description = y.GetString("description"),
            Classes = classes ?? DatasetFormats.Get(format).DefaultClassNames((int)numClasses!.Value),
            Channels = channels,
            Height = h,
            Width = w,
            Mean = mean,
            Std = std,
            Prompts = prompts,
            Obtain = y.GetString("obtain") ?? "see the descriptor's source paths",
            AttributeValues = y.GetStringList("attribute_values"),
            Source = source,
        };
        y.RejectUnknownKeys();
        if (descriptor.Classes.Distinct(StringComparer.Ordinal).Count() != descriptor.Classes.Count)
        {
            throw y.Error("classes", "class names must be distinct");
        }

        DatasetFormats.Get(format).Validate(descriptor);
        return descriptor;
    }
}
