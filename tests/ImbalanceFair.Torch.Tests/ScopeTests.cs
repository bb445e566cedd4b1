using static ImbalanceFair.Torch.Tests.Support.TensorAssert;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Torch.Tests;

public class ScopeTests
{
    private static (long live, long native) Baseline()
    {
        // Tensors leaked by earlier code are finalised now rather than in the middle of a count.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return (Tensor.LiveCount, Tensor.NativeLiveCount);
    }

    private static void AssertBackTo((long live, long native) baseline)
    {
        Assert.Equal(baseline.live, Tensor.LiveCount);
        Assert.Equal(baseline.native, Tensor.NativeLiveCount);
    }

    [Fact]
    public void Tensors_created_in_a_scope_are_disposed_at_its_end()
    {
        var baseline = Baseline();
        Tensor a, b, c;
        using (var scope = torch.NewDisposeScope())
        {
            a = torch.ones([2, 2]);
            b = a * 3;
            c = b.sum();
            var (v, i) = b.max(0);
            Assert.Equal(5, scope.Count);
            Assert.Equal(baseline.live + 5, Tensor.LiveCount);
            Assert.Equal(baseline.native + 5, Tensor.NativeLiveCount);
            Assert.Equal(12, c.item());
            Assert.False(v.IsDisposed || i.IsDisposed);
        }

        Assert.True(a.IsDisposed && b.IsDisposed && c.IsDisposed);
        AssertBackTo(baseline);
    }

    [Fact]
    public void MoveToOuterDisposeScope_hands_a_tensor_to_the_enclosing_scope()
    {
        var baseline = Baseline();
        Tensor kept, dropped;
        using (var outer = torch.NewDisposeScope())
        {
            using (var inner = torch.NewDisposeScope())
            {
                dropped = torch.ones([3]);
                kept = (dropped * 2).MoveToOuterDisposeScope();
                Assert.Equal(1, inner.Count);
                Assert.Equal(1, outer.Count);
            }

            Assert.True(dropped.IsDisposed);
            Assert.False(kept.IsDisposed);
            AssertValues(kept, [2, 2, 2]);

            // DisposeScope.MoveToOuter does the same.
            Tensor viaScope;
            using (var inner = torch.NewDisposeScope())
            {
                viaScope = inner.MoveToOuter(torch.zeros([1]));
            }

            Assert.False(viaScope.IsDisposed);
            Assert.Equal(2, outer.Count);
        }

        Assert.True(kept.IsDisposed);
        AssertBackTo(baseline);
    }

    [Fact]
    public void A_tensor_moved_out_of_the_outermost_scope_belongs_to_the_caller()
    {
        var baseline = Baseline();
        Tensor t;
        using (torch.NewDisposeScope())
        {
            t = torch.ones([2]).MoveToOuterDisposeScope();
        }

        Assert.False(t.IsDisposed);
        Assert.Equal(baseline.live + 1, Tensor.LiveCount);
        t.Dispose();
        AssertBackTo(baseline);
    }

    [Fact]
    public void DetachFromDisposeScope_survives_every_scope()
    {
        var baseline = Baseline();
        Tensor t;
        using (torch.NewDisposeScope())
        {
            using (var inner = torch.NewDisposeScope())
            {
                t = torch.full([2], 4).DetachFromDisposeScope();
                Assert.Equal(0, inner.Count);
            }
        }

        Assert.False(t.IsDisposed);
        AssertValues(t, [4, 4]);
        t.Dispose();
        AssertBackTo(baseline);
    }

    [Fact]
    public void Nested_scopes_dispose_their_own_tensors_only()
    {
        var baseline = Baseline();
        using (var outer = torch.NewDisposeScope())
        {
            var o = torch.ones([2]);
            Tensor i1;
            using (var inner = torch.NewDisposeScope())
            {
                i1 = o + 1;
                Assert.Equal(1, inner.Count);
                Assert.Equal(1, outer.Count);
                using (var innermost = torch.NewDisposeScope())
                {
                    var i2 = i1 * o;
                    Assert.Equal(1, innermost.Count);
                    AssertValues(i2, [2, 2]);
                }

                Assert.Equal(baseline.live + 2, Tensor.LiveCount);
            }

            Assert.True(i1.IsDisposed);
            Assert.False(o.IsDisposed);
            // New tensors go to the outer scope again.
            var o2 = o * 5;
            Assert.Equal(2, outer.Count);
            AssertValues(o2, [5, 5]);
        }

        AssertBackTo(baseline);
    }

    [Fact]
    public void Disposing_a_tensor_early_removes_it_from_its_scope()
    {
        var baseline = Baseline();
        using (var scope = torch.NewDisposeScope())
        {
            var a = torch.ones([2]);
            var b = torch.ones([2]);
            a.Dispose();
            Assert.Equal(1, scope.Count);
            Assert.Equal(baseline.native + 1, Tensor.NativeLiveCount);
            Assert.False(b.IsDisposed);
        }

        AssertBackTo(baseline);
    }

    [Fact]
    public void Tensors_outside_any_scope_are_not_owned()
    {
        var baseline = Baseline();
        var t = torch.ones([2]);
        using (torch.NewDisposeScope())
        {
            var u = t + 1;
            AssertValues(u, [2, 2]);
        }

        Assert.False(t.IsDisposed);
        t.Dispose();
        AssertBackTo(baseline);
    }

    [Fact]
    public void A_training_step_in_a_scope_leaks_nothing()
    {
        using var outer = torch.NewDisposeScope();
        torch.manual_seed(9);
        var w = torch.randn([3, 4]).requires_grad_();
        var b = torch.zeros([3], requiresGrad: true);
        var x = torch.randn([5, 4]);
        var y = I64(0, 1, 2, 1, 0);
        var baseline = Baseline();
        for (var step = 0; step < 3; step++)
        {
            using var scope = torch.NewDisposeScope();
            var loss = F.cross_entropy(F.linear(x, w, b), y);
            loss.backward();
            using (torch.no_grad())
            {
                w.add_(w.grad!, alpha: -0.1);
                b.add_(b.grad!, alpha: -0.1);
            }

            w.zero_grad();
            b.zero_grad();
        }

        AssertBackTo(baseline);
        Assert.Equal(4, outer.Count);
    }

    [Fact]
    public void Disposing_an_outer_scope_first_throws_and_leaves_both_scopes_usable()
    {
        var outer = torch.NewDisposeScope();
        var inner = torch.NewDisposeScope();
        using var a = torch.ones([2]);

        Assert.Throws<InvalidOperationException>(() => outer.Dispose());

        var b = torch.ones([2]);
        Assert.Equal(2, inner.Count);
        inner.Dispose();
        Assert.True(b.IsDisposed);
        outer.Dispose();
        var c = torch.ones([1]);
        Assert.Equal(0, outer.Count);
        c.Dispose();
    }

    [Fact]
    public void Tensors_disposed_on_other_threads_leave_their_scope_consistent()
    {
        var baseline = Baseline();
        using (var scope = torch.NewDisposeScope())
        {
            var tensors = Enumerable.Range(0, 4000).Select(_ => torch.zeros([1])).ToArray();
            var kept = torch.ones([1]);
            Parallel.ForEach(tensors, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t => t.Dispose());

            Assert.Equal(1, scope.Count);
            Assert.False(kept.IsDisposed);
        }

        AssertBackTo(baseline);
    }

    [Fact]
    public void A_cuda_statistic_for_a_device_that_is_not_there_is_a_managed_error_or_zero_never_a_crash()
    {
        // Built without CUDA the shim reports 0; with CUDA, device 99 is a libtorch error raised as an exception.
        try
        {
            Assert.Equal(0, torch.cuda.max_memory_allocated(99));
            Assert.False(torch.cuda.is_available() && torch.cuda.device_count() < 99, "device 99 should not have statistics");
        }
        catch (TorchException e)
        {
            Assert.False(string.IsNullOrEmpty(e.Message));
        }
    }
}
