using ImbalanceFair.Cli;
using ImbalanceFair.Cli.Commands;
using ImbalanceFair.Core;

TorchRuntime.ConfigureThreads();
TorchRuntime.ConfigureAllocator();
var parsed = CliApp.Build().Parse(args);
var exitCode = await parsed.InvokeAsync().ConfigureAwait(false);

// DESIGN §9: a usage error is exit code 2 (System.CommandLine's own default is 1).
return parsed.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
