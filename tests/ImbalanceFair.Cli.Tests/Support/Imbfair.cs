using System.Diagnostics;

namespace ImbalanceFair.Cli.Tests.Support;

/// <summary>Runs the real imbfair executable built beside the tests, as a user would.</summary>
public static class Imbfair
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static string AppPath => Path.Combine(AppContext.BaseDirectory, "imbfair.dll");

    public static Result Run(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(AppPath);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"imbfair {string.Join(' ', args)} did not finish in time");
        }

        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
