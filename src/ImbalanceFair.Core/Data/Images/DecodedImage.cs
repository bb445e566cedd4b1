namespace ImbalanceFair.Core.Data.Images;

/// <summary>One decoded image: uint8 samples in planar order [channels, height, width] (NCHW-ready); 1 or 3 channels.</summary>
public sealed class DecodedImage
{
    public DecodedImage(int channels, int height, int width, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if ((long)channels * height * width != pixels.Length)
        {
            throw new ArgumentException($"{pixels.Length} bytes do not hold [{channels}, {height}, {width}]", nameof(pixels));
        }

        Channels = channels;
        Height = height;
        Width = width;
        Pixels = pixels;
    }

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Planar samples: channel 0 row by row, then channel 1, ...</summary>
    public byte[] Pixels { get; }
}
