using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// What a strategy added for one epoch: images and labels on the device, and per sample its provenance — the source,
/// the parent (index in the dataset's original train file, −1 if none), for SMOTE the neighbour and the
/// interpolation factor λ (NaN otherwise). This is what augmented.safetensors records (DESIGN §6). Embedding-space
/// SMOTE adds image embeddings [N, embed] instead of images.
/// </summary>
public sealed class AddedSamples : IDisposable
{
    public AddedSamples(Tensor images, Tensor labels, SampleSource[] source, long[] parent, long[]? neighbor = null, float[]? lambda = null, bool embeddings = false)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(parent);
        var n = source.Length;
        if (labels.numel() != n || parent.Length != n || (neighbor is not null && neighbor.Length != n) || (lambda is not null && lambda.Length != n) || images.size(0) != n)
        {
            throw new ArgumentException("every per-sample array of AddedSamples must have one entry per image");
        }

        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        LabelsHost = labels.to(Device.CPU).ToArray<long>();
        Source = source;
        Parent = parent;
        Neighbor = neighbor ?? Enumerable.Repeat(-1L, n).ToArray();
        Lambda = lambda ?? Enumerable.Repeat(float.NaN, n).ToArray();
        Embeddings = embeddings;
    }

    /// <summary>The images, or the embeddings when <see cref="Embeddings"/>.</summary>
    public Tensor Images { get; }

    /// <summary>Whether <see cref="Images"/> holds image embeddings [N, embed] (embedding-space SMOTE) rather than images.</summary>
    public bool Embeddings { get; }

    public Tensor Labels { get; }

    public long[] LabelsHost { get; }

    public SampleSource[] Source { get; }

    public long[] Parent { get; }

    public long[] Neighbor { get; }

    public float[] Lambda { get; }

    public int Count => Source.Length;

    /// <summary>An empty set shaped like <paramref name="like"/> (images, or embeddings when <paramref name="embeddings"/>).</summary>
    public static AddedSamples Empty(Tensor like, bool embeddings = false)
    {
        ArgumentNullException.ThrowIfNull(like);
        using var scope = torch.NewDisposeScope();
        var shape = like.shape;
        shape[0] = 0;
        return new AddedSamples(torch.empty(shape, like.dtype, like.device), torch.empty([0], ScalarType.Int64, like.device), [], [], embeddings: embeddings);
    }

    /// <summary>Synthetic images (uint8 [n, C, H, W]) of the given classes, without parents, on the images' device.</summary>
    public static AddedSamples Synthetic(Tensor images, long[] labels)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = torch.NewDisposeScope();
        var n = labels.Length;
        return new AddedSamples(images, torch.from_array<long>(labels, [n], images.device), Enumerable.Repeat(SampleSource.Synthetic, n).ToArray(), Enumerable.Repeat(-1L, n).ToArray());
    }

    /// <summary>Per class and source, how many samples were added: counts[source][class].</summary>
    public long[] CountsOf(SampleSource source, int classes) =>
        Data.ClassCounts.Of(LabelsHost.Where((_, i) => Source[i] == source), classes);

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
