using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ImbalanceFair.Cli.Output;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Reports;
using ImbalanceFair.Core.Sweeps;
using Serilog.Core;

namespace ImbalanceFair.Cli.Commands.Sweep;

internal static class SweepHandler
{
    public const string ArrayTaskVariable = "SLURM_ARRAY_TASK_ID";

    public static int Run(ParseResult parse, SweepArguments args)
    {
        var output = ConsoleOutput.From(parse);
        var log = output.Logger(new LoggingLevelSwitch(output.Level));
        SweepPlan plan;
        IReadOnlyList<PlannedTrial> selected;
        try
        {
            CheckOptions(args);
            plan = SweepPlan.Load(args.File);
            selected = Select(plan, args.Index);
        }
        catch (ConfigException e)
        {
            output.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }

        if (args.Emit is not null)
        {
            var files = SlurmScripts.Write(plan, args.Slurm, Self(), Directory.GetCurrentDirectory(), Path.GetFullPath(args.File));
            output.Out.WriteLine($"wrote {string.Join(", ", files)}");
            output.Out.WriteLine($"submit with: bash {files[^1]}");
            return ExitCodes.Success;
        }

        if (args.DryRun)
        {
            var recorded = TrialsFile.Read(plan.TrialsCsv);
            var rows = selected.Select(t =>
            {
                var old = recorded.TryGetValue(t.Index, out var r) && r.RunDir == t.RunDir ? r : null;
                var status = TrialStatuses.Observe(t.Run, old?.Status);
                return new TrialsFile.Row(t.Index, status, t.RunDir, t.Trial.OverridesText, old?.ExitCode ?? string.Empty, old?.Seconds ?? string.Empty,
                    status == TrialStatus.Failed ? old?.Error ?? string.Empty : string.Empty, old?.Updated ?? string.Empty);
            }).ToList();
            Print(output, plan, rows, dryRun: true);
            return ExitCodes.Success;
        }

        using var stop = new SignalStop();
        log.Information("Sweep {Name}: {Selected} of {Total} trials, {Jobs} at a time, in {Dir}", plan.Sweep.Name, selected.Count, plan.Trials.Count, args.Jobs, plan.Dir);
        var runner = new SweepRunner(log, Self()) { Jobs = args.Jobs, ChildOptions = ["--no-progress"] };
        var outcome = runner.Run(plan, selected, stop.Token);
        var chosen = selected.Select(t => t.Index).ToHashSet();
        Print(output, plan, outcome.Rows.Where(r => chosen.Contains(r.Index)).ToList(), dryRun: false);
        if (outcome.Interrupted)
        {
            log.Warning("Interrupted. Finished trials are kept and unfinished ones keep their checkpoints; run the same command again to finish the sweep.");
            return stop.ExitCode;
        }

        if (selected.Count == plan.Trials.Count)
        {
            WriteReport(plan, log);
        }

        return outcome.Failed.Any() ? ExitCodes.Failed : ExitCodes.Success;
    }

    /// <summary>
    /// A whole local sweep ends in its report (as `imbfair report` on the sweep folder writes it; a Slurm array's report
    /// job does this instead). The trials' outcome decides the exit code: a report that cannot be written is a warning.
    /// </summary>
    private static void WriteReport(SweepPlan plan, Serilog.ILogger log)
    {
        try
        {
            var report = ReportWriter.Write([plan.Dir]);
            log.Information("Report of {Runs} finished runs in {Groups} groups: {Files}", report.Model.RunCount, report.Model.Groups.Count, string.Join(", ", report.Files));
        }
        catch (Exception e) when (e is ReportException or IOException or UnauthorizedAccessException)
        {
            log.Warning("No report written: {Message} (run `imbfair report {Dir}` once it can be)", e.Message, plan.Dir);
        }
    }

    private static void CheckOptions(SweepArguments args)
    {
        if (args.Jobs < 1)
        {
            throw new ConfigException($"--jobs {args.Jobs}: give at least 1 (trials run at once)");
        }

        if (args.Slurm.MaxParallel is < 1 || args.Slurm.CpusPerTask is < 1)
        {
            throw new ConfigException("--max-parallel and --cpus-per-task must be at least 1");
        }

        var slurmOnly = args.Slurm.Partition ?? args.Slurm.Gpus ?? args.Slurm.Time ?? args.Slurm.MaxParallel?.ToString(CultureInfo.InvariantCulture) ?? args.Slurm.CpusPerTask?.ToString(CultureInfo.InvariantCulture);
        if (args.Emit is null && slurmOnly is not null)
        {
            throw new ConfigException("--partition, --gpus, --time, --cpus-per-task and --max-parallel go with --emit slurm");
        }

        if (args.Emit is not null && (args.DryRun || args.Index is not null))
        {
            throw new ConfigException("--emit writes job scripts for the whole sweep; leave out --dry-run and --index");
        }
    }

    /// <summary>Every trial, or the one named by --index or, in a Slurm array task, by SLURM_ARRAY_TASK_ID.</summary>
    private static IReadOnlyList<PlannedTrial> Select(SweepPlan plan, int? index)
    {
        var source = "--index";
        if (index is null && Environment.GetEnvironmentVariable(ArrayTaskVariable) is { Length: > 0 } task)
        {
            source = ArrayTaskVariable;
            index = int.TryParse(task, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i
                : throw new ConfigException($"{ArrayTaskVariable}='{task}' is not a trial index; unset it to run the whole sweep");
        }

        if (index is null)
        {
            return plan.Trials;
        }

        return index >= 0 && index < plan.Trials.Count
            ? [plan.Trials[index.Value]]
            : throw new ConfigException($"{source} {index}: sweep '{plan.Sweep.Name}' has {plan.Trials.Count} trials, 0 to {plan.Trials.Count - 1} (`imbfair sweep {plan.Sweep.File} --dry-run` lists them)");
    }

    private static void Print(ConsoleOutput output, SweepPlan plan, IReadOnlyList<TrialsFile.Row> rows, bool dryRun)
    {
        static string Shown(TrialStatus s) => s == TrialStatus.Running ? "running elsewhere" : TrialStatuses.Name(s);
        var failed = rows.Where(r => r.Status == TrialStatus.Failed).ToList();
        if (output.Json)
        {
            output.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["sweep"] = plan.Sweep.Name,
                ["dir"] = plan.Dir,
                ["trials_csv"] = dryRun ? null : plan.TrialsCsv,
                ["dry_run"] = dryRun,
                ["total"] = plan.Trials.Count,
                ["trials"] = rows.Select(r => new Dictionary<string, object?>
                {
                    ["index"] = r.Index, ["status"] = TrialStatuses.Name(r.Status), ["run_dir"] = r.RunDir, ["overrides"] = r.Overrides,
                    ["exit_code"] = r.ExitCode.Length == 0 ? null : r.ExitCode, ["error"] = r.Error.Length == 0 ? null : r.Error,
                }).ToList(),
                ["failed"] = failed.Select(r => r.Index).ToList(),
            }));
        }

        var text = output.Json ? output.Error : output.Out;
        if (dryRun || !output.Quiet)
        {
            text.WriteLine($"sweep '{plan.Sweep.Name}': {plan.Trials.Count} trials from {plan.Sweep.BaseConfig}, in {plan.Dir}{(dryRun ? " (dry run: nothing written)" : string.Empty)}");
            var width = rows.Count == 0 ? 0 : rows.Max(r => Shown(r.Status).Length);
            var duplicates = plan.Trials.Where(t => t.DuplicateOf is not null).ToDictionary(t => t.Index, t => t.DuplicateOf!.Value);
            foreach (var r in rows)
            {
                var same = duplicates.TryGetValue(r.Index, out var first) ? $"  (same experiment as trial {first})" : string.Empty;
                text.WriteLine($"{r.Index,5}  {Shown(r.Status).PadRight(width)}  {r.RunDir}  {r.Overrides}{same}");
            }

            var counts = string.Join(", ", rows.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {Shown(g.Key)}"));
            text.WriteLine($"{rows.Count} trials: {counts}{(dryRun ? string.Empty : $"; {plan.TrialsCsv}")}");
        }

        foreach (var r in failed)
        {
            output.Error.WriteLine($"failed: trial {r.Index} ({r.Overrides}): {r.Error} [{r.RunDir}]");
        }
    }

    /// <summary>This same program, to start trials with: the native host, or `dotnet imbfair.dll` when run that way.</summary>
    private static TrialCommand Self()
    {
        var exe = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program this is (Environment.ProcessPath is null)");
        return Path.GetFileNameWithoutExtension(exe) == "dotnet"
            ? new TrialCommand(exe, [typeof(SweepHandler).Assembly.Location])
            : new TrialCommand(exe, []);
    }
}
