using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>What a strategy's plan-time check may look at (before any file is written).</summary>
public sealed record StrategyPlan(TrainMode Mode, DatasetDescriptor Dataset);

/// <summary>
/// One row of <see cref="AugmentationStrategies"/>: the strategy's name (<c>augment.strategy</c>), the option section it
/// reads (<c>augment.&lt;key&gt;</c>; null for none), how to make it, and what it checks before a run starts. Each
/// strategy's file holds its definition, its option record and that record's section.
/// </summary>
public sealed record StrategyDefinition(string Name, IOptionSection? Section, Func<AugmentOptions, AugmentContext, IAugmentationStrategy> Create)
{
    /// <summary>Throws a <see cref="ConfigException"/> for a combination that cannot work; null: nothing to check.</summary>
    public Action<AugmentOptions, StrategyPlan>? Check { get; init; }

    /// <summary>Keys of <see cref="Section"/> this strategy does not read (they stay out of its run hash).</summary>
    public IReadOnlyList<string> Unread { get; init; } = [];
}
