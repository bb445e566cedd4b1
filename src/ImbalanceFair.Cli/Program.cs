using ImbalanceFair.Cli;
using ImbalanceFair.Cli.Commands;

var parsed = CliApp.Build().Parse(args);

// libtorch loads only for the commands that use tensors: `report`, `datasets` and --help work on a machine without
// the shim (a laptop holding runs copied from a cluster), and a bad IMBFAIR_THREADS is a clear error where it matters.
if (parsed.Errors.Count == 0 && TorchSetup.NeededBy(parsed) && TorchSetup.TryConfigure(parsed.InvocationConfiguration.Error) is { } setupFailure)
{
    return setupFailure;
}

var exitCode = await parsed.InvokeAsync().ConfigureAwait(false);

// DESIGN §9: a usage error is exit code 2 (System.CommandLine's own default is 1).
return parsed.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
