using System.CommandLine;
using ImbalanceFair.Cli.Commands;
using Serilog;
using Serilog.Events;

namespace ImbalanceFair.Cli.Output;

/// <summary>
/// Where people and scripts read from: logs always on stderr (stdout stays clean for --json), a live progress display
/// only on an interactive terminal, plain milestone lines otherwise.
/// </summary>
internal sealed class ConsoleOutput
{
    private ConsoleOutput(ParseResult parse)
    {
        Json = parse.GetValue(GlobalOptions.Json);
        Quiet = parse.GetValue(GlobalOptions.Quiet);
        Level = Quiet ? LogEventLevel.Warning : parse.GetValue(GlobalOptions.LogLevel);
        Interactive = !Console.IsErrorRedirected && !parse.GetValue(GlobalOptions.NoProgress) && !Quiet
                      && Environment.GetEnvironmentVariable("CI") is null && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");
        Out = parse.InvocationConfiguration.Output;
        Error = parse.InvocationConfiguration.Error;
    }

    public bool Json { get; }

    public bool Quiet { get; }

    public LogEventLevel Level { get; }

    /// <summary>Whether to draw an animated progress display (stderr is a terminal and nobody asked otherwise).</summary>
    public bool Interactive { get; }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public static ConsoleOutput From(ParseResult parse) => new(parse);

    /// <summary>A console logger to stderr at <paramref name="level"/> (the progress display raises it while it draws).</summary>
    public ILogger Logger(Serilog.Core.LoggingLevelSwitch level) => new LoggerConfiguration()
        .MinimumLevel.ControlledBy(level)
        .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}")
        .CreateLogger();
}
