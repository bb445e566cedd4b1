using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Training;

/// <summary>The validation images with their labels and groups (class, or class × attribute) for model selection.</summary>
public sealed record ValidationSet(Tensor Images, Tensor Labels, long[] Groups);
