using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// One epoch's training data, whole on the device: uint8 images [N, C, H, W] — or, for a linear probe trained on
/// frozen features, float32 image embeddings [N, embed] — and int64 labels; batches are gathered from it by index.
/// ClassCounts are the per-class counts after augmentation (the losses' priors).
/// </summary>
public sealed class TrainingSet : IDisposable
{
    private readonly bool _owns;

    public TrainingSet(Tensor images, Tensor labels, int classes, bool ownsTensors, bool embeddings = false)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        Images = images;
        Labels = labels;
        LabelsHost = labels.to(Device.CPU).ToArray<long>();
        ClassCounts = Data.ClassCounts.Of(LabelsHost, classes);
        Embeddings = embeddings;
        _owns = ownsTensors;
    }

    /// <summary>The images, or the embeddings when <see cref="Embeddings"/>.</summary>
    public Tensor Images { get; }

    /// <summary>Whether <see cref="Images"/> holds image embeddings [N, embed] rather than pixels.</summary>
    public bool Embeddings { get; }

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
