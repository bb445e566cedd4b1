using ImbalanceFair.Torch.IO;
using System.Diagnostics;
using System.Globalization;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Results;

namespace ImbalanceFair.Core.Sweeps;

/// <summary>
/// <c>trials.csv</c> in the sweep folder: one row per trial (index, status, run_dir, overrides, exit_code, seconds,
/// error, updated). Several sweep processes may share a folder, so every update re-reads the file under an exclusive
/// lock (the hidden <c>.trials.lock</c>), merges, and writes it atomically: statuses come from the run directories (done
/// marker, run lock), the rest from whichever process knew last.
/// </summary>
public static class TrialsFile
{
    public const string FileName = "trials.csv";

    public static readonly IReadOnlyList<string> Header = ["index", "status", "run_dir", "overrides", "exit_code", "seconds", "error", "updated"];

    public sealed record Row(int Index, TrialStatus Status, string RunDir, string Overrides, string ExitCode, string Seconds, string Error, string Updated);

    /// <summary>Merges what this process knows (<paramref name="known"/>, by trial index) into the file and returns the rows written.</summary>
    public static IReadOnlyList<Row> Update(SweepPlan plan, IReadOnlyDictionary<int, TrialRecord> known)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(known);
        Directory.CreateDirectory(plan.Dir);
        using var fileLock = AcquireBlocking(Path.Combine(plan.Dir, ".trials.lock"), TimeSpan.FromMinutes(2));
        AtomicFile.RemoveLeftovers(plan.Dir, target: FileName);
        var previous = Read(plan.TrialsCsv);
        var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var rows = plan.Trials.Select(t =>
        {
            var runDir = t.RunDir;
            var old = previous.TryGetValue(t.Index, out var p) && p.RunDir == runDir ? p : null;
            known.TryGetValue(t.Index, out var mine);
            var status = TrialStatuses.Observe(t.Run, mine?.Status ?? old?.Status);
            if (mine is not null && (mine.Status == status || mine.Status == TrialStatus.Failed && status == TrialStatus.Failed))
            {
                return new Row(t.Index, status, runDir, t.Trial.OverridesText, mine.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
                    mine.Seconds is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) : string.Empty, mine.Error, now);
            }

            if (old is not null && old.Status == status)
            {
                return old with { Overrides = t.Trial.OverridesText };
            }

            var reason = status == TrialStatus.Failed ? Runs.RunMarkers.Failure(runDir) ?? string.Empty : string.Empty;
            return new Row(t.Index, status, runDir, t.Trial.OverridesText, string.Empty, string.Empty, reason, now);
        }).ToList();
        CsvFile.Write(plan.TrialsCsv, Header, rows.Select(r => (IReadOnlyList<string>)
            [r.Index.ToString(CultureInfo.InvariantCulture), TrialStatuses.Name(r.Status), r.RunDir, r.Overrides, r.ExitCode, r.Seconds, r.Error, r.Updated]));
        return rows;
    }

    /// <summary>The rows of an existing trials.csv by index (empty when there is none yet).</summary>
    public static Dictionary<int, Row> Read(string path)
    {
        var rows = new Dictionary<int, Row>();
        if (!File.Exists(path))
        {
            return rows;
        }

        var (header, lines) = CsvFile.Read(path);
        int Col(string name) => Array.IndexOf(header, name);
        var (index, status, runDir, overrides, exit, seconds, error, updated) =
            (Col("index"), Col("status"), Col("run_dir"), Col("overrides"), Col("exit_code"), Col("seconds"), Col("error"), Col("updated"));
        if (new[] { index, status, runDir, overrides, exit, seconds, error, updated }.Any(c => c < 0))
        {
            // Not a file this version wrote: start over from the run directories, which hold the truth.
            return rows;
        }

        foreach (var l in lines)
        {
            if (int.TryParse(l[index], NumberStyles.None, CultureInfo.InvariantCulture, out var i) && TrialStatuses.Parse(l[status]) is { } s)
            {
                rows[i] = new Row(i, s, l[runDir], l[overrides], l[exit], l[seconds], l[error], l[updated]);
            }
        }

        return rows;
    }

    /// <summary>Waits for an exclusive file lock; the kernel releases it when its holder exits, so it cannot go stale.</summary>
    private static FileStream AcquireBlocking(string path, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.Elapsed < timeout)
            {
                Thread.Sleep(50);
            }
        }
    }
}
