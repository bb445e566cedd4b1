using System.Diagnostics;
using System.Text.Json;

namespace ImbalanceFair.Bench;

/// <summary>
/// The other side of a benchmark: a Python reference started once in <c>--serve</c> mode, which prints "ready",
/// then answers each command line (e.g. "round") with one JSON line, and leaves on "quit".
/// </summary>
internal abstract class ReferenceProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _what;

    protected ReferenceProcess(string python, string reference, IEnumerable<string> arguments, string what = "the PyTorch side",
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        if (!File.Exists(reference))
        {
            throw new ArgumentException($"{what} {reference} does not exist (run from the repository root, or pass --reference)");
        }

        _what = what;
        var psi = new ProcessStartInfo(python) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(reference);
        psi.ArgumentList.Add("--serve");
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        // A null value removes the variable from the child's environment.
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            if (v is null)
            {
                psi.Environment.Remove(k);
            }
            else
            {
                psi.Environment[k] = v;
            }
        }

        _process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {python}");
    }

    /// <summary>The next line the reference printed (for a handshake richer than "ready").</summary>
    protected string? ReadLine() => _process.StandardOutput.ReadLine();

    public void WaitReady()
    {
        var line = _process.StandardOutput.ReadLine();
        if (line != "ready")
        {
            throw new InvalidOperationException($"{_what} did not start (said: {line ?? "nothing"})");
        }
    }

    /// <summary>Sends one command and returns its JSON answer; an answer with "error" throws it.</summary>
    protected JsonElement Ask(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        var line = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"{_what} exited");
        var json = JsonDocument.Parse(line).RootElement;
        return json.TryGetProperty("error", out var error) ? throw new InvalidOperationException(error.GetString()) : json;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Close();
                if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    _process.Kill();
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}

internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }
}
