using System.Globalization;
using ImbalanceFair.Core.Training;
using Spectre.Console;

namespace ImbalanceFair.Cli.Output;

/// <summary>A live Spectre.Console progress bar on stderr: epoch, step, loss, images/s and ETA.</summary>
internal static class ProgressDisplay
{
    public static T Run<T>(Func<IProgress<TrainProgress>, T> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting", maxValue: 1);
                return work(new Reporter(task));
            });
    }

    private sealed class Reporter(ProgressTask task) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress p)
        {
            task.MaxValue = Math.Max(1, p.TotalSteps);
            task.Value = p.Step;
            task.Description = string.Create(CultureInfo.InvariantCulture,
                $"epoch {p.Epoch}/{p.Epochs}  step {p.Step}/{p.TotalSteps}  loss {p.Loss:F4}  {p.ImagesPerSecond:F0} img/s");
        }
    }
}
