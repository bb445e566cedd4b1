namespace ImbalanceFair.Core.Training.Losses;

/// <summary>The hyper-parameters of the losses; each loss reads only its own.</summary>
public sealed record LossOptions
{
    /// <summary>τ of the logit-adjustment loss (Menon et al., ICLR 2021): CE(z + τ·log π). Any finite value.</summary>
    public double Tau { get; init; } = 1.0;

    /// <summary>γ of the focal loss (Lin et al., ICCV 2017): −(1−p_t)^γ log p_t. γ ≥ 0; γ = 0 is cross-entropy.</summary>
    public double Gamma { get; init; } = 2.0;

    /// <summary>
    /// β of the class-balanced loss (Cui et al., CVPR 2019), weights ∝ (1−β)/(1−β^n_c). 0 ≤ β ≤ 1; β = 0 is
    /// cross-entropy, β = 1 is the limit 1/n_c (inverse class frequency).
    /// </summary>
    public double Beta { get; init; } = 0.9999;
}
