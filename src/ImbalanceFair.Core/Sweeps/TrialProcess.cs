using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ImbalanceFair.Core.Sweeps;

/// <summary>The result of one child `imbfair run`: its exit code, time, its JSON status, and its last error line.</summary>
public sealed record TrialExit(int ExitCode, double Seconds, string? RunStatus, string Error);

/// <summary>
/// One trial as a child `imbfair run` process: its own libtorch, its own thread count (<c>IMBFAIR_THREADS</c>), its
/// own log in the run directory. The child holds the run lock itself, so the lock lives exactly as long as the work.
/// Only the tail of its stderr is kept, to name the error when it fails.
/// </summary>
public sealed partial class TrialProcess : IDisposable
{
    public const string ParentPidVariable = "IMBFAIR_PARENT_PID";
    private const int TailLines = 200;

    private readonly Process _process;
    private readonly Queue<string> _stderr = new();
    private readonly System.Text.StringBuilder _stdout = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private TrialProcess(Process process) => _process = process;

    public int Id => _process.Id;

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
        process.StandardInput.Close();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return trial;
    }

    /// <summary>Asks the child to stop as Ctrl-C would (it finishes its step and keeps its checkpoint).</summary>
    public void Terminate()
    {
        if (_process.HasExited)
        {
            return;
        }

        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            kill?.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            _process.Kill();
        }
    }

    public TrialExit Wait()
    {
        _process.WaitForExit();
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

        return new TrialExit(_process.ExitCode, seconds, JsonStatus(stdout), _process.ExitCode == 0 ? string.Empty : LastError(lines, _process.ExitCode));
    }

    /// <summary>
    /// The line that says what went wrong: the last "error: ..." or error-level log line (without its timestamp),
    /// else the last line written at all.
    /// </summary>
    public static string LastError(IReadOnlyList<string> stderr, int exitCode)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        for (var i = stderr.Count - 1; i >= 0; i--)
        {
            var line = stderr[i].Trim();
            if (line.StartsWith("error: ", StringComparison.Ordinal))
            {
                return line["error: ".Length..];
            }

            var m = ErrorLogLine().Match(line);
            if (m.Success)
            {
                return m.Groups[1].Value;
            }
        }

        var last = stderr.LastOrDefault(l => !string.IsNullOrWhiteSpace(l))?.Trim();
        return last ?? (exitCode > 128 ? $"killed by signal {exitCode - 128}, no message" : $"exit code {exitCode}, no message");
    }

    private static string? JsonStatus(string stdout)
    {
        try
        {
            return stdout.Length == 0 ? null
                : JsonDocument.Parse(stdout).RootElement.TryGetProperty("status", out var s) ? s.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
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

    public void Dispose() => _process.Dispose();

    [GeneratedRegex(@"^\d\d:\d\d:\d\d (?:ERR|FTL) (.*)$")]
    private static partial Regex ErrorLogLine();
}
