using System.Runtime.CompilerServices;

namespace ImbalanceFair.Torch.Tests;

/// <summary>
/// A tensor's native handle lives as long as any native call that uses it: the garbage collector cannot free an
/// unscoped temporary in the middle of a call, and Dispose on one thread waits for another thread's call to return
/// before the handle is freed.
/// </summary>
public class HandleLifetimeTests
{
    // 4 Mi float32 = 16 MiB: glibc maps a buffer this large on its own and unmaps it when freed, so a reduction that
    // read a freed input would fault or see another tensor's bytes, never pass by luck.
    private const int Elements = 1 << 22;

    private static (long live, long native) Baseline()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return (Tensor.LiveCount, Tensor.NativeLiveCount);
    }

    // The temporary from torch.full is referenced by nothing once its handle is on the way to imbf_sum: before
    // handles were SafeHandles, a collection during the sum finalised it and freed the buffer the sum was reading.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double SumOfTemporary(long elements, double value) => torch.full([elements], value).sum().item();

    [Fact]
    public void Unscoped_temporaries_survive_collections_forced_during_native_calls()
    {
        // Tier-0 code keeps every reference alive to the end of its method; the fault needs the optimised code
        // that the runtime installs after a method's first calls (tiered compilation), so warm up first.
        for (var i = 0; i < 2000; i++)
        {
            Assert.Equal(8.0, SumOfTemporary(4, 2));
        }

        Thread.Sleep(500);
        var baseline = Baseline();
        using var stop = new CancellationTokenSource();
        var collections = 0;
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                collections++;
            }
        });
        collector.Start();

        try
        {
            for (var i = 0; i < 500; i++)
            {
                var value = 1 + (i % 5);
                Assert.Equal((double)value * Elements, SumOfTemporary(Elements, value));
            }
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }

        Assert.True(collections > 10, $"only {collections} collections ran beside the calls");
        Assert.Equal(baseline, Baseline());
    }

    [Fact]
    public void Dispose_while_a_call_holds_the_handle_frees_it_only_when_the_call_returns()
    {
        // The marshaller's part of a native call, done by hand so the interleaving is exact.
        var baseline = Baseline();
        var t = torch.ones([3]);
        var handle = t.Handle;
        var added = false;
        handle.DangerousAddRef(ref added);
        Assert.True(added);

        t.Dispose();
        Assert.True(t.IsDisposed);
        Assert.Equal(baseline.native + 1, Tensor.NativeLiveCount);
        Assert.Equal(baseline.live + 1, Tensor.LiveCount);
        Assert.Throws<ObjectDisposedException>(() => t.sum());
        t.Dispose();

        handle.DangerousRelease();
        Assert.Equal(baseline.native, Tensor.NativeLiveCount);
        Assert.Equal(baseline.live, Tensor.LiveCount);
    }

    [Fact]
    public void Dispose_from_another_thread_during_a_long_call_leaves_the_call_correct()
    {
        var baseline = Baseline();
        for (var round = 0; round < 5; round++)
        {
            var x = torch.full([Elements], 2.0);
            using var started = new ManualResetEventSlim();
            var sums = new System.Collections.Concurrent.ConcurrentBag<double>();
            var summing = new Thread(() =>
            {
                started.Set();
                for (var i = 0; i < 20 && !x.IsDisposed; i++)
                {
                    try
                    {
                        using var s = x.sum();
                        sums.Add(s.item());
                    }
                    catch (ObjectDisposedException)
                    {
                        // Disposed before this call took the handle: the call never started.
                    }
                }
            });
            summing.Start();

            started.Wait();
            Thread.Sleep(round * 2);
            x.Dispose();
            summing.Join();
            Assert.All(sums, s => Assert.Equal(2.0 * Elements, s));
            Assert.True(x.IsDisposed);
            Assert.Throws<ObjectDisposedException>(() => x.sum());
        }

        Assert.Equal(baseline, Baseline());
    }
}
