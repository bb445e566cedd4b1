using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Data.Images;

/// <summary>Brings decoded uint8 images to the descriptor's channels and size, as whole-batch tensor ops.</summary>
public static class ImageConform
{
    /// <summary>
    /// images: [n, c, h, w] uint8 row-major. Grey→RGB replicates; RGB→grey uses ITU-R 601-2 luma (as PIL's
    /// "L" mode); the size changes with bilinear interpolation, antialiased when shrinking.
    /// </summary>
    public static byte[] Conform(byte[] images, int n, int c, int h, int w, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (c == channels && h == height && w == width)
        {
            return images;
        }

        using var scope = torch.NewDisposeScope();
        var x = torch.from_bytes(images, ScalarType.UInt8, [n, c, h, w]).to(ScalarType.Float32);
        if (c == 1 && channels == 3)
        {
            x = x.expand(n, 3, h, w);
        }
        else if (c == 3 && channels == 1)
        {
            var luma = torch.tensor(new float[] { 0.299f, 0.587f, 0.114f }, [1, 3, 1, 1]);
            x = (x * luma).sum(1, keepdim: true);
        }
        else if (c != channels)
        {
            throw new ArgumentException($"cannot convert {c}-channel images to {channels} channels");
        }

        if (h != height || w != width)
        {
            var shrinking = height < h || width < w;
            x = nn.functional.interpolate(x, height, width, InterpolationMode.Bilinear, alignCorners: false, antialias: shrinking);
        }

        return x.round().clamp(0, 255).to(ScalarType.UInt8).ToBytes();
    }
}
