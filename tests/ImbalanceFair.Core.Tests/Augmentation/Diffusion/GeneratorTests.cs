using ImbalanceFair.Core.Augmentation.Diffusion;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Torch;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace ImbalanceFair.Core.Tests.Augmentation.Diffusion;

/// <summary>Class-balanced batches, the generator cache (key, hit, miss, cancellation) and the seeded image bank.</summary>
public class GeneratorTests
{
    private static readonly GeneratorOptions Tiny = new() { Channels = 8, TrainSteps = 6, BatchSize = 8, Timesteps = 100, SamplerSteps = 4, Seed = 3 };

    private static (Tensor images, long[] labels) Data(int n = 24, int classes = 3, ulong seed = 5)
    {
        torch.manual_seed(seed);
        var images = torch.randint(0, 256, [n, 1, 8, 8], ScalarType.UInt8).DetachFromDisposeScope();
        return (images, Enumerable.Range(0, n).Select(i => (long)(i % classes)).ToArray());
    }

    [Theory]
    [InlineData("uniform", new[] { 1.0 / 3, 1.0 / 3, 1.0 / 3 })]
    [InlineData("sqrt", new[] { 20.0 / 32, 10.0 / 32, 2.0 / 32 })]
    [InlineData("instance", new[] { 400.0 / 504, 100.0 / 504, 4.0 / 504 })]
    public void Batches_draw_classes_in_proportion_to_count_to_the_power_q(string sampling, double[] expected)
    {
        var labels = Enumerable.Repeat(0L, 400).Concat(Enumerable.Repeat(1L, 100)).Concat(Enumerable.Repeat(2L, 4)).ToArray();
        var options = new GeneratorOptions { ClassSampling = sampling, TrainSteps = 400, BatchSize = 64, Seed = 1 };
        Assert.Equal(expected, GeneratorTraining.ClassProbabilities([400, 100, 4], options.SamplingPower), new ToleranceComparer(1e-12));
        var drawn = GeneratorTraining.Batches(labels, 3, options).SelectMany(b => b).ToArray();
        var share = Enumerable.Range(0, 3).Select(c => drawn.Count(i => labels[i] == c) / (double)drawn.Length).ToArray();
        Assert.Equal(expected, share, new ToleranceComparer(0.01));
        Assert.Equal(drawn, GeneratorTraining.Batches(labels, 3, options).SelectMany(b => b).ToArray());
        Assert.Equal(4, drawn.Where(i => labels[i] == 2).Distinct().Count());
    }

    [Fact]
    public void The_key_changes_with_pixels_labels_and_training_settings_but_not_with_sampler_settings()
    {
        var (images, labels) = Data();
        using (images)
        {
            var key = GeneratorCache.Key("d", ["a", "b", "c"], images, labels, Tiny, Device.CPU);
            Assert.Equal(key, GeneratorCache.Key("d", ["a", "b", "c"], images, labels, Tiny, Device.CPU));
            Assert.Equal(key, GeneratorCache.Key("d", ["a", "b", "c"], images, labels, Tiny with { Guidance = 4, SamplerSteps = 10, TrainOn = "pool" }, Device.CPU));
            Assert.NotEqual(key, GeneratorCache.Key("d", ["a", "b", "c"], images, labels, Tiny with { Lr = 5e-4 }, Device.CPU));
            Assert.NotEqual(key, GeneratorCache.Key("d", ["a", "b", "c"], images, [.. labels.Reverse()], Tiny, Device.CPU));
            Assert.NotEqual(key, GeneratorCache.Key("e", ["a", "b", "c"], images, labels, Tiny, Device.CPU));
            using var changed = images.clone();
            using (var first = changed.narrow(0, 0, 1))
            {
                first.add_(1);
            }

            Assert.NotEqual(key, GeneratorCache.Key("d", ["a", "b", "c"], changed, labels, Tiny, Device.CPU));

            // The numerics: weights trained with the GEMMs on oneDNN are another entry than the BLAS route's.
            var routed = torch.gemm_backend() == "onednn";
            try
            {
                torch.set_onednn_gemm(false);
                Assert.Equal(!routed, key == GeneratorCache.Key("d", ["a", "b", "c"], images, labels, Tiny, Device.CPU));
            }
            finally
            {
                torch.set_onednn_gemm(true);
            }

            var cache = new GeneratorCache("/tmp/x");
            Assert.NotEqual(cache.BankPath("d", key, Tiny), cache.BankPath("d", key, Tiny with { Guidance = 1.5 }));
        }
    }

    [Fact]
    public void A_generator_is_trained_once_then_loaded_and_its_bank_is_seeded_and_grows_by_whole_chunks()
    {
        using var dir = new TempDir();
        var (images, labels) = Data();
        using (images)
        {
            var cache = new GeneratorCache(dir.Path);
            var key = GeneratorCache.Key("d", ["a", "b", "c"], images, labels, Tiny, Device.CPU);
            var log = new LogCapture();
            using var trained = cache.LoadOrTrain("d", key, images, labels, 3, Tiny, Device.CPU, log.Logger, CancellationToken.None);
            Assert.True(File.Exists(cache.ModelPath("d", key)));
            Assert.Contains(log.Messages(LogEventLevel.Information), m => m.StartsWith("generator: training", StringComparison.Ordinal));
            Assert.Contains(log.Messages(LogEventLevel.Information), m => m.StartsWith("generator: step 6/6", StringComparison.Ordinal));

            var again = new LogCapture();
            using var loaded = cache.LoadOrTrain("d", key, images, labels, 3, Tiny, Device.CPU, again.Logger, CancellationToken.None);
            Assert.DoesNotContain(again.Messages(LogEventLevel.Information), m => m.StartsWith("generator: training", StringComparison.Ordinal));
            Assert.Equal(trained.conv_out.weight.ToArray<float>(), loaded.conv_out.weight.ToArray<float>());

            var bankPath = cache.BankPath("d", key, Tiny);
            var small = cache.Bank(bankPath, loaded, [10, 0, 0], 8, 8, Tiny, Device.CPU, log.Logger, CancellationToken.None);
            Assert.Equal(new long[] { 64, 0, 0 }, small.Select(b => b.size(0)).ToArray());
            Assert.Equal(new long[] { 64, 1, 8, 8 }, small[0].shape);
            var grown = cache.Bank(bankPath, loaded, [70, 1, 0], 8, 8, Tiny, Device.CPU, log.Logger, CancellationToken.None);
            Assert.Equal(new long[] { 128, 64, 0 }, grown.Select(b => b.size(0)).ToArray());
            Assert.Equal(small[0].ToArray<byte>(), grown[0].narrow(0, 0, 64).ToArray<byte>());

            // A fresh bank built in one go equals the one that grew.
            File.Delete(bankPath);
            var whole = cache.Bank(bankPath, loaded, [70, 1, 0], 8, 8, Tiny, Device.CPU, log.Logger, CancellationToken.None);
            Assert.Equal(grown[0].ToArray<byte>(), whole[0].ToArray<byte>());
            Assert.Equal(grown[1].ToArray<byte>(), whole[1].ToArray<byte>());
            var hit = new LogCapture();
            cache.Bank(bankPath, loaded, [70, 1, 0], 8, 8, Tiny, Device.CPU, hit.Logger, CancellationToken.None);
            Assert.Contains(hit.Messages(LogEventLevel.Information), m => m.StartsWith("generator: 192 banked images", StringComparison.Ordinal));
            foreach (var t in small.Concat(grown).Concat(whole))
            {
                t.Dispose();
            }
        }
    }

    [Fact]
    public void A_cancelled_training_leaves_no_cached_generator()
    {
        using var dir = new TempDir();
        var (images, labels) = Data();
        using (images)
        {
            using var cancel = new CancellationTokenSource();
            var log = new LoggerConfiguration().WriteTo.Sink(new CancelOnFirstStep(cancel)).CreateLogger();
            var cache = new GeneratorCache(dir.Path);
            var options = Tiny with { TrainSteps = 200 };
            var key = GeneratorCache.Key("d", ["a", "b", "c"], images, labels, options, Device.CPU);
            Assert.ThrowsAny<OperationCanceledException>(() => cache.LoadOrTrain("d", key, images, labels, 3, options, Device.CPU, log, cancel.Token));
            Assert.False(Directory.Exists(cache.Directory) && Directory.EnumerateFiles(cache.Directory).Any());
        }
    }

    [Fact]
    public void Options_problems_name_the_key_and_what_is_allowed()
    {
        Assert.Empty(new GeneratorOptions().Problems());
        Assert.Contains("train_on must be split or pool", new GeneratorOptions { TrainOn = "both" }.Problems().Single(), StringComparison.Ordinal);
        Assert.Contains("channels must be a positive multiple of 8", new GeneratorOptions { Channels = 12 }.Problems().Single(), StringComparison.Ordinal);
        Assert.Contains("sampler_steps must be between 1 and timesteps", new GeneratorOptions { SamplerSteps = 2000 }.Problems().Single(), StringComparison.Ordinal);
        Assert.Contains("class_dropout 0 never trains", new GeneratorOptions { ClassDropout = 0 }.Problems().Single(), StringComparison.Ordinal);
        Assert.Empty(new GeneratorOptions { ClassDropout = 0, Guidance = 1 }.Problems());
    }

    private sealed class CancelOnFirstStep(CancellationTokenSource cancel) : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
            if (logEvent.MessageTemplate.Text.StartsWith("generator: step", StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        }
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
