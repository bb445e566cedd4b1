using System.CommandLine;

namespace ImbalanceFair.Cli.Commands.Datasets;

/// <summary>`imbfair datasets`: the known dataset descriptors, whether their files are present, and class counts.</summary>
internal static class DatasetsCommand
{
    public static Command Create()
    {
        var noCounts = new Option<bool>("--no-counts") { Description = "Do not load the data to count images per class" };
        var command = new Command("datasets", "List dataset descriptors, whether their files are present, and images per class")
        {
            noCounts,
        };
        command.SetAction(parse => DatasetsHandler.Run(
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, parse.GetValue(noCounts)));
        return command;
    }
}
