using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// The run's real training images (after the long-tailed split), on the device: uint8 [n, C, H, W], int64 labels,
/// and for each sample its index in the dataset's original train file (a strategy's "parent").
/// </summary>
public sealed class RealTrainingData : IDisposable
{
    private Tensor? _embeddings;
    private ClipClassifier? _embeddedBy;

    public RealTrainingData(Tensor images, Tensor labels, long[] originalIndices, int classes)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        Images = images;
        Labels = labels;
        LabelsHost = labels.to(Device.CPU).ToArray<long>();
        OriginalIndices = originalIndices ?? throw new ArgumentNullException(nameof(originalIndices));
        Classes = classes;
        Counts = Data.ClassCounts.Of(LabelsHost, classes);
    }

    public Tensor Images { get; }

    public Tensor Labels { get; }

    public long[] LabelsHost { get; }

    public long[] OriginalIndices { get; }

    public int Classes { get; }

    public long[] Counts { get; }

    public int Count => LabelsHost.Length;

    /// <summary>
    /// The images' frozen embeddings under a linear probe's image tower (<see cref="ClipClassifier.FrozenImageEmbeddings"/>),
    /// computed once and kept: the tower does not train, so embedding-space SMOTE and the epochs' real part share them.
    /// </summary>
    public Tensor FrozenEmbeddings(ClipClassifier model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (_embeddings is null || !ReferenceEquals(_embeddedBy, model))
        {
            _embeddings?.Dispose();
            _embeddings = model.FrozenImageEmbeddings(Images).DetachFromDisposeScope();
            _embeddedBy = model;
        }

        return _embeddings;
    }

    public void Dispose() => _embeddings?.Dispose();

    /// <summary>Positions (into this set) of the samples of class <paramref name="c"/>, in order.</summary>
    public long[] IndicesOf(int c) => Enumerable.Range(0, Count).Where(i => LabelsHost[i] == c).Select(i => (long)i).ToArray();
}
