using System.CommandLine;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Runs;

namespace ImbalanceFair.Cli.Commands.Validate;

/// <summary>`imbfair validate CONFIG [key=value ...]`: every check `run` makes before writing, and the resolved config.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var config = new Argument<string>("config") { Description = "The experiment config (YAML)" };
        var overrides = new Argument<string[]>("overrides") { Description = "key=value overrides", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("validate", "Check a config (keys, types, ranges, dataset files, device) without running it") { config, overrides };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            return Guarded.Run(parse.InvocationConfiguration.Error, () =>
            {
                var resolved = RunConfigReader.Load(parse.GetValue(config)!, parse.GetValue(overrides) ?? []);
                var plan = RunPlan.Prepare(resolved);
                output.Write(RunConfigWriter.ToYaml(resolved));
                output.WriteLine($"# valid; runs in {plan.RunDir} on {plan.Device}");
                return ExitCodes.Success;
            });
        });
        return command;
    }
}
