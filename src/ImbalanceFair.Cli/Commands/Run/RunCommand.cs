using System.CommandLine;

namespace ImbalanceFair.Cli.Commands.Run;

/// <summary>`imbfair run CONFIG [key=value ...] [--force]`.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Argument<string>("config") { Description = "The experiment config (YAML)" };
        var overrides = new Argument<string[]>("overrides") { Description = "key=value overrides with the config's dotted keys, e.g. train.epochs=5", Arity = ArgumentArity.ZeroOrMore };
        var force = new Option<bool>("--force") { Description = "Start this run afresh: run a finished run again, or discard an unfinished one's checkpoint (e.g. a damaged one) and partial files" };
        var command = new Command("run", "Run one experiment: split, augment, fine-tune, evaluate, write the result files") { config, overrides, force };
        command.SetAction(parse => RunHandler.Run(parse, parse.GetValue(config)!, parse.GetValue(overrides) ?? [], parse.GetValue(force)));
        return command;
    }
}
