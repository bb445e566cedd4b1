using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Augmentation;

/// <summary>
/// Overlapping Gaussian blobs in 3×4×4 uint8 images (48 pixels), classes shuffled together, for the SMOTE family:
/// class c's pixels scatter (sd <c>noise</c>) around a centre drawn per pixel in 128 ± <c>spread</c>/2; a class listed in
/// <c>separated</c> sits far from every other one (all pixels near 250), so none of its samples is in danger.
/// Original train-file indices are 1000 + position.
/// </summary>
public sealed class SmoteTestData
{
    public const int Channels = 3;
    public const int Side = 4;
    public const int D = Channels * Side * Side;

    private SmoteTestData(RealTrainingData real, byte[] pixels, long[] labels)
    {
        Real = real;
        Pixels = pixels;
        Labels = labels;
    }

    public RealTrainingData Real { get; }

    /// <summary>[n · D] row-major, position order.</summary>
    public byte[] Pixels { get; }

    public long[] Labels { get; }

    public int Count => Labels.Length;

    public ReadOnlySpan<byte> Row(long position) => Pixels.AsSpan((int)(position * D), D);

    public static long Position(long originalIndex) => originalIndex - 1000;

    public static long SquaredDistance(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        long sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            long diff = a[i] - b[i];
            sum += diff * diff;
        }

        return sum;
    }

    public static SmoteTestData Blobs(int[] counts, int[] separated, double spread = 50, double noise = 35, long seed = 5)
    {
        var rng = new SeededRandom(seed, 1);
        var labels = counts.SelectMany((n, c) => Enumerable.Repeat((long)c, n)).ToArray();
        rng.Shuffle(labels.AsSpan());
        var centres = counts.Select((_, c) => Enumerable.Range(0, D).Select(_ => separated.Contains(c) ? 250.0 : 128 - (spread / 2) + (spread * rng.NextDouble())).ToArray()).ToArray();
        var pixels = new byte[labels.Length * D];
        for (var i = 0; i < labels.Length; i++)
        {
            var c = (int)labels[i];
            var sd = separated.Contains(c) ? 3 : noise;
            for (var j = 0; j < D; j++)
            {
                var gauss = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                pixels[(i * D) + j] = (byte)Math.Clamp(Math.Round(centres[c][j] + (sd * gauss)), 0, 255);
            }
        }

        using var scope = torch.NewDisposeScope();
        var images = torch.from_bytes(pixels, ScalarType.UInt8, [labels.Length, Channels, Side, Side]).DetachFromDisposeScope();
        var labelTensor = torch.from_array<long>(labels, [labels.Length]).DetachFromDisposeScope();
        var real = new RealTrainingData(images, labelTensor, Enumerable.Range(0, labels.Length).Select(i => 1000L + i).ToArray(), counts.Length);
        return new SmoteTestData(real, pixels, labels);
    }
}
