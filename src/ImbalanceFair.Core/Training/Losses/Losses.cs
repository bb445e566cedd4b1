namespace ImbalanceFair.Core.Training.Losses;

/// <summary>
/// The registry of training losses (<c>train.loss</c>, DESIGN §5): one table of name → factory. A factory takes
/// the options and the per-class counts of the training set as the model will see it (after augmentation); the
/// keys are the <c>train.*</c> hyper-parameters the loss reads (the others do not change its runs).
/// </summary>
public static class Losses
{
    private static readonly Dictionary<string, (string[] Keys, Func<LossOptions, long[], ILoss> Make)> s_table = new(StringComparer.Ordinal)
    {
        ["ce"] = ([], (_, counts) => new CrossEntropyLoss(counts)),
        ["balanced-softmax"] = ([], (_, counts) => new LogitAdjustedLoss("balanced-softmax", 1.0, counts)),
        ["logit-adjustment"] = (["tau"], (o, counts) => new LogitAdjustedLoss("logit-adjustment", o.Tau, counts)),
        ["focal"] = (["gamma"], (o, counts) => new FocalLoss(o.Gamma, counts)),
        ["class-balanced"] = (["beta"], (o, counts) => new ClassBalancedLoss(o.Beta, counts)),
    };

    /// <summary>The registered names, in registration order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. s_table.Keys];

    /// <summary>The <c>train.*</c> keys loss <paramref name="name"/> reads.</summary>
    public static IReadOnlyList<string> KeysOf(string name) => s_table.TryGetValue(name, out var row) ? row.Keys : [];

    /// <summary>Builds the loss <paramref name="name"/>; an unknown name is an <see cref="ArgumentException"/> listing the names.</summary>
    public static ILoss Create(string name, LossOptions options, long[] classCounts)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(classCounts);
        return s_table.TryGetValue(name, out var row)
            ? row.Make(options, classCounts)
            : throw new ArgumentException($"unknown loss '{name}'; known losses: {string.Join(", ", Names)}", nameof(name));
    }
}
