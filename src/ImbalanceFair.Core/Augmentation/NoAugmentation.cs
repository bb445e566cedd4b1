using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation;

/// <summary><c>none</c>: the real long-tailed data as it is.</summary>
public sealed class NoAugmentation : IAugmentationStrategy
{
    public static StrategyDefinition Definition { get; } = new("none", null, (_, _) => new NoAugmentation());

    public string Name => "none";

    public bool RegeneratesEachEpoch => false;

    public EpochAugmentation Generate(int epoch, RealTrainingData real, long[] targets, ClipClassifier model)
    {
        ArgumentNullException.ThrowIfNull(real);
        return new EpochAugmentation(AddedSamples.Empty(real.Images));
    }
}
