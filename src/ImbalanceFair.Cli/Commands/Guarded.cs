using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Torch.Serialization;

namespace ImbalanceFair.Cli.Commands;

/// <summary>Maps failures to DESIGN §9's exit codes with one clear line on stderr, no stack trace for user errors.</summary>
internal static class Guarded
{
    public static int Run(TextWriter stderr, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (ConfigException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is DataFormatException or SafeTensorsFormatException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
