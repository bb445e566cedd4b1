namespace ImbalanceFair.Core.Augmentation;

/// <summary>Where a training sample came from; the values are those of augmented.safetensors' "source" (DESIGN §6).</summary>
public enum SampleSource
{
    Real = 0,
    Oversample = 1,
    Smote = 2,
    Synthetic = 3,
    Adversarial = 4,
    M2m = 5,
}
