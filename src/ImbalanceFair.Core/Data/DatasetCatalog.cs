using ImbalanceFair.Core.Config;

namespace ImbalanceFair.Core.Data;

/// <summary>
/// Finds dataset descriptors by name or path. Searched, in order: the folders in IMBFAIR_DATASETS
/// (colon-separated), ./datasets, and the datasets/ folder shipped beside the imbfair executable.
/// </summary>
public static class DatasetCatalog
{
    public static IReadOnlyList<string> SearchFolders()
    {
        var folders = new List<string>();
        if (Environment.GetEnvironmentVariable("IMBFAIR_DATASETS") is { Length: > 0 } extra)
        {
            folders.AddRange(extra.Split(':', StringSplitOptions.RemoveEmptyEntries));
        }

        folders.Add(Path.Combine(Environment.CurrentDirectory, "datasets"));
        folders.Add(Path.Combine(AppContext.BaseDirectory, "datasets"));
        return folders.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).Where(Directory.Exists).ToList();
    }

    /// <summary>The descriptor for a name (a file in a search folder) or a path to a .yaml file.</summary>
    public static DatasetDescriptor Find(string nameOrPath)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        if (nameOrPath.EndsWith(".yaml", StringComparison.Ordinal) || nameOrPath.EndsWith(".yml", StringComparison.Ordinal)
            || nameOrPath.Contains('/', StringComparison.Ordinal))
        {
            return DatasetDescriptor.Load(nameOrPath);
        }

        foreach (var folder in SearchFolders())
        {
            var path = Path.Combine(folder, nameOrPath + ".yaml");
            if (File.Exists(path))
            {
                return DatasetDescriptor.Load(path);
            }
        }

        var known = All().Select(d => d.Name).ToList();
        throw new ConfigException(
            $"dataset '{nameOrPath}' not found.{NearestKey.Suggestion(nameOrPath, known)} Known datasets: {string.Join(", ", known)} " +
            $"(searched {string.Join(", ", SearchFolders())}; set IMBFAIR_DATASETS or give a path to a descriptor).");
    }

    /// <summary>Every descriptor in the search folders (the first of a name wins), by name.</summary>
    public static IReadOnlyList<DatasetDescriptor> All()
    {
        var found = new Dictionary<string, DatasetDescriptor>(StringComparer.Ordinal);
        foreach (var folder in SearchFolders())
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.yaml").Order(StringComparer.Ordinal))
            {
                var d = DatasetDescriptor.Load(file);
                found.TryAdd(d.Name, d);
            }
        }

        return found.Values.OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
    }
}
