using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Runs;

namespace ImbalanceFair.Core.Sweeps;

/// <summary>A trial with its checked run plan (resolved config, run directory).</summary>
public sealed record PlannedTrial(Trial Trial, RunPlan Run)
{
    public int Index => Trial.Index;

    /// <summary>The run directory as an absolute path (trials.csv outlives the folder the sweep was started from).</summary>
    public string RunDir => Path.GetFullPath(Run.RunDir);

    /// <summary>
    /// The index of the first trial that is the same experiment (same run hash: only another strategy's options
    /// differ, say), or null. A duplicate is not run again: it shares that trial's run directory.
    /// </summary>
    public int? DuplicateOf { get; init; }

    /// <summary>What `imbfair run` gets after the base config: the sweep's name first, then the trial's overrides.</summary>
    public IReadOnlyList<string> RunArguments(SweepDefinition sweep) => [sweep.BaseConfig, $"name={sweep.Name}", .. Trial.Overrides.Select(o => o.ToString())];
}

/// <summary>
/// A sweep with every trial's config resolved and checked before anything runs or is written, so that a mistake in
/// any trial is a usage error (exit 2) up front rather than a failure an hour in. Every trial is named after the
/// sweep, so its runs and its own files (trials.csv, locks, Slurm scripts) share <c>&lt;output.dir&gt;/&lt;sweep name&gt;/</c>.
/// </summary>
public sealed record SweepPlan(SweepDefinition Sweep, IReadOnlyList<PlannedTrial> Trials, string Dir)
{
    public static SweepPlan Load(string file)
    {
        var sweep = SweepFileReader.Load(file);
        var trials = new List<PlannedTrial>();
        foreach (var trial in SweepTrials.Expand(sweep))
        {
            RunPlan run;
            try
            {
                run = RunPlan.Prepare(RunConfigReader.Load(sweep.BaseConfig, [$"name={sweep.Name}", .. trial.Overrides.Select(o => o.ToString())]));
            }
            catch (ConfigException e)
            {
                var message = e.Message;
                foreach (var o in trial.Overrides)
                {
                    message = message.Replace($"command-line override '{o}'", $"{sweep.File}:{o.Line} ({o})", StringComparison.Ordinal);
                }

                throw new ConfigException($"{sweep.File}: trial {trial.Index} ({trial.OverridesText}): {message}", e);
            }

            // A trial whose keys differ from an earlier one's only where they do not apply is the same experiment, run
            // once; one whose whole config is the same is a repeated value in the file.
            var first = trials.FirstOrDefault(t => t.Run.Hash == run.Hash);
            if (first is not null && RunConfigWriter.ToYaml(first.Run.Config) == RunConfigWriter.ToYaml(run.Config))
            {
                throw new ConfigException(
                    $"{sweep.File}: trials {first.Index} ({first.Trial.OverridesText}) and {trial.Index} ({trial.OverridesText}) resolve to the same config ({run.RunDir}); remove the duplicate value or variant");
            }

            trials.Add(new PlannedTrial(trial, run) { DuplicateOf = first?.DuplicateOf ?? first?.Index });
        }

        var dir = Path.GetFullPath(Path.GetDirectoryName(trials[0].Run.RunDir)!);
        return new SweepPlan(sweep, trials, dir);
    }

    public string TrialsCsv => Path.Combine(Dir, TrialsFile.FileName);

    /// <summary>The trials that are distinct experiments (each run directory once), in index order.</summary>
    public IReadOnlyList<PlannedTrial> Distinct => [.. Trials.Where(t => t.DuplicateOf is null)];
}
