using ImbalanceFair.Cli.Commands;

return await CliApp.Build().Parse(args).InvokeAsync().ConfigureAwait(false);
