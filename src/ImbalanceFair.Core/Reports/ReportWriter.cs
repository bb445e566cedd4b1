using ImbalanceFair.Torch.IO;
using ImbalanceFair.Core.Results;

namespace ImbalanceFair.Core.Reports;

/// <summary>What <see cref="ReportWriter.Write"/> made.</summary>
public sealed record ReportOutcome(string OutDir, IReadOnlyList<string> Files, ReportModel Model);

/// <summary>
/// `imbfair report`: collects the runs under the folders, aggregates them and writes report.csv,
/// report_per_class.csv, report_runs.csv, report.md and report.html into <c>outDir</c> (default: the first folder), and with
/// <c>--compare</c> report_compare.csv (<see cref="Comparisons"/>). All of them are
/// composed in memory first and then written together (<see cref="AtomicFile.WriteAll"/>), so an error leaves no
/// half-written or mismatched report behind.
/// </summary>
public static class ReportWriter
{
    public static ReportOutcome Write(IReadOnlyList<string> folders, string? outDir = null, IReadOnlyList<ComparePair>? compare = null)
    {
        ArgumentNullException.ThrowIfNull(folders);
        var collected = RunCollector.Collect(folders);
        if (collected.Finished.Count == 0)
        {
            var skipped = collected.Skipped.Count == 0 ? string.Empty
                : $" ({collected.Skipped.Count} run directories skipped: {string.Join("; ", collected.Skipped.Take(5).Select(s => $"{s.Location}: {s.Reason}"))}{(collected.Skipped.Count > 5 ? "; ..." : string.Empty)})";
            throw new ReportException($"no finished runs (a folder with done, summary.csv and per_class.csv) under {string.Join(", ", folders)}{skipped}");
        }

        var model = ReportModel.Build(collected, compare);
        var dir = outDir ?? folders[0];
        Directory.CreateDirectory(dir);
        var files = new List<(string Path, string Text)>
        {
            (Path.Combine(dir, ReportCsv.FileName), ReportCsv.Text(model)),
            (Path.Combine(dir, ReportCsv.PerClassFileName), ReportCsv.PerClassText(model)),
            (Path.Combine(dir, ReportCsv.RunsFileName), ReportCsv.RunsText(model)),
            (Path.Combine(dir, ReportMarkdown.FileName), ReportMarkdown.Text(model)),
            (Path.Combine(dir, ReportHtml.FileName), ReportHtml.Text(model)),
        };
        if (model.Comparisons.Count > 0)
        {
            files.Add((Path.Combine(dir, ReportCsv.CompareFileName), ReportCsv.CompareText(model)));
        }

        AtomicFile.WriteAll(files);
        return new ReportOutcome(dir, files.Select(f => f.Path).ToList(), model);
    }
}
