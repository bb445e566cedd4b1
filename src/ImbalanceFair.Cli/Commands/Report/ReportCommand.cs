using System.CommandLine;

namespace ImbalanceFair.Cli.Commands.Report;

/// <summary>`imbfair report DIR... [--out DIR]` (docs/report.md).</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var dirs = new Argument<string[]>("dirs") { Description = "Folders searched recursively for run directories", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string?>("--out") { Description = "Where report.csv, report_per_class.csv, report.md and report.html go (default: the first folder)" };
        var command = new Command("report", "Aggregate finished runs over seeds into report.csv, report.md and a self-contained report.html") { dirs, outDir };
        command.SetAction(parse => ReportHandler.Run(parse, parse.GetValue(dirs) ?? [], parse.GetValue(outDir)));
        return command;
    }
}
