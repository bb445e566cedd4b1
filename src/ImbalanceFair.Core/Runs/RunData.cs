using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Runs;

/// <summary>One part of a run's data on the device, with the positions it came from and its groups.</summary>
public sealed class RunPart : IDisposable
{
    public RunPart(Tensor images, Tensor labels, long[] sourceIndices, long[]? attributes, long[] groups)
    {
        Images = images;
        Labels = labels;
        SourceIndices = sourceIndices;
        Attributes = attributes;
        Groups = groups;
    }

    /// <summary>uint8 [N, C, H, W] on the run's device (tinted when the run has a colour attribute).</summary>
    public Tensor Images { get; }

    public Tensor Labels { get; }

    /// <summary>Each sample's index in its part of the dataset's files (test_index, parent).</summary>
    public long[] SourceIndices { get; }

    public long[]? Attributes { get; }

    /// <summary>Group id: class · attributes + attribute with an attribute, else the class.</summary>
    public long[] Groups { get; }

    public int Count => SourceIndices.Length;

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

public static class RunData
{
    /// <summary>Number of attribute values: 2 for colour, the dataset's declared (or observed) values for a manifest.</summary>
    public static int AttributeCount(DatasetDescriptor dataset, DataSplit split, AttributeOptions? attribute) =>
        attribute is null ? 0
        : attribute.Kind == "color" ? ColorAttribute.Names.Length
        : dataset.AttributeValues?.Count ?? (int)(new[] { split.TrainAttributes!, split.ValAttributes!, split.TestAttributes! }.SelectMany(a => a).DefaultIfEmpty(0).Max() + 1);

    /// <summary>Gathers the given positions of a dataset part onto the device, tinting them for a colour attribute.</summary>
    public static RunPart Gather(ImagePart part, long[] indices, long[]? attributes, AttributeOptions? attribute, int attributeCount, Device device)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentNullException.ThrowIfNull(indices);
        using var scope = torch.NewDisposeScope();
        var idx = torch.from_array<long>(indices, [indices.Length]);
        var images = part.Images.index_select(0, idx).to(device);
        if (attribute is { Kind: "color" } && attributes is not null)
        {
            images = ColorAttribute.Apply(images, torch.from_array<long>(attributes, [attributes.Length], device));
        }

        var labels = part.Labels.index_select(0, idx).to(device);
        var labelsHost = indices.Select(i => part.LabelsHost[i]).ToArray();
        var groups = attributes is null ? labelsHost : labelsHost.Select((c, j) => (c * attributeCount) + attributes[j]).ToArray();
        return new RunPart(images.DetachFromDisposeScope(), labels.DetachFromDisposeScope(), indices, attributes, groups);
    }
}
