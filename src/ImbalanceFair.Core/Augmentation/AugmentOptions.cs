using ImbalanceFair.Core.Config;
using YamlDotNet.RepresentationModel;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// How many samples each class should end with: <c>balance</c> (every class to n_max), <c>{ratio: r}</c> (to
/// n_max / r) or <c>{counts: {class: n}}</c>. Only classes below their target receive samples.
/// </summary>
public sealed record AugmentTarget
{
    public string Kind { get; init; } = "balance";

    public double Ratio { get; init; } = 1;

    /// <summary>Class name → target count (with Kind "counts"); classes not named keep their count.</summary>
    public IReadOnlyDictionary<string, long> Counts { get; init; } = new Dictionary<string, long>();

    /// <summary>Per-class target counts given the real per-class training counts.</summary>
    public long[] For(long[] realCounts, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(realCounts);
        ArgumentNullException.ThrowIfNull(classNames);
        var nMax = realCounts.Max();
        return Kind switch
        {
            "balance" => realCounts.Select(n => Math.Max(n, nMax)).ToArray(),
            "ratio" => realCounts.Select(n => Math.Max(n, (long)Math.Floor(nMax / Ratio))).ToArray(),
            "counts" => realCounts.Select((n, c) => Counts.TryGetValue(classNames[c], out var t) ? Math.Max(n, t) : n).ToArray(),
            _ => throw new ArgumentException($"augment.target must be balance, {{ratio: r}} or {{counts: {{...}}}}, not '{Kind}'"),
        };
    }
}

/// <summary>
/// The <c>augment</c> keys of the run config (DESIGN §5): the strategy, its target, and every strategy's option
/// section (by key; a section not given holds its defaults). Only the active strategy's section is part of the run's
/// identity (<see cref="Write"/> marks the others).
/// </summary>
public sealed record AugmentOptions
{
    public string Strategy { get; init; } = "none";

    public AugmentTarget Target { get; init; } = new();

    /// <summary>Section key → that section's option record; missing keys read as defaults.</summary>
    public IReadOnlyDictionary<string, object> Sections { get; init; } = new Dictionary<string, object>();

    /// <summary>The option record of type <typeparamref name="T"/> (its defaults when the config did not give it).</summary>
    public T Section<T>() where T : class, new() => Sections.Values.OfType<T>().FirstOrDefault() ?? new T();

    /// <summary>A copy with <paramref name="options"/> as its section of that type.</summary>
    public AugmentOptions With<T>(T options) where T : class
    {
        ArgumentNullException.ThrowIfNull(options);
        var key = AugmentationStrategies.Sections.Single(s => s.OptionsType == typeof(T)).Key;
        return this with { Sections = new Dictionary<string, object>(Sections) { [key] = options } };
    }

    public static AugmentOptions Read(YamlObject? y)
    {
        var d = new AugmentOptions();
        if (y is null)
        {
            return d;
        }

        y.Allow(["strategy", "target", .. AugmentationStrategies.Sections.Select(s => s.Key)]);
        var target = d.Target;
        switch (y.GetNode("target"))
        {
            case YamlScalarNode:
                ConfigValues.Choice(y, "target", "balance", ["balance"]);
                break;
            case YamlMappingNode:
                var t = y.GetObject("target")!;
                t.Allow("ratio", "counts");
                if (t.Has("ratio") == t.Has("counts"))
                {
                    throw y.Error("target", "give either {ratio: r} or {counts: {class: n, ...}}");
                }

                target = t.Has("ratio")
                    ? new AugmentTarget { Kind = "ratio", Ratio = ConfigValues.Num(t, "ratio", 1, 1, double.MaxValue) }
                    : new AugmentTarget { Kind = "counts", Counts = Counts(t.GetObject("counts")!) };
                break;
            case not null:
                throw y.Error("target", "must be balance, {ratio: r} or {counts: {...}}");
        }

        return new AugmentOptions
        {
            Strategy = ConfigValues.Choice(y, "strategy", d.Strategy, AugmentationStrategies.Names),
            Target = target,
            Sections = AugmentationStrategies.Sections.ToDictionary(s => s.Key, s => s.Read(y.GetObject(s.Key))),
        };
    }

    /// <summary>The <c>augment</c> mapping; sections other than the active strategy's are written but do not apply.</summary>
    public ConfigNode Write()
    {
        var definition = AugmentationStrategies.Get(Strategy);
        var target = Target.Kind switch
        {
            "ratio" => M("target", S("ratio", Num(Target.Ratio))),
            "counts" => M("target", M("counts", [.. Target.Counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => S(kv.Key, Num(kv.Value)))])),
            _ => S("target", "balance"),
        };
        return M("augment",
        [
            S("strategy", Str(Strategy)),
            target.When(Strategy != "none"),
            .. AugmentationStrategies.Sections.Select(s => ReferenceEquals(s, definition.Section)
                ? M(s.Key, SectionNodes(s).Select(n => n.When(!definition.Unread.Contains(n.Key))))
                : M(s.Key, SectionNodes(s)).When(false)),
        ]);
    }

    private IReadOnlyList<ConfigNode> SectionNodes(IOptionSection s) => s.Write(Sections.TryGetValue(s.Key, out var o) ? o : s.Read(null));

    private static Dictionary<string, long> Counts(YamlObject counts)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in counts.Keys.ToList())
        {
            result[key] = ConfigValues.Int(counts, key, 0, 0, long.MaxValue);
        }

        return result;
    }
}
