using System.CommandLine;
using ImbalanceFair.Core;

namespace ImbalanceFair.Cli.Commands;

/// <summary>The process-wide libtorch settings, applied before the commands that use tensors, and only those.</summary>
internal static class TorchSetup
{
    private static readonly HashSet<string> s_tensorCommands = new(StringComparer.Ordinal) { "run", "validate", "sweep" };

    /// <summary>`run`, `validate`, `sweep` (which checks every trial's device) and --version (which names libtorch).</summary>
    public static bool NeededBy(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        if (parsed.Action is System.CommandLine.Help.HelpAction)
        {
            return false;
        }

        return s_tensorCommands.Contains(parsed.CommandResult.Command.Name)
               || parsed.CommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>().Any(o => o.Option is VersionOption);
    }

    /// <summary>Null when done; else the exit code of a clear error (a bad IMBFAIR_THREADS, no shim).</summary>
    public static int? TryConfigure(TextWriter stderr)
    {
        try
        {
            TorchRuntime.ConfigureThreads();
            TorchRuntime.ConfigureAllocator();
            return null;
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (DllNotFoundException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
