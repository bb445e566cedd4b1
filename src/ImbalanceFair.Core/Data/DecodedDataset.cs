namespace ImbalanceFair.Core.Data;

/// <summary>One part of a decoded dataset on the host: uint8 images [N, C, H, W] row-major, labels, optional attributes.</summary>
public sealed class DecodedPart
{
    public DecodedPart(byte[] images, long[] labels, long[]? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (attributes is not null && attributes.Length != labels.Length)
        {
            throw new ArgumentException("attributes and labels differ in length", nameof(attributes));
        }

        Images = images;
        Labels = labels;
        Attributes = attributes;
    }

    public byte[] Images { get; }

    public long[] Labels { get; }

    public long[]? Attributes { get; }

    public int Count => Labels.Length;
}

/// <summary>What a format reader returns: train and test parts, and a validation part when the source defines one.</summary>
public sealed record DecodedDataset(DecodedPart Train, DecodedPart Test, DecodedPart? Val = null);
