using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Models;

/// <summary>
/// What a CLIP does to [B, C, H, W] pixels in [0, 1] before its vision tower, on the batch's device and
/// differentiably (so attacks and M2m take gradients in the dataset's own pixels): grey → the model's channels,
/// resize of the shortest side (Hugging Face CLIPImageProcessor's output size rule; bicubic with antialias is
/// PIL's filter), centre crop, then (x − mean) / std. A zero <see cref="ShortestEdge"/> or <see cref="CropHeight"/>
/// skips that step (the small presets see the dataset's size).
/// </summary>
public sealed record ClipPreprocess
{
    /// <summary>OpenAI CLIP's statistics (OPENAI_CLIP_MEAN / OPENAI_CLIP_STD), HF's defaults for CLIP.</summary>
    public static IReadOnlyList<double> OpenAiMean { get; } = [0.48145466, 0.4578275, 0.40821073];

    public static IReadOnlyList<double> OpenAiStd { get; } = [0.26862954, 0.26130258, 0.27577711];

    public int ShortestEdge { get; init; }

    public int CropHeight { get; init; }

    public int CropWidth { get; init; }

    public InterpolationMode Resample { get; init; } = InterpolationMode.Bicubic;

    public IReadOnlyList<double> Mean { get; init; } = OpenAiMean;

    public IReadOnlyList<double> Std { get; init; } = OpenAiStd;

    /// <summary>Only normalisation: the pixels already have the model's size.</summary>
    public static ClipPreprocess Normalise(IReadOnlyList<double> mean, IReadOnlyList<double> std) => new() { Mean = mean, Std = std };

    /// <summary>HF's get_resize_output_image_size(default_to_square=False): the short side becomes the edge, the long one int(edge · long / short).</summary>
    public (long Height, long Width) ResizedSize(long height, long width)
    {
        if (ShortestEdge <= 0)
        {
            return (height, width);
        }

        var (shortSide, longSide) = width <= height ? (width, height) : (height, width);
        var newLong = (long)((double)(ShortestEdge * longSide) / shortSide);
        return width <= height ? (newLong, ShortestEdge) : (ShortestEdge, newLong);
    }

    /// <summary>The normalised [B, channels, crop, crop] input of the vision tower.</summary>
    public Tensor Apply(Tensor pixels, int channels, Tensor mean, Tensor std)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        using var scope = torch.NewDisposeScope();
        var x = pixels;
        if (x.size(1) != channels)
        {
            x = x.expand(x.size(0), channels, x.size(2), x.size(3));
        }

        var (h, w) = ResizedSize(x.size(2), x.size(3));
        if (h != x.size(2) || w != x.size(3))
        {
            x = nn.functional.interpolate(x, h, w, Resample, alignCorners: false, antialias: Resample is InterpolationMode.Bicubic or InterpolationMode.Bilinear);
        }

        if (CropHeight > 0)
        {
            if (h < CropHeight || w < CropWidth)
            {
                throw new ArgumentException($"a {h}x{w} image is smaller than the {CropHeight}x{CropWidth} centre crop", nameof(pixels));
            }

            // HF image_transforms.center_crop: top-left at the floor of half the margin.
            x = x.narrow(2, (h - CropHeight) / 2, CropHeight).narrow(3, (w - CropWidth) / 2, CropWidth);
        }

        return ((x - mean.to(x.device)) / std.to(x.device)).MoveToOuterDisposeScope();
    }
}
