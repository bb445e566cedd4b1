using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Data;

/// <summary>One part of a loaded dataset: uint8 images [N, C, H, W], int64 labels, optional int64 attributes.</summary>
public sealed class ImagePart : IDisposable
{
    public ImagePart(Tensor images, Tensor labels, Tensor? attributes)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        Attributes = attributes?.DetachFromDisposeScope();
        LabelsHost = labels.ToArray<long>();
        AttributesHost = attributes?.ToArray<long>();
    }

    public Tensor Images { get; }

    public Tensor Labels { get; }

    public Tensor? Attributes { get; }

    /// <summary>Host copies for the split, which works on index lists.</summary>
    public long[] LabelsHost { get; }

    public long[]? AttributesHost { get; }

    public int Count => LabelsHost.Length;

    public DataSplit.Part AsSplitPart() => new(LabelsHost, AttributesHost);

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
        Attributes?.Dispose();
    }
}

/// <summary>A dataset decoded into tensors (from the cache when it is warm).</summary>
public sealed class ImageDataset : IDisposable
{
    public ImageDataset(DatasetDescriptor descriptor, ImagePart train, ImagePart test, ImagePart? val, bool fromCache)
    {
        Descriptor = descriptor;
        Train = train;
        Test = test;
        Val = val;
        FromCache = fromCache;
    }

    public DatasetDescriptor Descriptor { get; }

    public ImagePart Train { get; }

    public ImagePart Test { get; }

    /// <summary>The source's own validation part (a manifest's val rows), if it has one.</summary>
    public ImagePart? Val { get; }

    public bool FromCache { get; }

    public long[] TrainCounts() => ClassCounts.Of(Train.LabelsHost, Descriptor.NumClasses);

    public long[] TestCounts() => ClassCounts.Of(Test.LabelsHost, Descriptor.NumClasses);

    public long[]? ValCounts() => Val is null ? null : ClassCounts.Of(Val.LabelsHost, Descriptor.NumClasses);

    /// <summary>Builds this run's split (DESIGN §5 imbalance keys) over the dataset's labels.</summary>
    public DataSplit BuildSplit(ImbalanceOptions imbalance, double valFraction, long seed, AttributeOptions? attribute = null, long[]? reserved = null) =>
        DataSplit.Build(Descriptor.Classes, Train.AsSplitPart(), Test.AsSplitPart(), Val?.AsSplitPart(), imbalance, valFraction, seed, attribute, reserved);

    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
        Val?.Dispose();
    }
}
