using System.CommandLine;
using Serilog.Events;

namespace ImbalanceFair.Cli.Commands;

/// <summary>Options every command takes (DESIGN §9).</summary>
internal static class GlobalOptions
{
    public static readonly Option<LogEventLevel> LogLevel = new("--log-level")
    {
        Description = "Console log level: Verbose, Debug, Information, Warning, Error (run.log always has Debug)",
        DefaultValueFactory = _ => LogEventLevel.Information,
        Recursive = true,
    };

    public static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "Only warnings and errors on the console", Recursive = true };

    public static readonly Option<bool> NoProgress = new("--no-progress") { Description = "Plain milestone lines instead of a progress display", Recursive = true };

    public static readonly Option<bool> Json = new("--json") { Description = "One JSON object with the result on stdout (logs and progress go to stderr)", Recursive = true };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(LogLevel);
        root.Options.Add(Quiet);
        root.Options.Add(NoProgress);
        root.Options.Add(Json);
    }
}
