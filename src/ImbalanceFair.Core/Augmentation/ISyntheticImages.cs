using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// Synthetic images available to the <c>diffusion</c> strategy, per class in a fixed order: imported files
/// (<see cref="SyntheticPool"/>) or the built-in generator's bank (<see cref="Diffusion.GeneratedImages"/>).
/// </summary>
internal interface ISyntheticImages
{
    /// <summary>Where the images come from, for messages.</summary>
    string Describe { get; }

    long[] Counts { get; }

    /// <summary>
    /// The chosen images (class, position within the class) as synthetic added samples of <paramref name="shape"/>
    /// [C, H, W] (the dataset's own geometry) on <paramref name="device"/>.
    /// </summary>
    AddedSamples Take(IReadOnlyList<(int label, int index)> picks, long[] shape, Device device);
}
