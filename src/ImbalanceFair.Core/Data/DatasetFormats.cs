using ImbalanceFair.Core.Data.Formats;

namespace ImbalanceFair.Core.Data;

/// <summary>The registry of dataset formats: adding one is one file and one row here.</summary>
public static class DatasetFormats
{
    private static readonly Dictionary<string, IDatasetFormat> s_formats = new IDatasetFormat[]
    {
        new IdxFormat(),
        new ShapesFormat(),
        new CifarBinaryFormat(),
        new ImageFolderFormat(),
        new ManifestFormat(),
    }.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Names => s_formats.Keys;

    public static IDatasetFormat Get(string name) =>
        s_formats.TryGetValue(name, out var f) ? f : throw new KeyNotFoundException($"unknown dataset format '{name}'");
}
