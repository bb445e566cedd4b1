using ImbalanceFair.Tests.Shared;
using ImbalanceFair.Core.Data.Images;
using ImbalanceFair.Core.Tests.Support;

namespace ImbalanceFair.Core.Tests.Data.Images;

public class PngEncoderTests
{
    [Fact]
    public void PIL_reads_our_PNGs_back_exactly()
    {
        using var dir = new TempDir();
        var cases = new List<(string name, int channels, int h, int w, byte[] pixels)>();
        foreach (var channels in new[] { 1, 3 })
        {
            foreach (var filter in new[] { PngFilter.None, PngFilter.Up })
            {
                int h = 9 + channels, w = 13;
                var pixels = Enumerable.Range(0, channels * h * w).Select(i => (byte)((i * 73) ^ (i / 5))).ToArray();
                var name = $"ours_{channels}_{filter}.png";
                PngEncoder.Write(dir.File(name), pixels, channels, h, w, filter);
                cases.Add((name, channels, h, w, pixels));
            }
        }

        Python.Run("""
            import os, sys
            import numpy as np
            from PIL import Image
            for name in sys.argv[2:]:
                im = Image.open(os.path.join(sys.argv[1], name))
                im.load()
                arr = np.asarray(im)
                chw = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
                with open(os.path.join(sys.argv[1], name + '.raw'), 'wb') as f:
                    f.write(np.ascontiguousarray(chw).tobytes())
                print(name, im.mode, im.size)
            """, [dir.Path, .. cases.Select(c => c.name)]);

        foreach (var (name, channels, h, w, pixels) in cases)
        {
            Assert.True(pixels.SequenceEqual(File.ReadAllBytes(dir.File(name + ".raw"))), $"{name}: PIL read different pixels");
        }
    }
}
