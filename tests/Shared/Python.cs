using System.Diagnostics;

namespace ImbalanceFair.Tests.Shared;

/// <summary>
/// Runs Debian's python3 (which has python3-torch, -sklearn, -imblearn; scripts/bootstrap installs them)
/// for side-by-side checks. IMBFAIR_PYTHON overrides the interpreter. A missing interpreter or module is a
/// test failure, not a skip: the cross-checks are part of what the suite proves.
/// </summary>
public static class Python
{
    public static string Interpreter =>
        Environment.GetEnvironmentVariable("IMBFAIR_PYTHON") is { Length: > 0 } p ? p
        : File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>Runs <paramref name="script"/> with the given arguments; returns stdout, throws with stderr on failure.</summary>
    public static string Run(string script, params string[] args)
    {
        var dir = Directory.CreateTempSubdirectory("imbfair-py-");
        try
        {
            var path = Path.Combine(dir.FullName, "check.py");
            File.WriteAllText(path, script);
            var psi = new ProcessStartInfo(Interpreter)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add(path);
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            // The same thread count on both sides keeps float reductions in the same order.
            psi.Environment["OMP_NUM_THREADS"] = "1";
            using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {Interpreter}");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{Interpreter} {path} ran for more than 5 minutes");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{Interpreter} exited with {process.ExitCode}:\n{stderr.Result}\n{stdout.Result}");
            }

            return stdout.Result;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
