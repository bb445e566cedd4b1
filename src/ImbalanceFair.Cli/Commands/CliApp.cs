using System.CommandLine;
using ImbalanceFair.Core;

namespace ImbalanceFair.Cli.Commands;

/// <summary>The root command: wires arguments to Core, nothing domain-specific.</summary>
internal static class CliApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand("imbfair: class-imbalance and fairness experiments on CLIP-style vision-language models");

        // --version also names the libtorch it runs on and whether CUDA is usable, which is what a
        // bug report needs; the built-in option only knows the assembly version.
        foreach (var option in root.Options.OfType<VersionOption>().ToList())
        {
            option.Action = new VersionAction();
        }

        GlobalOptions.AddTo(root);
        root.Subcommands.Add(Run.RunCommand.Create());
        root.Subcommands.Add(Validate.ValidateCommand.Create());
        root.Subcommands.Add(Datasets.DatasetsCommand.Create());
        root.Subcommands.Add(Report.ReportCommand.Create());
        return root;
    }

    private sealed class VersionAction : System.CommandLine.Invocation.SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(ToolInfo.Current().ToString());
            return 0;
        }
    }
}
