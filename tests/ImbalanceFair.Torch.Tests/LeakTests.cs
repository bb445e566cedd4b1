using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace ImbalanceFair.Torch.Tests;

/// <summary>Tests that read the process-wide tensor counters: they run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(LeakCollection), DisableParallelization = true)]
public sealed class LeakCollection;

[Collection(nameof(LeakCollection))]
public sealed class LeakTests(ITestOutputHelper output)
{
    private const int Steps = 2000;
    private const int WarmupSteps = 200;

    private sealed class Mlp : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Linear _fc1;
        private readonly nn.Linear _fc2;

        public Mlp(long inputs, long hidden, long classes)
        {
            _fc1 = RegisterModule("fc1", new nn.Linear(inputs, hidden));
            _fc2 = RegisterModule("fc2", new nn.Linear(hidden, classes));
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = torch.NewDisposeScope();
            return _fc2.forward(nn.functional.gelu(_fc1.forward(input))).MoveToOuterDisposeScope();
        }
    }

    [Fact]
    public void Two_thousand_AdamW_steps_leak_no_tensor_and_no_memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var baseLive = Tensor.LiveCount;
        var baseNative = Tensor.NativeLiveCount;
        long warmLive = 0, warmNative = 0, endLive, endNative, warmRss = 0, endRss;
        double firstLoss = double.NaN, lastLoss = double.NaN;
        var clock = Stopwatch.StartNew();

        torch.manual_seed(1234);
        using (var model = new Mlp(64, 256, 10))
        using (var opt = new optim.AdamW(model.parameters(), lr: 3e-3))
        using (var fixedBatches = torch.NewDisposeScope())
        {
            var schedule = new optim.lr_scheduler.CosineWithWarmup(opt, warmup_steps: 100, total_steps: Steps);
            // Batch 128 × hidden 256: one activation leaked per step would add > 200 MB over the run.
            // A learnable target: the labels come from a fixed random linear map of the inputs.
            var teacher = torch.randn([64, 10]);
            for (var step = 0; step < Steps; step++)
            {
                if (step == WarmupSteps)
                {
                    warmLive = Tensor.LiveCount;
                    warmNative = Tensor.NativeLiveCount;
                    warmRss = ResidentBytesAfterGc();
                }

                using var scope = torch.NewDisposeScope();
                var x = torch.randn([128, 64]);
                var y = torch.matmul(x, teacher).argmax(1);
                opt.zero_grad();
                var loss = nn.functional.cross_entropy(model.forward(x), y);
                loss.backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                opt.step();
                schedule.step();
                if (step == 0 || step == Steps - 1)
                {
                    var value = loss.item();
                    if (step == 0)
                    {
                        firstLoss = value;
                    }
                    else
                    {
                        lastLoss = value;
                    }
                }
            }

            endLive = Tensor.LiveCount;
            endNative = Tensor.NativeLiveCount;
            endRss = ResidentBytesAfterGc();
        }

        var growthMb = (endRss - warmRss) / (1024.0 * 1024.0);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Steps} steps in {clock.Elapsed.TotalSeconds:F1} s; loss {firstLoss:F3} -> {lastLoss:F3}; " +
            $"live tensors: baseline {baseLive}, after warm-up {warmLive}, after {Steps} {endLive}, after dispose {Tensor.LiveCount}; " +
            $"native: {baseNative} / {warmNative} / {endNative} / {Tensor.NativeLiveCount}; " +
            $"VmRSS after warm-up {warmRss / 1048576.0:F1} MB, at the end {endRss / 1048576.0:F1} MB, growth {growthMb:F2} MB " +
            $"(GC-committed managed memory {GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0:F1} MB of it at the end)"));

        Assert.Equal(warmLive, endLive);
        Assert.Equal(warmNative, endNative);
        Assert.Equal(baseLive, Tensor.LiveCount);
        Assert.Equal(baseNative, Tensor.NativeLiveCount);
        Assert.True(growthMb < 50, $"resident memory grew by {growthMb:F1} MB over {Steps - WarmupSteps} steps");
        Assert.True(lastLoss < firstLoss, $"the model did not learn (loss {firstLoss} -> {lastLoss})");
    }

    // Managed garbage is not a leak: collect it first (the tensor counts above were read before, so a
    // tensor that only a finalizer would free still fails the test). What remains is native memory.
    private static long ResidentBytesAfterGc()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return ResidentBytes();
    }

    private static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("no VmRSS line in /proc/self/status");
    }
}

/// <summary>The OpenBLAS thread knob changes process-wide state: it runs with the serial tests.</summary>
[Collection(nameof(LeakCollection))]
public sealed class BlasThreadsTests
{
    [Fact]
    public void Blas_thread_count_can_be_set_when_the_blas_is_openblas()
    {
        var before = torch.get_blas_num_threads();
        if (before is null)
        {
            Assert.False(torch.set_blas_num_threads(1)); // another BLAS: reported, nothing changes
            return;
        }

        try
        {
            Assert.True(torch.set_blas_num_threads(1));
            Assert.Equal(1, torch.get_blas_num_threads());
        }
        finally
        {
            torch.set_blas_num_threads(before.Value);
        }

        Assert.Equal(before, torch.get_blas_num_threads());
        Assert.Throws<ArgumentOutOfRangeException>(() => torch.set_blas_num_threads(0));
    }
}
