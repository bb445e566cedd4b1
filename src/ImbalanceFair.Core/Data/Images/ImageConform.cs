using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Data.Images;

/// <summary>Brings decoded uint8 images to the descriptor's channels and size, as batched tensor ops.</summary>
public static class ImageConform
{
    // Input pixels per batch: bounds the float32 working copy (64 MiB) and is how often a cancellation is seen.
    private const long ChunkElements = 1 << 24;

    /// <summary>
    /// images: [n, c, h, w] uint8 row-major. Grey→RGB replicates; RGB→grey uses ITU-R 601-2 luma (as PIL's
    /// "L" mode); the size changes with bilinear interpolation, antialiased when shrinking. Each image is
    /// converted on its own, so the batches give the same bytes as one whole-batch call.
    /// </summary>
    public static byte[] Conform(byte[] images, int n, int c, int h, int w, int channels, int height, int width, CancellationToken cancel = default) =>
        Conform(images, n, c, h, w, channels, height, width, ChunkElements, cancel);

    internal static byte[] Conform(byte[] images, int n, int c, int h, int w, int channels, int height, int width, long chunkElements, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (c == channels && h == height && w == width)
        {
            return images;
        }

        long inSize = (long)c * h * w, outSize = (long)channels * height * width;
        var output = new byte[n * outSize];
        var per = (int)Math.Clamp(chunkElements / Math.Max(inSize, 1), 1, Math.Max(n, 1));
        for (var start = 0; start < n; start += per)
        {
            cancel.ThrowIfCancellationRequested();
            var count = Math.Min(per, n - start);
            ConformBatch(images.AsSpan((int)(start * inSize), (int)(count * inSize)), count, c, h, w, channels, height, width,
                output.AsSpan((int)(start * outSize), (int)(count * outSize)));
        }

        return output;
    }

    private static void ConformBatch(ReadOnlySpan<byte> images, int n, int c, int h, int w, int channels, int height, int width, Span<byte> destination)
    {
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

        x.round().clamp(0, 255).to(ScalarType.UInt8).CopyTo(destination);
    }
}
