namespace ImbalanceFair.Core.Training;

/// <summary>
/// The registry of model selections (<c>train.select</c>): name → which validation score picks the epoch whose
/// weights are kept (null: the last epoch, no selection). The scores are balanced and worst-group accuracy.
/// </summary>
public static class Selections
{
    private static readonly Dictionary<string, Func<double, double, double?>> s_table = new(StringComparer.Ordinal)
    {
        ["last"] = (_, _) => null,
        ["best-val-balanced-accuracy"] = (balanced, _) => balanced,
        ["best-val-worst-group"] = (_, worstGroup) => worstGroup,
    };

    public static IReadOnlyList<string> Names { get; } = [.. s_table.Keys];

    /// <summary>The score to maximise for <paramref name="name"/> given this epoch's validation accuracies.</summary>
    public static double? Score(string name, double balancedAccuracy, double worstGroupAccuracy) =>
        s_table.TryGetValue(name, out var pick) ? pick(balancedAccuracy, worstGroupAccuracy)
        : throw new ArgumentException($"train.select must be one of {string.Join(", ", Names)}, not '{name}'", nameof(name));
}
