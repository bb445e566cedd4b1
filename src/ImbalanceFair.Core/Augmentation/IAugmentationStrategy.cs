using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;
using Serilog;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// What a strategy may use besides the data: the run's seed, device, dataset, length and log; for the built-in diffusion
/// generator its inputs beyond the split (null: none, e.g. in unit tests) and the run's cancellation.
/// </summary>
public sealed record AugmentContext(long Seed, Device Device, DatasetDescriptor Descriptor, int Epochs, ILogger Log,
    Diffusion.GeneratorInputs? Generator = null, CancellationToken Cancel = default)
{
    /// <summary>The run's attribute (<c>dataset.attribute</c>), null without one: a colour attribute tints the real images, so added images without a parent are tinted too.</summary>
    public Data.Split.AttributeOptions? Attribute { get; init; }
}

/// <summary>One epoch's training data as a strategy shapes it: which real samples stay, and what it adds.</summary>
public sealed class EpochAugmentation : IDisposable
{
    public EpochAugmentation(AddedSamples added, long[]? keptReal = null, bool useReal = true)
    {
        Added = added ?? throw new ArgumentNullException(nameof(added));
        KeptReal = keptReal;
        UseReal = useReal;
    }

    public AddedSamples Added { get; }

    /// <summary>Positions of the real samples kept (undersampling); null keeps them all.</summary>
    public long[]? KeptReal { get; }

    /// <summary>False for a stage that trains on added samples only (FFR's synthetic pre-training).</summary>
    public bool UseReal { get; }

    /// <summary>
    /// SMOTE family: per class, the number of same-class neighbours it was over-sampled with (k_eff, 0: copies of its
    /// one image), null for a class that received nothing; null for the other strategies. split.csv's smote_k.
    /// </summary>
    public IReadOnlyList<int?>? SmoteK { get; init; }

    public void Dispose() => Added.Dispose();
}

/// <summary>
/// A minority-augmentation strategy (DESIGN §8). <see cref="Generate"/> is called at the start of every epoch with
/// the current model when <see cref="RegeneratesEachEpoch"/>, else once (epoch 0) and reused.
/// </summary>
public interface IAugmentationStrategy
{
    string Name { get; }

    bool RegeneratesEachEpoch { get; }

    /// <param name="targets">Per-class target counts (only classes below target receive samples).</param>
    EpochAugmentation Generate(int epoch, RealTrainingData real, long[] targets, ClipClassifier model);
}
