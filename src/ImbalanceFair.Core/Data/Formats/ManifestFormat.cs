using System.Globalization;
using CsvHelper;
using ImbalanceFair.Core.Data.Images;

namespace ImbalanceFair.Core.Data.Formats;

/// <summary>
/// Images listed in a CSV file with a header row, in one of two conventions:
/// <list type="bullet">
/// <item><b>generic</b>: columns <c>path,label,split</c> and optionally <c>attribute</c> (any order). <c>label</c> is a
/// class name or index, <c>split</c> is train, val or test, <c>attribute</c> is a name from the descriptor's
/// attribute_values or an index.</item>
/// <item><b>waterbirds</b>: the <c>metadata.csv</c> of Waterbirds (Sagawa et al. 2020): <c>img_filename,y,split,place</c>
/// (other columns ignored) with split 0/1/2 = train/val/test and place as the attribute.</item>
/// </list>
/// Image paths are relative to the CSV's folder (or <c>root</c>). Rows keep their CSV order; the val part exists when
/// some rows are val. Images are decoded in parallel and resized to the descriptor's size.
/// <code>
/// source:
///   file: data/waterbird_complete95_forest2water2/metadata.csv   # relative to the descriptor
///   convention: waterbirds    # auto (from the header, the default) | generic | waterbirds
///   root: null                # the folder image paths are relative to (default: the CSV's)
/// </code>
/// </summary>
internal sealed class ManifestFormat : IDatasetFormat
{
    private static readonly string[] Conventions = ["auto", "generic", "waterbirds"];

    public string Name => "manifest";

    private sealed record Options(string Csv, string Root, string Convention);

    private sealed record Row(int Line, string Path, string Image, long Label, long? Attribute, int Split);

    private static Options Parse(DatasetDescriptor d)
    {
        var s = d.Source;
        var csv = d.ResolvePath(s.RequireString("file"));
        var convention = s.GetString("convention") ?? "auto";
        if (!Conventions.Contains(convention))
        {
            throw s.Error("convention", $"'{convention}' is not a manifest convention ({string.Join(", ", Conventions)})");
        }

        var root = s.GetString("root") is { } r ? d.ResolvePath(r) : Path.GetDirectoryName(csv) ?? ".";
        return new Options(csv, root, convention);
    }

    public void Validate(DatasetDescriptor descriptor)
    {
        Parse(descriptor);
        descriptor.Source.RejectUnknownKeys();
    }

    /// <summary>
    /// The CSV and every image it lists that exists (just the CSV when it is absent or unreadable): Read reports a
    /// missing image with its CSV line, which a bare presence check of the image could not.
    /// </summary>
    public IReadOnlyList<string> SourceFiles(DatasetDescriptor descriptor)
    {
        var o = Parse(descriptor);
        if (!File.Exists(o.Csv))
        {
            return [o.Csv];
        }

        try
        {
            return [o.Csv, .. ReadRows(descriptor, o).Select(r => r.Image).Where(File.Exists)];
        }
        catch (DataFormatException)
        {
            return [o.Csv];
        }
    }

    public DecodedDataset Read(DatasetDescriptor descriptor, CancellationToken cancel = default)
    {
        var o = Parse(descriptor);
        var rows = ReadRows(descriptor, o);
        foreach (var row in rows)
        {
            if (!File.Exists(row.Image))
            {
                throw DataFormatException.For(o.Csv, $"line {row.Line}: image file '{row.Path}' not found (looked for {row.Image})");
            }
        }

        DecodedPart? Part(int split)
        {
            var selected = rows.Where(r => r.Split == split).ToList();
            if (selected.Count == 0)
            {
                return null;
            }

            var images = ImageFile.DecodeAll(selected.Select(r => r.Image).ToList(), descriptor.Channels, descriptor.Height, descriptor.Width,
                i => $"{o.Csv} line {selected[i].Line}", cancel);
            var attributes = selected[0].Attribute is null ? null : selected.Select(r => r.Attribute!.Value).ToArray();
            return new DecodedPart(images, selected.Select(r => r.Label).ToArray(), attributes);
        }

        var train = Part(0) ?? throw DataFormatException.For(o.Csv, "no train rows");
        var val = Part(1);
        var test = Part(2) ?? throw DataFormatException.For(o.Csv, "no test rows");
        return new DecodedDataset(train, test, val);
    }

    private static List<Row> ReadRows(DatasetDescriptor d, Options o)
    {
        if (!File.Exists(o.Csv))
        {
            throw DataFormatException.For(o.Csv, $"file not found (dataset '{d.Name}', {d.File}). To get it: {d.Obtain}");
        }

        return ReadTable<Row>(o.Csv, header =>
        {
            var columns = Columns.Find(header, o, d);
            return (record, line) => columns.Parse(record, line, o, d);
        });
    }

    /// <summary>
    /// Reads a CSV file with a header row: <paramref name="parserFor"/> sees the header and returns the parser of a
    /// row (its fields and 1-based line number). A row with fewer fields than the header, malformed CSV or an unreadable
    /// file is a <see cref="DataFormatException"/> naming the file and line. The file must exist.
    /// </summary>
    internal static List<T> ReadTable<T>(string csvPath, Func<string[], Func<string[], int, T>> parserFor)
    {
        var options = CsvReaderOptions.Default with
        {
            HasHeader = true,
            TrimWhitespace = true,
            TrackLineNumbers = true,
            MalformedData = CsvMalformedDataHandling.Throw,
        };
        var rows = new List<T>();
        try
        {
            using var csv = CsvReader.FromFile(csvPath, options);
            var header = csv.Headers.ToArray();
            if (header.Length == 0)
            {
                throw DataFormatException.For(csvPath, "empty: expected a header row and one row per image");
            }

            var parse = parserFor(header);
            var record = new string[header.Length];
            while (csv.Read())
            {
                var line = (int)csv.LineNumber;
                if (csv.FieldCount < header.Length)
                {
                    throw DataFormatException.For(csvPath, $"line {line}: {csv.FieldCount} fields, the header has {header.Length}");
                }

                for (var i = 0; i < record.Length; i++)
                {
                    record[i] = csv.GetString(i);
                }

                rows.Add(parse(record, line));
            }
        }
        catch (CsvFormatException e)
        {
            throw DataFormatException.For(csvPath, $"{(e.LineNumber > 0 ? $"line {e.LineNumber}: " : string.Empty)}not valid CSV: {e.Message.Split('\n')[0]}");
        }
        catch (IOException e)
        {
            throw DataFormatException.For(csvPath, $"cannot be read ({e.Message})");
        }

        return rows;
    }

    /// <summary>
    /// A name from <paramref name="names"/> or a whole-number index (any non-negative one when there are no names);
    /// anything else is a <see cref="DataFormatException"/> naming the CSV file and line, and where the names
    /// (<paramref name="whats"/>, plural: "classes") are listed.
    /// </summary>
    internal static long ParseIndex(string text, IReadOnlyList<string>? names, string column, string whats, string csvPath, int line, string namesOf)
    {
        if (names is not null)
        {
            for (var i = 0; i < names.Count; i++)
            {
                if (string.Equals(names[i], text, StringComparison.Ordinal))
                {
                    return i;
                }
            }
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && (names is null || index < names.Count))
        {
            return index;
        }

        var known = names is null ? "a whole number" : $"one of {string.Join(", ", names.Select(n => $"'{n}'"))} or an index below {names.Count}";
        throw DataFormatException.For(csvPath, $"line {line}: unknown {column} '{text}': expected {known} (the {whats} of {namesOf})");
    }

    /// <summary>Where each value is in a row, found from the header.</summary>
    private sealed record Columns(int Count, bool Waterbirds, int Path, int Label, int Split, int Attribute)
    {
        public static Columns Find(string[] header, Options o, DatasetDescriptor d)
        {
            var names = header.Select(h => h.Trim().ToLowerInvariant()).ToList();
            int At(string name) => names.IndexOf(name);
            bool Has(params string[] required) => required.All(r => names.Contains(r));
            var convention = o.Convention switch
            {
                "auto" when Has("img_filename", "y", "split", "place") => "waterbirds",
                "auto" when Has("path", "label") => "generic",
                "auto" => throw DataFormatException.For(o.Csv,
                    $"line 1: the header '{string.Join(',', header)}' is neither the generic path,label[,attribute],split nor Waterbirds' img_filename,y,split,place (a header row is required)"),
                _ => o.Convention,
            };
            if (convention == "waterbirds")
            {
                if (!Has("img_filename", "y", "split", "place"))
                {
                    throw DataFormatException.For(o.Csv, $"line 1: the header '{string.Join(',', header)}' lacks Waterbirds' columns img_filename, y, split, place");
                }

                return new Columns(header.Length, true, At("img_filename"), At("y"), At("split"), At("place"));
            }

            if (!Has("path", "label", "split"))
            {
                var missing = new[] { "path", "label", "split" }.Where(c => !names.Contains(c));
                throw DataFormatException.For(o.Csv,
                    $"line 1: the header '{string.Join(',', header)}' lacks the column(s) {string.Join(", ", missing)} (generic manifests: path,label[,attribute],split; split is train, val or test)");
            }

            if (At("attribute") < 0 && d.AttributeValues is not null)
            {
                throw DataFormatException.For(o.Csv, $"line 1: no attribute column, but {d.File} lists attribute_values");
            }

            return new Columns(header.Length, false, At("path"), At("label"), At("split"), At("attribute"));
        }

        public Row Parse(string[] record, int line, Options o, DatasetDescriptor d)
        {
            var path = record[Path];
            if (path.Length == 0)
            {
                throw DataFormatException.For(o.Csv, $"line {line}: empty image path");
            }

            var label = ParseIndex(record[Label], d.Classes, "label", "classes", o.Csv, line, d.File);
            long? attribute = Attribute < 0 ? null : ParseIndex(record[Attribute], d.AttributeValues, "attribute", "attribute values", o.Csv, line, d.File);
            var split = record[Split].ToLowerInvariant() switch
            {
                "0" or "train" => 0,
                "1" or "val" or "valid" or "validation" => 1,
                "2" or "test" => 2,
                var s => throw DataFormatException.For(o.Csv, $"line {line}: split '{s}' is not train, val or test (or 0, 1, 2)"),
            };
            return new Row(line, path, System.IO.Path.GetFullPath(System.IO.Path.Combine(o.Root, path)), label, attribute, split);
        }
    }
}
