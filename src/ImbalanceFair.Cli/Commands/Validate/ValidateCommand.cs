using System.CommandLine;
using ImbalanceFair.Cli.Output;
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
        var command = new Command("validate", "Check a config (keys, types, ranges, dataset files, device, split feasibility) without running it") { config, overrides };
        command.SetAction(parse =>
        {
            var console = ConsoleOutput.From(parse);
            var output = console.Out;
            return Guarded.Run(output, console.Error, console.Json, () =>
            {
                var resolved = RunConfigReader.Load(parse.GetValue(config)!, parse.GetValue(overrides) ?? []);
                var plan = RunPlan.Prepare(resolved);

                // The same data-dependent checks `run` makes before it writes anything (split feasibility, class
                // counts, attribute support, strategy files).
                using (RunInputs.Check(plan, Serilog.Core.Logger.None))
                {
                }

                if (console.Json)
                {
                    output.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        ["status"] = "valid", ["exit_code"] = ExitCodes.Success, ["run_dir"] = plan.RunDir, ["device"] = plan.Device.ToString(),
                    }));
                    return ExitCodes.Success;
                }

                output.Write(RunConfigWriter.ToYaml(resolved));
                output.WriteLine($"# valid; runs in {plan.RunDir} on {plan.Device}");
                return ExitCodes.Success;
            });
        });
        return command;
    }
}
