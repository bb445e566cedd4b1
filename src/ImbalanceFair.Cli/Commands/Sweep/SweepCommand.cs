using System.CommandLine;
using ImbalanceFair.Core.Sweeps;

namespace ImbalanceFair.Cli.Commands.Sweep;

/// <summary>`imbfair sweep SWEEP.yaml [--jobs N] [--dry-run] [--index I] [--emit slurm ...]` (docs/sweeps.md).</summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("sweep") { Description = "The sweep file (YAML: name, base, set, grid, variants)" };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Trials to run at once, each a separate process with cores/N threads", DefaultValueFactory = _ => 1 };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the trials (index, status, run directory, overrides) and write nothing" };
        var index = new Option<int?>("--index") { Description = "Run only this trial (default: SLURM_ARRAY_TASK_ID when set, else every trial)" };
        var emit = new Option<string?>("--emit") { Description = "Write job scripts instead of running: slurm (a job array and a dependent report job)" };
        emit.AcceptOnlyFromAmong("slurm");
        var partition = new Option<string?>("--partition") { Description = "With --emit slurm: #SBATCH --partition" };
        var gpus = new Option<string?>("--gpus") { Description = "With --emit slurm: #SBATCH --gpus per trial" };
        var time = new Option<string?>("--time") { Description = "With --emit slurm: #SBATCH --time per trial, e.g. 02:00:00" };
        var cpus = new Option<int?>("--cpus-per-task") { Description = "With --emit slurm: #SBATCH --cpus-per-task (also the trial's libtorch threads)" };
        var maxParallel = new Option<int?>("--max-parallel") { Description = "With --emit slurm: at most K array tasks at once (--array=0-(n-1)%K)" };
        var command = new Command("sweep", "Run a grid of experiments from one base config: each trial an ordinary run directory, skipped when done, resumed when unfinished")
        {
            file, jobs, dryRun, index, emit, partition, gpus, time, cpus, maxParallel,
        };
        command.SetAction(parse => SweepHandler.Run(parse, new SweepArguments
        {
            File = parse.GetValue(file)!,
            Jobs = parse.GetValue(jobs),
            DryRun = parse.GetValue(dryRun),
            Index = parse.GetValue(index),
            Emit = parse.GetValue(emit),
            Slurm = new SlurmOptions
            {
                Partition = parse.GetValue(partition),
                Gpus = parse.GetValue(gpus),
                Time = parse.GetValue(time),
                CpusPerTask = parse.GetValue(cpus),
                MaxParallel = parse.GetValue(maxParallel),
            },
        }));
        return command;
    }
}

internal sealed record SweepArguments
{
    public required string File { get; init; }

    public int Jobs { get; init; }

    public bool DryRun { get; init; }

    public int? Index { get; init; }

    public string? Emit { get; init; }

    public required SlurmOptions Slurm { get; init; }
}
