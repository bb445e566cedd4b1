using System.Collections.Concurrent;
using System.Globalization;
using Serilog;

namespace ImbalanceFair.Core.Sweeps;

/// <summary>What a sweep invocation did with each trial it was given.</summary>
public sealed record SweepOutcome(IReadOnlyDictionary<int, TrialRecord> Trials, IReadOnlyList<TrialsFile.Row> Rows, bool Interrupted)
{
    public IEnumerable<int> Failed => Trials.Where(t => t.Value.Status == TrialStatus.Failed).Select(t => t.Key).Order();

    public IEnumerable<int> RunningElsewhere => Trials.Where(t => t.Value.Status == TrialStatus.Running).Select(t => t.Key).Order();
}

/// <summary>
/// Runs a sweep's trials as child `imbfair run` processes, <see cref="Jobs"/> at a time, in index order. Each
/// trial is an ordinary run directory: a done one is skipped, an unfinished one resumes, one whose lock another
/// process holds is left to it ("running elsewhere"). A failed trial does not stop the others. Cancelling passes
/// SIGTERM to the children, which keep their checkpoints, and starts no new trial.
/// </summary>
public sealed class SweepRunner
{
    private readonly ILogger _log;
    private readonly TrialCommand _command;

    public SweepRunner(ILogger log, TrialCommand command)
    {
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _command = command ?? throw new ArgumentNullException(nameof(command));
    }

    public int Jobs { get; init; } = 1;

    /// <summary>Arguments every child gets after its overrides (e.g. --no-progress, the log level).</summary>
    public IReadOnlyList<string> ChildOptions { get; init; } = [];

    public SweepOutcome Run(SweepPlan plan, IReadOnlyList<PlannedTrial> trials, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(trials);
        var known = new ConcurrentDictionary<int, TrialRecord>();
        var live = new ConcurrentDictionary<int, TrialProcess>();
        var fileGate = new object();
        void Record()
        {
            lock (fileGate)
            {
                TrialsFile.Update(plan, known);
            }
        }

        Record();
        // One experiment runs once, however many selected trials name it (they differ only in keys that do not apply).
        var queue = new ConcurrentQueue<PlannedTrial>(trials.GroupBy(t => t.RunDir, StringComparer.Ordinal).Select(g => g.First()));
        var environment = ChildEnvironment();
        using var stop = cancel.Register(() =>
        {
            foreach (var p in live.Values)
            {
                p.Terminate();
            }
        });

        void Worker()
        {
            while (!cancel.IsCancellationRequested && queue.TryDequeue(out var t))
            {
                var record = RunOne(plan, t, environment, live, cancel);
                if (record is not null)
                {
                    known[t.Index] = record;
                    Record();
                }
            }
        }

        var workers = Enumerable.Range(0, Math.Max(1, Math.Min(Jobs, trials.Count))).Select(_ => Task.Factory.StartNew(Worker, TaskCreationOptions.LongRunning)).ToArray();
        Task.WaitAll(workers, CancellationToken.None);
        List<TrialsFile.Row> rows;
        lock (fileGate)
        {
            rows = [.. TrialsFile.Update(plan, known)];
        }

        return new SweepOutcome(known.ToDictionary(k => k.Key, k => k.Value), rows, cancel.IsCancellationRequested);
    }

    private TrialRecord? RunOne(SweepPlan plan, PlannedTrial t, Dictionary<string, string> environment, ConcurrentDictionary<int, TrialProcess> live, CancellationToken cancel)
    {
        var label = $"trial {t.Index}";
        switch (TrialStatuses.Observe(t.Run, null))
        {
            case TrialStatus.Done:
                // Nothing new to record: trials.csv keeps the time and exit code of the process that ran it.
                _log.Information("{Label} already done: {RunDir}", label, t.RunDir);
                return null;
            case TrialStatus.Running:
                _log.Warning("{Label} running elsewhere (another process holds its lock): {RunDir}", label, t.RunDir);
                return new TrialRecord(TrialStatus.Running);
        }

        _log.Information("{Label} started: {Overrides} -> {RunDir}", label, t.Trial.OverridesText, t.RunDir);
        TrialExit exit;
        using (var process = TrialProcess.Start(_command, ["run", .. t.RunArguments(plan.Sweep), "--json", "--quiet", .. ChildOptions], environment))
        {
            live[t.Index] = process;
            if (cancel.IsCancellationRequested)
            {
                process.Terminate();
            }

            exit = process.Wait();
            live.TryRemove(t.Index, out _);
        }

        var seconds = exit.Seconds.ToString("F1", CultureInfo.InvariantCulture);
        switch (exit.ExitCode)
        {
            case 0 when exit.RunStatus == "skipped":
                _log.Information("{Label} already done (finished elsewhere meanwhile): {RunDir}", label, t.RunDir);
                return null;
            case 0:
                _log.Information("{Label} done in {Seconds} s: {RunDir}", label, seconds, t.RunDir);
                return new TrialRecord(TrialStatus.Done, 0, exit.Seconds);
            case LockedExitCode:
                _log.Warning("{Label} running elsewhere (another process took its lock first): {RunDir}", label, t.RunDir);
                return new TrialRecord(TrialStatus.Running, exit.ExitCode);
            case 130 or 143 when cancel.IsCancellationRequested:
                _log.Warning("{Label} interrupted after {Seconds} s; its checkpoint is kept and the next sweep resumes it", label, seconds);
                return new TrialRecord(TrialStatus.Interrupted, exit.ExitCode, exit.Seconds, "interrupted");
            default:
                _log.Error("{Label} FAILED (exit {Exit}) after {Seconds} s: {Error}", label, exit.ExitCode, seconds, exit.Error);
                return new TrialRecord(TrialStatus.Failed, exit.ExitCode, exit.Seconds, exit.Error);
        }
    }

    /// <summary>The exit code of `imbfair run` when another process holds the run's lock.</summary>
    public const int LockedExitCode = 75;

    /// <summary>The cores shared out between the trials running at once, unless the user chose a thread count.</summary>
    private Dictionary<string, string> ChildEnvironment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("IMBFAIR_THREADS")))
        {
            environment["IMBFAIR_THREADS"] = ThreadsPerTrial(Environment.ProcessorCount, Jobs).ToString(CultureInfo.InvariantCulture);
        }

        return environment;
    }

    public static int ThreadsPerTrial(int cores, int jobs) => Math.Max(1, cores / Math.Max(1, jobs));
}
