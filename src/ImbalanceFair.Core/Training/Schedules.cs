using ImbalanceFair.Core.Config;
using ImbalanceFair.Torch;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Training;

/// <summary><c>train.schedule</c>: the learning-rate schedule after a linear warmup.</summary>
public sealed record ScheduleOptions
{
    public string Name { get; init; } = "cosine";

    public long WarmupSteps { get; init; } = 100;

    public static ScheduleOptions Read(YamlObject? y)
    {
        var d = new ScheduleOptions();
        if (y is null)
        {
            return d;
        }

        y.Allow("name", "warmup_steps");
        return new ScheduleOptions
        {
            Name = ConfigValues.Choice(y, "name", d.Name, Schedules.Names),
            WarmupSteps = ConfigValues.Int(y, "warmup_steps", d.WarmupSteps, 0, long.MaxValue),
        };
    }

    public ConfigNode Write() => M("schedule", S("name", Str(Name)), S("warmup_steps", Num(WarmupSteps)));
}

/// <summary>The registry of schedules (<c>train.schedule.name</c>): name → (optimizer, warmup steps, total steps) → schedule.</summary>
public static class Schedules
{
    private static readonly Dictionary<string, Func<optim.Optimizer, long, long, optim.lr_scheduler.LRScheduler>> s_table = new(StringComparer.Ordinal)
    {
        // Cosine decay to zero after the warmup (Hugging Face's get_cosine_schedule_with_warmup).
        ["cosine"] = (o, warmup, total) => optim.lr_scheduler.get_cosine_schedule_with_warmup(o, warmup, total),

        // Linear warmup, then flat.
        ["constant"] = (o, warmup, _) => new optim.lr_scheduler.LambdaLR(o, step => warmup > 0 && step < warmup ? (double)step / warmup : 1.0),
    };

    public static IReadOnlyList<string> Names { get; } = [.. s_table.Keys];

    public static optim.lr_scheduler.LRScheduler Create(string name, optim.Optimizer optimizer, long warmup, long totalSteps) =>
        s_table.TryGetValue(name, out var make) ? make(optimizer, warmup, totalSteps)
        : throw new ArgumentException($"train.schedule.name must be one of {string.Join(", ", Names)}, not '{name}'", nameof(name));
}
