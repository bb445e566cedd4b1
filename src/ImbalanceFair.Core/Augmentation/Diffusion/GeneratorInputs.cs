using ImbalanceFair.Core.Data;

namespace ImbalanceFair.Core.Augmentation.Diffusion;

/// <summary>
/// What the built-in generator needs beyond the run's training data: the dataset's whole train part (CPU), the reserved
/// pool (indices into it, for <c>train_on: pool</c>; null when none was reserved), the indices the run's split uses
/// (train, and val when val is carved from train), the cache folder and the run folder (for <c>generator.csv</c>).
/// </summary>
public sealed record GeneratorInputs(ImagePart Source, long[]? Pool, long[] Used, string CacheDirectory, string? RunDirectory);
