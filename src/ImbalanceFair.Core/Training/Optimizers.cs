using ImbalanceFair.Core.Config;
using ImbalanceFair.Torch;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Training;

/// <summary><c>train.optimizer</c>: the optimizer's name and hyper-parameters; each optimizer reads only its own keys.</summary>
public sealed record OptimizerOptions
{
    public string Name { get; init; } = "adamw";

    public double Lr { get; init; } = 1e-3;

    public double WeightDecay { get; init; } = 0.05;

    /// <summary>AdamW's betas and epsilon; CLIP's own values (β₂ = 0.98, ε = 1e-6) suit small-batch contrastive training.</summary>
    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.98;

    public double Eps { get; init; } = 1e-6;

    /// <summary>SGD only.</summary>
    public double Momentum { get; init; } = 0.9;

    public static OptimizerOptions Read(YamlObject? y)
    {
        var d = new OptimizerOptions();
        if (y is null)
        {
            return d;
        }

        y.Allow("name", "lr", "weight_decay", "beta1", "beta2", "eps", "momentum");
        return new OptimizerOptions
        {
            Name = ConfigValues.Choice(y, "name", d.Name, Optimizers.Names),
            Lr = ConfigValues.Num(y, "lr", d.Lr, 0, double.MaxValue, minExclusive: true),
            WeightDecay = ConfigValues.Num(y, "weight_decay", d.WeightDecay, 0, double.MaxValue),
            Beta1 = ConfigValues.Num(y, "beta1", d.Beta1, 0, 1, maxExclusive: true),
            Beta2 = ConfigValues.Num(y, "beta2", d.Beta2, 0, 1, maxExclusive: true),
            Eps = ConfigValues.Num(y, "eps", d.Eps, 0, double.MaxValue),
            Momentum = ConfigValues.Num(y, "momentum", d.Momentum, 0, 1),
        };
    }

    /// <summary>The <c>optimizer</c> mapping: keys the chosen optimizer does not read do not apply.</summary>
    public ConfigNode Write()
    {
        var keys = Optimizers.Get(Name).Keys;
        return M("optimizer",
            S("name", Str(Name)),
            S("lr", Num(Lr)), S("weight_decay", Num(WeightDecay)),
            S("beta1", Num(Beta1)).When(keys.Contains("beta1")), S("beta2", Num(Beta2)).When(keys.Contains("beta2")),
            S("eps", Num(Eps)).When(keys.Contains("eps")), S("momentum", Num(Momentum)).When(keys.Contains("momentum")));
    }
}

/// <summary>One optimizer: its name, the option keys it reads besides lr and weight_decay, and its factory.</summary>
public sealed record OptimizerDefinition(string Name, IReadOnlyList<string> Keys, Func<IReadOnlyList<Tensor>, OptimizerOptions, optim.Optimizer> Create);

/// <summary>The registry of optimizers (<c>train.optimizer.name</c>).</summary>
public static class Optimizers
{
    private static readonly OptimizerDefinition[] s_rows =
    [
        new("adamw", ["beta1", "beta2", "eps"], (p, o) => new optim.AdamW(p, lr: o.Lr, beta1: o.Beta1, beta2: o.Beta2, eps: o.Eps, weight_decay: o.WeightDecay)),
        new("sgd", ["momentum"], (p, o) => new optim.SGD(p, lr: o.Lr, momentum: o.Momentum, weight_decay: o.WeightDecay)),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. s_rows.Select(r => r.Name)];

    public static OptimizerDefinition Get(string name) =>
        s_rows.FirstOrDefault(r => r.Name == name)
        ?? throw new ArgumentException($"train.optimizer.name must be one of {string.Join(", ", Names)}, not '{name}'", nameof(name));

    public static optim.Optimizer Create(IReadOnlyList<Tensor> parameters, OptimizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Get(options.Name).Create(parameters, options);
    }
}
