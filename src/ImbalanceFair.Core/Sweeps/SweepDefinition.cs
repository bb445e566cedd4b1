namespace ImbalanceFair.Core.Sweeps;

/// <summary>One dotted-key assignment of a trial, as `imbfair run` takes it on its command line.</summary>
/// <param name="Line">The line of the sweep file it came from (for errors).</param>
public sealed record Override(string Key, string Value, int Line)
{
    public override string ToString() => $"{Key}={Value}";
}

/// <summary>One key of the grid and the values it takes, in file order.</summary>
public sealed record GridAxis(string Key, IReadOnlyList<string> Values, int Line);

/// <summary>
/// A sweep file (DESIGN §9a) as read: the base run config, overrides for every trial, the grid, and the variants
/// crossed with it. Values are kept as YAML text, exactly what a <c>key=value</c> override would carry.
/// </summary>
public sealed record SweepDefinition(
    string File,
    string Name,
    string BaseConfig,
    IReadOnlyList<Override> Set,
    IReadOnlyList<GridAxis> Grid,
    IReadOnlyList<IReadOnlyList<Override>> Variants);
