using System.CommandLine;
using System.Text.Json;
using ImbalanceFair.Cli.Output;
using ImbalanceFair.Core.Reports;

namespace ImbalanceFair.Cli.Commands.Report;

internal static class ReportHandler
{
    public static int Run(ParseResult parse, string[] dirs, string? outDir, string? compare)
    {
        var output = ConsoleOutput.From(parse);
        ReportOutcome outcome;
        try
        {
            outcome = ReportWriter.Write(dirs, outDir, compare is null ? null : ComparePair.Parse(compare));
        }
        catch (ReportException e)
        {
            output.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            output.Error.WriteLine($"error: could not write the report: {e.Message}");
            return ExitCodes.Failed;
        }

        var model = outcome.Model;
        foreach (var s in model.Skipped)
        {
            output.Error.WriteLine($"skipped {s.Location}: {s.Reason}");
        }

        if (output.Json)
        {
            output.Out.WriteLine(Json(outcome));
        }
        else if (!output.Quiet)
        {
            output.Out.WriteLine($"{model.RunCount} runs in {model.Groups.Count} groups, {model.Skipped.Count} skipped; wrote:");
            foreach (var file in outcome.Files)
            {
                output.Out.WriteLine($"  {file}");
            }
        }

        return ExitCodes.Success;
    }

    private static string Json(ReportOutcome outcome)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("out_dir", outcome.OutDir);
            json.WriteStartArray("files");
            foreach (var f in outcome.Files)
            {
                json.WriteStringValue(f);
            }

            json.WriteEndArray();
            json.WriteNumber("runs", outcome.Model.RunCount);
            json.WriteNumber("groups", outcome.Model.Groups.Count);
            json.WriteNumber("comparisons", outcome.Model.Comparisons.Count);
            json.WriteStartArray("skipped");
            foreach (var s in outcome.Model.Skipped)
            {
                json.WriteStartObject();
                json.WriteString("location", s.Location);
                json.WriteString("reason", s.Reason);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
