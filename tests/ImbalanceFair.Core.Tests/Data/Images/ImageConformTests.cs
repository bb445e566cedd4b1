using ImbalanceFair.Core.Data.Images;

namespace ImbalanceFair.Core.Tests.Data.Images;

public class ImageConformTests
{
    private static byte[] Noise(int n, int c, int h, int w)
    {
        var bytes = new byte[n * c * h * w];
        new Random(7).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(1, 12, 10, 3, 5, 4)] // grey to RGB, shrinking (antialiased)
    [InlineData(3, 5, 6, 1, 9, 7)] // RGB to grey luma, enlarging
    [InlineData(3, 8, 8, 3, 3, 3)] // size only
    public void Batches_of_any_size_give_the_bytes_of_one_whole_batch(int c, int h, int w, int channels, int height, int width)
    {
        const int n = 7;
        var images = Noise(n, c, h, w);
        var whole = ImageConform.Conform(images, n, c, h, w, channels, height, width, long.MaxValue, CancellationToken.None);
        Assert.Equal(n * channels * height * width, whole.Length);

        foreach (var perBatch in new[] { 1, 2, 3, 6 })
        {
            var batched = ImageConform.Conform(images, n, c, h, w, channels, height, width, (long)perBatch * c * h * w, CancellationToken.None);
            Assert.Equal(whole, batched);
        }
    }

    [Fact]
    public void A_cancelled_conversion_stops_before_its_first_batch()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => ImageConform.Conform(Noise(3, 1, 4, 4), 3, 1, 4, 4, 3, 2, 2, cancelled.Token));
    }
}
