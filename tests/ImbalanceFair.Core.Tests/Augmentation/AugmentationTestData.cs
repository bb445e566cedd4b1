using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Augmentation;

/// <summary>Small long-tailed real sets for strategy tests: image i of class c is filled with the value 10·c + i mod 10.</summary>
internal static class AugmentationTestData
{
    public static RealTrainingData LongTailed(params int[] counts)
    {
        var labels = counts.SelectMany((n, c) => Enumerable.Repeat((long)c, n)).ToArray();
        var n = labels.Length;
        var pixels = new byte[n * 1 * 4 * 4];
        for (var i = 0; i < n; i++)
        {
            pixels.AsSpan(i * 16, 16).Fill((byte)((10 * labels[i]) + (i % 10)));
        }

        using var scope = torch.NewDisposeScope();
        var images = torch.from_bytes(pixels, ScalarType.UInt8, [n, 1, 4, 4]).DetachFromDisposeScope();
        var labelTensor = torch.from_array<long>(labels, [n]).DetachFromDisposeScope();
        // Original train-file indices: offset so that they differ from positions.
        return new RealTrainingData(images, labelTensor, Enumerable.Range(0, n).Select(i => 1000L + i).ToArray(), counts.Length);
    }
}
