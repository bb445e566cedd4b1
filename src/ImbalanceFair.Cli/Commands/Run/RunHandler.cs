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
        RunPlan plan;
        try
        {
            plan = RunPlan.Prepare(RunConfigReader.Load(configPath, overrides));
        }
        catch (ConfigException e)
        {
            output.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }

        try
        {
            RunOutcome Work(IProgress<Core.Training.TrainProgress>? progress) => new ExperimentRunner(log) { Force = force, Progress = progress }.Run(plan, stop.Token);
            RunOutcome outcome;
            if (output.Interactive)
            {
                // The live display owns the terminal while it draws; the full log still goes to run.log.
                level.MinimumLevel = LogEventLevel.Warning;
                outcome = ProgressDisplay.Run(Work);
                level.MinimumLevel = output.Level;
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
        }
        catch (OperationCanceledException) when (stop.Requested)
        {
            log.Warning("Interrupted. The checkpoint of the last finished epoch is in {RunDir}; run the same command again to resume.", plan.RunDir);
            return stop.ExitCode;
        }
        catch (ConfigException e)
        {
            output.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (RunLockedException e)
        {
            output.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Locked;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.Error(e, "The run failed: {Message} (details in {RunDir}/run.log)", e.Message, plan.RunDir);
            return ExitCodes.Failed;
        }
    }
}
