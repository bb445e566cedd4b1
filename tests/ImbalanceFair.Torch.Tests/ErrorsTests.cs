using ImbalanceFair.Torch.Interop;
using static ImbalanceFair.Torch.Tests.Support.TensorAssert;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Torch.Tests;

public class ErrorsTests
{
    [Fact]
    public void Shape_mismatch_raises_TorchException_with_libtorchs_message_and_the_process_goes_on()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.ones([2, 3]);
        var b = torch.ones([4, 5]);
        var ex = Assert.Throws<TorchException>(() => a.matmul(b));
        Assert.Contains("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", ex.Message);
        // The message is libtorch's text without the C++ backtrace.
        Assert.DoesNotContain("frame #", ex.Message);

        // The error state is cleared and the next ops work.
        Assert.Equal(0, (long)Native.imbf_last_error());
        AssertValues(a.matmul(torch.ones([3, 2])), [2, 2], [3, 3, 3, 3]);
        Assert.Equal(0, (long)Native.imbf_last_error());
    }

    [Fact]
    public void Many_failures_in_a_row_leak_nothing_and_leave_the_bridge_usable()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var live = Tensor.LiveCount;
        var native = Tensor.NativeLiveCount;
        using (var scope = torch.NewDisposeScope())
        {
            var a = torch.ones([2, 3]);
            var b = torch.ones([4, 5]);
            for (var i = 0; i < 20; i++)
            {
                Assert.Throws<TorchException>(() => a.matmul(b));
                Assert.Throws<TorchException>(() => a.add_(b));
            }

            Assert.Equal(2, scope.Count);
            Assert.Equal(6, a.sum().item());
        }

        Assert.Equal(live, Tensor.LiveCount);
        Assert.Equal(native, Tensor.NativeLiveCount);
    }

    [Fact]
    public void Errors_from_status_returning_entry_points_are_raised_too()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.ones([3]);
        // In-place op (status return): broadcasting [3] += [4] fails.
        var ex = Assert.Throws<TorchException>(() => x.add_(torch.ones([4])));
        Assert.Contains("must match the size of tensor b (4)", ex.Message);
        // item() on more than one element.
        ex = Assert.Throws<TorchException>(() => x.item());
        Assert.Contains("cannot be converted to Scalar", ex.Message);
        // A tuple-returning op.
        ex = Assert.Throws<TorchException>(() => x.topk(5));
        Assert.Contains("out of range", ex.Message);
        // Split sizes that do not add up.
        ex = Assert.Throws<TorchException>(() => x.split([1, 1]));
        Assert.Contains("split_with_sizes", ex.Message);
        // x is untouched and usable.
        AssertValues(x, [1, 1, 1]);
    }

    [Fact]
    public void Other_libtorch_errors_carry_their_messages()
    {
        using var scope = torch.NewDisposeScope();
        var ex = Assert.Throws<TorchException>(() => torch.cat([torch.ones([2, 3]), torch.ones([2, 2])]));
        Assert.Contains("Sizes of tensors must match except in dimension 0", ex.Message);
        ex = Assert.Throws<TorchException>(() => torch.ones([2, 3]).t().view(6));
        Assert.Contains("view size is not compatible", ex.Message);
        ex = Assert.Throws<TorchException>(() => F.cross_entropy(torch.zeros([2, 3]), I64(0, 5)));
        Assert.Contains("Target 5 is out of bounds", ex.Message);
        ex = Assert.Throws<TorchException>(() => torch.ones([2, 3]).reshape(4));
        Assert.Contains("shape '[4]' is invalid for input of size 6", ex.Message);
        ex = Assert.Throws<TorchException>(() => torch.ones([2]).gather(0, F32(0)));
        Assert.Contains("gather", ex.Message);
        ex = Assert.Throws<TorchException>(() => torch.ones([2]).backward());
        Assert.Contains("does not require grad", ex.Message);
    }

    [Fact]
    public void Using_a_disposed_tensor_throws_ObjectDisposedException()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.ones([2]);
        var y = torch.ones([2]);
        x.Dispose();
        Assert.True(x.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => x.shape);
        Assert.Throws<ObjectDisposedException>(() => x.item());
        Assert.Throws<ObjectDisposedException>(() => x.ToArray<float>());
        Assert.Throws<ObjectDisposedException>(() => x + y);
        Assert.Throws<ObjectDisposedException>(() => y + x);
        Assert.Throws<ObjectDisposedException>(() => torch.cat([y, x]));
        Assert.Throws<ObjectDisposedException>(() => F.linear(y, x));
        Assert.Throws<ObjectDisposedException>(() => y.index(x));
        Assert.Equal("Tensor(disposed)", x.ToString());
        // Disposing twice is harmless; the other tensor still works.
        x.Dispose();
        AssertValues(y * 2, [2, 2]);
    }
}
