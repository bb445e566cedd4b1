using ImbalanceFair.Torch;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Core.Augmentation.Diffusion;

/// <summary>
/// Between the dataset's uint8 images and the generator's space: [−1, 1] floats at a size whose sides are multiples of
/// 4 (the U-Net's two halvings), bilinear-resized when the dataset's are not (28 and 32 are; the image then round-trips
/// unchanged).
/// </summary>
public static class GeneratorPixels
{
    public static long ModelSide(long side) => (side + 3) / 4 * 4;

    /// <summary>uint8 [N, C, H, W] → float [N, C, H', W'] in [−1, 1].</summary>
    public static Tensor ToModel(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = torch.NewDisposeScope();
        var x = (images.to(ScalarType.Float32) / 127.5) - 1.0;
        long h = images.size(2), w = images.size(3);
        if (ModelSide(h) != h || ModelSide(w) != w)
        {
            x = F.interpolate(x, ModelSide(h), ModelSide(w), InterpolationMode.Bilinear);
        }

        return x.MoveToOuterDisposeScope();
    }

    /// <summary>float [N, C, H', W'] in [−1, 1] → uint8 [N, C, height, width], rounded.</summary>
    public static Tensor ToImages(Tensor x, long height, long width)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = torch.NewDisposeScope();
        if (x.size(2) != height || x.size(3) != width)
        {
            x = F.interpolate(x, height, width, InterpolationMode.Bilinear);
        }

        return ((x.clamp(-1, 1) + 1.0) * 127.5).round().to(ScalarType.UInt8).MoveToOuterDisposeScope();
    }
}
