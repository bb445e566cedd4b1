using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Training;

/// <summary>
/// One epoch's training data, whole on the device: uint8 images [N, C, H, W] and int64 labels; batches are
/// gathered from it by index. ClassCounts are the per-class counts after augmentation (the losses' priors).
/// </summary>
public sealed class TrainingSet : IDisposable
{
    private readonly bool _owns;

    public TrainingSet(Tensor images, Tensor labels, int classes, bool ownsTensors)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        Images = images;
        Labels = labels;
        LabelsHost = labels.to(Device.CPU).ToArray<long>();
        ClassCounts = Data.ClassCounts.Of(LabelsHost, classes);

        _owns = ownsTensors;
    }

    public Tensor Images { get; }

    public Tensor Labels { get; }

    public long[] LabelsHost { get; }

    public long[] ClassCounts { get; }

    public int Count => LabelsHost.Length;

    public void Dispose()
    {
        if (_owns)
        {
            Images.Dispose();
            Labels.Dispose();
        }
    }
}

/// <summary>
/// Where each epoch's training set comes from. An augmentation strategy implements it to regenerate samples at the
/// start of an epoch with the current model (online adversarial examples); the plain source returns the same set.
/// </summary>
public interface ITrainingSetSource
{
    /// <summary>The set for <paramref name="epoch"/>; the trainer disposes it when the epoch ends.</summary>
    TrainingSet ForEpoch(int epoch, ClipClassifier model);
}

/// <summary>The real training images, unchanged every epoch.</summary>
public sealed class FixedTrainingSet(Tensor images, Tensor labels, int classes) : ITrainingSetSource
{
    public TrainingSet ForEpoch(int epoch, ClipClassifier model) => new(images, labels, classes, ownsTensors: false);
}

/// <summary>The validation images with their labels and groups (class, or class × attribute) for model selection.</summary>
public sealed record ValidationSet(Tensor Images, Tensor Labels, long[] Groups);
