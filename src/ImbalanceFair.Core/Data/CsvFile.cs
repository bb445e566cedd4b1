using System.Globalization;
using CsvHelper;
using ImbalanceFair.Torch.IO;

namespace ImbalanceFair.Core.Data;

/// <summary>
/// The one place that reads and writes CSV (CsvHelper): header + rows of strings, numbers formatted by the caller
/// with the invariant culture (<see cref="Number"/>), files written to a temporary name and renamed.
/// </summary>
public static class CsvFile
{
    public static void Write(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        AtomicFile.Write(path, stream =>
        {
            using var text = new StreamWriter(stream, leaveOpen: true);
            WriteTo(text, header, rows, path);
        });
    }

    /// <summary>The CSV text of a header and rows, for callers that write several files together (<see cref="AtomicFile.WriteAll"/>).</summary>
    public static string ToText(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        WriteTo(text, header, rows, "<text>");
        return text.ToString();
    }

    private static void WriteTo(TextWriter text, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, string where)
    {
        using var csv = CsvWriter.Create(text, null, true);
        foreach (var h in header)
        {
            csv.WriteField(h);
        }

        csv.EndRecord();
        foreach (var row in rows)
        {
            if (row.Count != header.Count)
            {
                throw new ArgumentException($"a row of {row.Count} fields under a header of {header.Count} ({where})", nameof(rows));
            }

            foreach (var field in row)
            {
                csv.WriteField(field);
            }

            csv.EndRecord();
        }

        csv.Flush();
    }

    /// <summary>The header and every row, as strings.</summary>
    public static (string[] header, List<string[]> rows) Read(string path)
    {
        using var csv = CsvReader.FromFile(path, null, FileOptions.SequentialScan);
        csv.ReadHeader();
        var header = csv.Headers.ToArray();
        var rows = new List<string[]>();
        while (csv.Read())
        {
            var row = new string[csv.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = csv.GetString(i);
            }

            rows.Add(row);
        }

        return (header, rows);
    }

    /// <summary>A number as CSV text: round-trip precision, invariant culture, empty for NaN (a metric that does not apply).</summary>
    public static string Number(double value) =>
        double.IsNaN(value) ? string.Empty : value.ToString("R", CultureInfo.InvariantCulture);

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
