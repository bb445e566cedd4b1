using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ImbalanceFair.Core.Sweeps;

/// <summary>The result of one child `imbfair run`: its exit code, time, its JSON status, and its error message.</summary>
public sealed record TrialExit(int ExitCode, double Seconds, string? RunStatus, string Error);

/// <summary>
/// One trial as a child `imbfair run` process: its own libtorch, its own thread count (<c>IMBFAIR_THREADS</c>), its
/// own log in the run directory. The child holds the run lock itself, so the lock lives exactly as long as the work.
/// The error of a failed trial is the one its `--json` object names; only when it printed none (a crash) is the tail of
/// its stderr used.
/// </summary>
public sealed partial class TrialProcess : IDisposable
{
    public const string ParentPidVariable = "IMBFAIR_PARENT_PID";
    private const int TailLines = 200;

    private readonly Process _process;
    private readonly Queue<string> _stderr = new();
    private readonly System.Text.StringBuilder _stdout = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private readonly object _gate = new();
    private int _pid;
    private bool _reaped;

    private TrialProcess(Process process) => _process = process;

    public int Id => _pid;

    public static TrialProcess Start(TrialCommand command, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var psi = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in command.Prefix.Concat(arguments))
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }

        psi.Environment[ParentPidVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var process = new Process { StartInfo = psi };
        var trial = new TrialProcess(process);
        process.ErrorDataReceived += (_, e) => trial.AddError(e.Data);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (trial._stdout)
                {
                    trial._stdout.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        trial._pid = process.Id;
        process.StandardInput.Close();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return trial;
    }

    /// <summary>
    /// Asks the child to stop as Ctrl-C would (it stops at its next safe point and keeps its checkpoint), by the
    /// kill(2) system call on the process id taken at start. Safe from a signal handler racing the worker that waits
    /// for and disposes the process: once the worker has seen the exit it does nothing (the id may be reused).
    /// </summary>
    public void Terminate()
    {
        lock (_gate)
        {
            if (_reaped)
            {
                return;
            }

            if (!_process.HasExited)
            {
                // A failure (ESRCH) means it ended on its own meanwhile, which is what we wanted.
                _ = Kill(_pid, SigTerm);
            }
        }
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    public TrialExit Wait()
    {
        _process.WaitForExit();
        lock (_gate)
        {
            _reaped = true;
        }

        var seconds = _clock.Elapsed.TotalSeconds;
        string[] lines;
        lock (_stderr)
        {
            lines = [.. _stderr];
        }

        string stdout;
        lock (_stdout)
        {
            stdout = _stdout.ToString();
        }

        var (status, message) = JsonResult(stdout);
        var exitCode = _process.ExitCode;
        return new TrialExit(exitCode, seconds, status, exitCode == 0 ? string.Empty : message ?? LastLine(lines, exitCode));
    }

    /// <summary>
    /// The child's `--json` object: its status, and on failure its error message (DESIGN §9); nothing when it printed
    /// none (killed, crashed before it could).
    /// </summary>
    public static (string? Status, string? Error) JsonResult(string stdout)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (last is null)
        {
            return (null, null);
        }

        try
        {
            using var json = JsonDocument.Parse(last);
            var root = json.RootElement;
            var status = root.TryGetProperty("status", out var s) ? s.GetString() : null;
            var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var m) ? m.GetString() : null;
            return (status, error);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>Without a JSON error (a crash, a kill): the last line it wrote, else what its exit code says.</summary>
    public static string LastLine(IReadOnlyList<string> stderr, int exitCode)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        var last = stderr.LastOrDefault(l => !string.IsNullOrWhiteSpace(l))?.Trim();
        return last ?? (exitCode > 128 ? $"killed by signal {exitCode - 128}, no message" : $"exit code {exitCode}, no message");
    }

    private void AddError(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stderr)
        {
            _stderr.Enqueue(line);
            if (_stderr.Count > TailLines)
            {
                _stderr.Dequeue();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _reaped = true;
        }

        _process.Dispose();
    }
}
