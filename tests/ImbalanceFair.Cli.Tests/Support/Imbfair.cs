using System.Diagnostics;

namespace ImbalanceFair.Cli.Tests.Support;

/// <summary>Runs the real imbfair executable built beside the tests, as a user would.</summary>
public static class Imbfair
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static string AppPath => Path.Combine(AppContext.BaseDirectory, "imbfair.dll");

    public static Result Run(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        using var process = Processes.Start(args, environment, workingDirectory);
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
