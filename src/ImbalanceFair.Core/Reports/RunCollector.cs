using System.Globalization;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Results;
using ImbalanceFair.Core.Runs;

namespace ImbalanceFair.Core.Reports;

/// <summary>
/// Finds run directories (DESIGN §6) under the report's folders, recursively, and reads the finished ones. A folder is
/// a run directory when it holds a <c>done</c> marker, summary.csv or config.resolved.yaml; it is used only when it has
/// <c>done</c>, summary.csv and per_class.csv that parse, and every other one is listed as skipped with its reason, so
/// that a half-finished sweep is visible in the report instead of silently smaller.
/// </summary>
public static class RunCollector
{
    public const string DoneFile = "done";
    public const string ConfigFile = "config.resolved.yaml";

    private static readonly string[] IdentityColumns = ["run_id", "name", "dataset", "strategy", "imbalance_ratio", "seed", "arch", "train_mode", "loss", "epochs"];

    public static CollectedRuns Collect(IReadOnlyList<string> folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        if (folders.Count == 0)
        {
            throw new ReportException("name at least one folder of runs");
        }

        var finished = new List<ReportRun>();
        var skipped = new List<SkippedRun>();
        var seenDirs = new HashSet<string>(StringComparer.Ordinal);
        var seenRuns = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            if (!Directory.Exists(folder))
            {
                throw new ReportException($"{folder}: no such folder");
            }

            foreach (var dir in RunDirectories(folder))
            {
                // Overlapping arguments (runs and runs/sweep) name some folders twice; they are one run, not two.
                if (!seenDirs.Add(Path.GetFullPath(dir)))
                {
                    continue;
                }

                var relative = Path.GetRelativePath(folder, dir);
                var location = relative == "." ? folder : Path.Join(folder, relative);
                var run = Read(dir, location, out var reason);
                if (run is null)
                {
                    skipped.Add(new SkippedRun(location, reason!));
                }
                else if (seenRuns.TryGetValue(run.RunId, out var first))
                {
                    // The same config and seed twice (a copied folder): counting both would inflate n.
                    skipped.Add(new SkippedRun(location, $"run {run.RunId} again (already read from {first})"));
                }
                else
                {
                    seenRuns.Add(run.RunId, location);
                    finished.Add(run);
                }
            }
        }

        return new CollectedRuns(finished, skipped);
    }

    /// <summary>The folder and its sub-folders that look like run directories, in ordinal path order (not the file system's).</summary>
    private static IEnumerable<string> RunDirectories(string folder)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        return Directory.EnumerateDirectories(folder, "*", options)
            .Prepend(folder)
            .Where(d => File.Exists(Path.Combine(d, DoneFile)) || File.Exists(Path.Combine(d, ResultFiles.SummaryFile)) || File.Exists(Path.Combine(d, ConfigFile)))
            .OrderBy(d => d, StringComparer.Ordinal);
    }

    private static ReportRun? Read(string dir, string location, out string? reason)
    {
        reason = null;
        if (!File.Exists(Path.Combine(dir, DoneFile)))
        {
            reason = Runs.RunMarkers.Failure(dir) is { } failure ? $"failed: {failure}" : "unfinished (no done marker)";
            return null;
        }

        foreach (var file in new[] { ResultFiles.SummaryFile, ResultFiles.PerClassFile })
        {
            if (!File.Exists(Path.Combine(dir, file)))
            {
                reason = $"done, but {file} is missing";
                return null;
            }
        }

        try
        {
            return ReadFinished(dir, location);
        }
        catch (Exception e) when (e is FormatException or ConfigException or CsvHelper.CsvFormatException or CsvHelper.CsvValidationException or IOException)
        {
            reason = e.Message;
            return null;
        }
    }

    private static ReportRun ReadFinished(string dir, string location)
    {
        var summary = ReadSummaryRow(Path.Combine(dir, ResultFiles.SummaryFile));
        var configPath = Path.Combine(dir, ConfigFile);
        // Leniently: a key renamed since the run was made must not make every old run unreadable.
        var (config, unknown) = File.Exists(configPath) ? RunConfigReader.LoadLenient(configPath) : (null, []);
        return new ReportRun(
            location,
            summary["run_id"],
            (long)Required(summary, "seed", ResultFiles.SummaryFile),
            new RunIdentity(
                summary["name"], summary["dataset"], summary["strategy"], Required(summary, "imbalance_ratio", ResultFiles.SummaryFile),
                summary["arch"], summary["train_mode"], summary["loss"], (long)Required(summary, "epochs", ResultFiles.SummaryFile)),
            SummaryMetrics.Names.ToDictionary(m => m, m => Number(summary, m, ResultFiles.SummaryFile), StringComparer.Ordinal),
            Number(summary, "train_seconds", ResultFiles.SummaryFile),
            Number(summary, "train_images_per_second", ResultFiles.SummaryFile),
            summary.GetValueOrDefault("device", string.Empty),
            ReadClasses(Path.Combine(dir, ResultFiles.PerClassFile)),
            config)
        {
            UnknownConfigKeys = unknown,
        };
    }

    private static Dictionary<string, string> ReadSummaryRow(string path)
    {
        var (header, rows) = CsvFile.Read(path);
        if (rows.Count != 1)
        {
            throw new FormatException($"{ResultFiles.SummaryFile}: {rows.Count} rows, expected one");
        }

        var missing = IdentityColumns.Where(c => !header.Contains(c, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            throw new FormatException($"{ResultFiles.SummaryFile}: no column {string.Join(", ", missing)}");
        }

        return header.Zip(rows[0]).ToDictionary(x => x.First, x => x.Second, StringComparer.Ordinal);
    }

    private static List<ReportClassRow> ReadClasses(string path)
    {
        var (header, rows) = CsvFile.Read(path);
        var classes = new List<ReportClassRow>(rows.Count);
        foreach (var row in rows)
        {
            var cells = header.Zip(row).ToDictionary(x => x.First, x => x.Second, StringComparer.Ordinal);
            if (!cells.ContainsKey("class_index") || !cells.ContainsKey("accuracy"))
            {
                throw new FormatException($"{ResultFiles.PerClassFile}: no class_index or accuracy column");
            }

            classes.Add(new ReportClassRow(
                (long)Required(cells, "class_index", ResultFiles.PerClassFile),
                cells.GetValueOrDefault("class_name", string.Empty),
                cells.GetValueOrDefault("bucket", string.Empty),
                Number(cells, "n_train_real", ResultFiles.PerClassFile),
                Number(cells, "n_train_total", ResultFiles.PerClassFile),
                Number(cells, "n_test", ResultFiles.PerClassFile),
                Number(cells, "accuracy", ResultFiles.PerClassFile),
                Number(cells, "mean_margin", ResultFiles.PerClassFile),
                Number(cells, "robust_accuracy", ResultFiles.PerClassFile)));
        }

        return classes;
    }

    private static double Required(IReadOnlyDictionary<string, string> cells, string column, string file)
    {
        var value = Number(cells, column, file);
        return double.IsNaN(value) ? throw new FormatException($"{file}: {column} is empty") : value;
    }

    /// <summary>A numeric cell; an empty or absent cell is NaN (a metric that does not apply, or a column an older imbfair did not write).</summary>
    private static double Number(IReadOnlyDictionary<string, string> cells, string column, string file)
    {
        var text = cells.GetValueOrDefault(column, string.Empty);
        if (text.Length == 0)
        {
            return double.NaN;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{file}: {column} is '{text}', not a number");
    }
}
