using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Data.Split;

/// <summary>
/// The spurious colour attribute (Colored-MNIST style): grey images are tinted with one of two colours. Each class
/// has a default colour (class index mod 2) that training images carry with probability <c>correlation</c>.
/// </summary>
public static class ColorAttribute
{
    /// <summary>RGB multipliers of the two tints: a warm red and a cool blue, far apart in every channel.</summary>
    public static readonly float[,] Colors = { { 1.0f, 0.25f, 0.1f }, { 0.1f, 0.45f, 1.0f } };

    public static readonly string[] Names = ["red", "blue"];

    public static long DefaultFor(long classIndex) => classIndex % 2;

    /// <summary>
    /// Training images' tints: for each label its class's default colour with probability <paramref name="correlation"/>,
    /// else the other, one draw of <paramref name="rng"/> per image in order. The split's training images and any
    /// images a strategy adds without a parent (diffusion's synthetic ones) are tinted by this same rule.
    /// </summary>
    public static long[] Draw(IEnumerable<long> labels, double correlation, SeededRandom rng)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(rng);
        return labels.Select(label =>
        {
            var preferred = DefaultFor(label);
            return rng.NextDouble() < correlation ? preferred : 1 - preferred;
        }).ToArray();
    }

    /// <summary>Tints [N, 1, H, W] uint8 grey images by attribute [N] into [N, 3, H, W] uint8, on the images' device.</summary>
    public static Tensor Apply(Tensor grey, Tensor attributes)
    {
        ArgumentNullException.ThrowIfNull(grey);
        ArgumentNullException.ThrowIfNull(attributes);
        using var scope = torch.NewDisposeScope();
        var palette = torch.tensor(Colors, grey.device);
        var tint = palette.index_select(0, attributes.to(grey.device)).unsqueeze(-1).unsqueeze(-1);
        var rgb = grey.to(ScalarType.Float32) * tint;
        return rgb.round().clamp(0, 255).to(ScalarType.UInt8).MoveToOuterDisposeScope();
    }
}
