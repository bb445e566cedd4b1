using System.CommandLine;

namespace ImbalanceFair.Cli.Commands.Report;

/// <summary>`imbfair report DIR... [--out DIR] [--compare A:B,...]` (docs/report.md).</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var dirs = new Argument<string[]>("dirs") { Description = "Folders searched recursively for run directories", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string?>("--out") { Description = "Where report.csv, report_per_class.csv, report.md and report.html go (default: the first folder)" };
        var compare = new Option<string?>("--compare")
        {
            Description = "Paired comparisons A:B[,A:B...] of strategies over shared seeds, into report_compare.csv, report.md and report.html; a side may add +key=value (e.g. pgd:smote,pgd:diffusion+augment.diffusion.mode=ffr)",
        };
        var command = new Command("report", "Aggregate finished runs over seeds into report.csv, report.md and a self-contained report.html") { dirs, outDir, compare };
        command.SetAction(parse => ReportHandler.Run(parse, parse.GetValue(dirs) ?? [], parse.GetValue(outDir), parse.GetValue(compare)));
        return command;
    }
}
