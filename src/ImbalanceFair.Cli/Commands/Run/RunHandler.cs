using ImbalanceFair.Cli.Output;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Runs;
using Serilog.Core;
using Serilog.Events;
using System.CommandLine;

namespace ImbalanceFair.Cli.Commands.Run;

internal static class RunHandler
{
    public static int Run(ParseResult parse, string configPath, string[] overrides, bool force)
    {
        var output = ConsoleOutput.From(parse);
        var level = new LoggingLevelSwitch(output.Level);
        var log = output.Logger(level);
        using var stop = new SignalStop();
        using var orphaned = ParentWatch.Start(() => stop.Request(ExitCodes.Terminated));
        return Guarded.Run(output.Out, output.Error, output.Json, () =>
        {
            var plan = RunPlan.Prepare(RunConfigReader.Load(configPath, overrides));
            RunOutcome Work(IProgress<Core.Training.TrainProgress>? progress) => new ExperimentRunner(log) { Force = force, Progress = progress }.Run(plan, stop.Token);
            RunOutcome outcome;
            if (output.Interactive)
            {
                // The live display owns the terminal while it draws; the full log still goes to run.log.
                level.MinimumLevel = LogEventLevel.Warning;
                try
                {
                    outcome = ProgressDisplay.Run(Work);
                }
                finally
                {
                    level.MinimumLevel = output.Level;
                }
            }
            else
            {
                outcome = Work(null);
            }

            if (output.Json)
            {
                output.Out.WriteLine(RunReport.Json(outcome));
                if (!output.Quiet)
                {
                    RunReport.Table(outcome, output.Error);
                }
            }
            else if (!output.Quiet)
            {
                RunReport.Table(outcome, output.Out);
            }

            return ExitCodes.Success;
        }, stop);
    }
}
