namespace ImbalanceFair.Core.Sweeps;

/// <summary>One trial: its index in the sweep and the overrides that make it from the base config.</summary>
public sealed record Trial(int Index, IReadOnlyList<Override> Overrides)
{
    /// <summary>The overrides as one line, <c>key=value key=value</c>, for people and for trials.csv.</summary>
    public string OverridesText => string.Join(' ', Overrides);
}

/// <summary>
/// Expands a sweep into trials. Index = variant · |grid| + grid position, the grid in file order with its last key
/// varying fastest (DESIGN §9a). Variants are the slowest axis so that appending a variant to a file keeps every
/// existing trial's index.
/// </summary>
public static class SweepTrials
{
    public static IReadOnlyList<Trial> Expand(SweepDefinition sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var points = new List<List<Override>> { new() };
        foreach (var axis in sweep.Grid)
        {
            points = points.SelectMany(p => axis.Values.Select(v => new List<Override>(p) { new(axis.Key, v, axis.Line) })).ToList();
        }

        IReadOnlyList<IReadOnlyList<Override>> variants = sweep.Variants.Count > 0 ? sweep.Variants : [[]];
        var trials = new List<Trial>(variants.Count * points.Count);
        foreach (var variant in variants)
        {
            foreach (var point in points)
            {
                // Later assignments win when a key repeats: set < grid < variant.
                trials.Add(new Trial(trials.Count, [.. sweep.Set, .. point, .. variant]));
            }
        }

        return trials;
    }
}
