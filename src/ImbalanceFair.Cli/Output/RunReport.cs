using System.Globalization;
using System.Text.Json;
using ImbalanceFair.Core.Runs;
using Spectre.Console;

namespace ImbalanceFair.Cli.Output;

/// <summary>The end of `imbfair run`: a short table for people, or one JSON object for scripts.</summary>
internal static class RunReport
{
    private static readonly (string column, string label)[] Headline =
    [
        ("accuracy", "accuracy"), ("balanced_accuracy", "balanced accuracy"), ("worst_class_accuracy", "worst-class accuracy"),
        ("worst_group_accuracy", "worst-group accuracy"), ("alignment_gap", "alignment gap"),
    ];

    public static void Table(RunOutcome outcome, TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No });
        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (column, label) in Headline)
        {
            var text = outcome.Summary.TryGetValue(column, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                ? d.ToString("F4", CultureInfo.InvariantCulture)
                : "—";
            table.AddRow(label, text);
        }

        console.Write(table);
        writer.WriteLine($"{(outcome.Status == RunStatus.Skipped ? "already done" : "results")}: {outcome.RunDir}");
    }

    /// <summary>{"run_dir", "status", "summary"} with the summary.csv columns as keys: numbers as numbers, empty cells as null.</summary>
    public static string Json(RunOutcome outcome)
    {
        var summary = outcome.Summary.ToDictionary(
            kv => kv.Key,
            kv => kv.Value.Length == 0 ? null
                : double.TryParse(kv.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && kv.Key is not ("run_id" or "name" or "dataset")
                    ? (object)d
                    : kv.Value);
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["run_dir"] = Path.GetFullPath(outcome.RunDir),
            ["status"] = outcome.Status == RunStatus.Skipped ? "skipped" : "completed",
            ["summary"] = summary,
        });
    }
}
