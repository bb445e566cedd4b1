using static ImbalanceFair.Torch.Tests.Support.TensorAssert;

namespace ImbalanceFair.Torch.Tests;

public class OpsShapeTests
{
    // x = [[0, 1, 2],
    //      [3, 4, 5]]
    private static Tensor X() => F32([2, 3], 0, 1, 2, 3, 4, 5);

    [Fact]
    public void Reshape_and_view_keep_row_major_order()
    {
        using var scope = torch.NewDisposeScope();
        AssertValues(X().reshape(3, 2), [3, 2], [0, 1, 2, 3, 4, 5]);
        AssertShape(X().reshape(-1), 6);
        AssertValues(X().view(3, -1), [3, 2], [0, 1, 2, 3, 4, 5]);
        AssertShape(X().view(1, 2, 1, 3), 1, 2, 1, 3);
        // A view shares storage with its base.
        var x = X();
        var v = x.view(6);
        x.fill_(9);
        AssertValues(v, [9, 9, 9, 9, 9, 9]);
    }

    [Fact]
    public void Permute_moves_dimensions()
    {
        using var scope = torch.NewDisposeScope();
        // y[k, i, j] = x[i, j, k] = 12 i + 4 j + k for x = arange(24).reshape(2, 3, 4).
        var y = torch.arange(24, ScalarType.Float32).reshape(2, 3, 4).permute(2, 0, 1);
        AssertValues(y, [4, 2, 3],
        [
            0, 4, 8, 12, 16, 20,
            1, 5, 9, 13, 17, 21,
            2, 6, 10, 14, 18, 22,
            3, 7, 11, 15, 19, 23,
        ]);
    }

    [Fact]
    public void Transpose_swaps_two_dimensions_as_a_view()
    {
        using var scope = torch.NewDisposeScope();
        var t = X().transpose(0, 1);
        AssertValues(t, [3, 2], [0, 3, 1, 4, 2, 5]);
        Assert.False(t.is_contiguous());
        Assert.True(t.contiguous().is_contiguous());
        AssertValues(X().t(), [3, 2], [0, 3, 1, 4, 2, 5]);
        AssertValues(X().transpose(-1, -2), [3, 2], [0, 3, 1, 4, 2, 5]);
    }

    [Fact]
    public void Cat_joins_along_an_existing_dimension()
    {
        using var scope = torch.NewDisposeScope();
        var b = F32([2, 1], 10, 11);
        AssertValues(torch.cat([X(), b], 1), [2, 4], [0, 1, 2, 10, 3, 4, 5, 11]);
        AssertValues(torch.cat([X(), F32([1, 3], 7, 8, 9)]), [3, 3], [0, 1, 2, 3, 4, 5, 7, 8, 9]);
    }

    [Fact]
    public void Stack_adds_a_dimension()
    {
        using var scope = torch.NewDisposeScope();
        var a = F32(1, 2);
        var b = F32(3, 4);
        AssertValues(torch.stack([a, b]), [2, 2], [1, 2, 3, 4]);
        AssertValues(torch.stack([a, b], 1), [2, 2], [1, 3, 2, 4]);
    }

    [Fact]
    public void Split_and_chunk_cut_along_a_dimension()
    {
        using var scope = torch.NewDisposeScope();
        var parts = X().split([1, 2], 1);
        Assert.Equal(2, parts.Length);
        AssertValues(parts[0], [2, 1], [0, 3]);
        AssertValues(parts[1], [2, 2], [1, 2, 4, 5]);

        // torch.chunk(arange(7), 3): pieces of ceil(7 / 3) = 3, the last one shorter.
        var chunks = torch.arange(7).chunk(3);
        Assert.Equal(3, chunks.Length);
        AssertLongs(chunks[0], 0, 1, 2);
        AssertLongs(chunks[1], 3, 4, 5);
        AssertLongs(chunks[2], 6);

        // torch.chunk(arange(6), 4): pieces of ceil(6 / 4) = 2, so only three of them.
        var three = torch.arange(6).chunk(4);
        Assert.Equal(3, three.Length);
        AssertLongs(three[2], 4, 5);

        var cols = X().chunk(2, 1);
        AssertValues(cols[0], [2, 2], [0, 1, 3, 4]);
        AssertValues(cols[1], [2, 1], [2, 5]);
    }

    [Fact]
    public void Narrow_slice_and_select()
    {
        using var scope = torch.NewDisposeScope();
        AssertValues(X().narrow(1, 1, 2), [2, 2], [1, 2, 4, 5]);
        // x[:, 0:3:2]
        AssertValues(X().slice(1, 0, 3, 2), [2, 2], [0, 2, 3, 5]);
        // arange(5)[1:100] clamps the end like Python.
        AssertLongs(torch.arange(5).slice(0, 1, 100), 1, 2, 3, 4);
        AssertValues(X().select(1, 2), [2], [2, 5]);
        AssertValues(X().select(0, -1), [3], [3, 4, 5]);
    }

    [Fact]
    public void Index_select_and_gather()
    {
        using var scope = torch.NewDisposeScope();
        AssertValues(X().index_select(1, I64(2, 0)), [2, 2], [2, 0, 5, 3]);
        AssertValues(X().index_select(0, I64(1, 1, 0)), [3, 3], [3, 4, 5, 3, 4, 5, 0, 1, 2]);
        // out[i][j] = x[i][idx[i][j]]
        AssertValues(X().gather(1, I64([2, 2], 0, 0, 1, 0)), [2, 2], [0, 0, 4, 3]);
        // out[i][j] = x[idx[i][j]][j]
        AssertValues(X().gather(0, I64([1, 3], 1, 0, 1)), [1, 3], [3, 1, 5]);
    }

    [Fact]
    public void Scatter_writes_and_scatter_add_accumulates()
    {
        using var scope = torch.NewDisposeScope();
        // out[i][idx[i][j]] = src[i][j]
        var s = torch.zeros([2, 3]).scatter(1, I64([2, 1], 2, 0), F32([2, 1], 10, 20));
        AssertValues(s, [2, 3], [0, 0, 10, 20, 0, 0]);
        var a = torch.ones([3]).scatter_add(0, I64(0, 2, 0), F32(1, 2, 3));
        AssertValues(a, [3], [5, 1, 3]);
    }

    [Fact]
    public void Advanced_index_with_integer_tensors_colons_and_masks()
    {
        using var scope = torch.NewDisposeScope();
        // x[[1, 0], [2, 1]] = [x[1, 2], x[0, 1]]
        AssertValues(X().index(I64(1, 0), I64(2, 1)), [2], [5, 1]);
        // x[:, [0, 2]]
        AssertValues(X().index(null, I64(0, 2)), [2, 2], [0, 2, 3, 5]);
        // x[x > 2]
        var x = X();
        AssertValues(x.index(x.gt(2)), [3], [3, 4, 5]);
        // x[[1]] keeps the row dimension.
        AssertValues(X().index(I64(1)), [1, 3], [3, 4, 5]);
    }

    [Fact]
    public void Index_put_assigns_and_accumulates_in_place()
    {
        using var scope = torch.NewDisposeScope();
        var z = torch.zeros([2, 3]);
        var r = z.index_put_([I64(0, 1), I64(2, 0)], F32(7, 8));
        Assert.Same(z, r);
        AssertValues(z, [2, 3], [0, 0, 7, 8, 0, 0]);

        // Duplicate indices add up with accumulate: [1 + 2, 0, 3].
        var acc = torch.zeros([3]).index_put_([I64(0, 0, 2)], F32(1, 2, 3), accumulate: true);
        AssertValues(acc, [3], [3, 0, 3]);

        // x[mask] = -1
        var x = X();
        x.index_put_([x.lt(2)], F32(-1));
        AssertValues(x, [2, 3], [-1, -1, 2, 3, 4, 5]);
    }

    [Fact]
    public void Expand_repeat_and_flatten()
    {
        using var scope = torch.NewDisposeScope();
        AssertValues(F32([2, 1], 1, 2).expand(2, 3), [2, 3], [1, 1, 1, 2, 2, 2]);
        AssertValues(F32([2, 1], 1, 2).expand(-1, 2), [2, 2], [1, 1, 2, 2]);
        AssertValues(F32(1, 2, 3).expand_as(X()), [2, 3], [1, 2, 3, 1, 2, 3]);
        AssertValues(F32(1, 2).repeat(2, 2), [2, 4], [1, 2, 1, 2, 1, 2, 1, 2]);
        var y = torch.zeros([2, 3, 4]);
        AssertShape(y.flatten(), 24);
        AssertShape(y.flatten(1), 2, 12);
        AssertShape(y.flatten(0, 1), 6, 4);
    }

    [Fact]
    public void Unsqueeze_and_squeeze()
    {
        using var scope = torch.NewDisposeScope();
        AssertShape(X().unsqueeze(0), 1, 2, 3);
        AssertShape(X().unsqueeze(-1), 2, 3, 1);
        AssertValues(X().unsqueeze(1), [2, 1, 3], [0, 1, 2, 3, 4, 5]);
        var y = torch.zeros([1, 2, 1, 3]);
        AssertShape(y.squeeze(), 2, 3);
        AssertShape(y.squeeze(2), 1, 2, 3);
        AssertShape(y.squeeze(1), 1, 2, 1, 3);
    }

    [Fact]
    public void Flip_reverses_the_given_dimensions()
    {
        using var scope = torch.NewDisposeScope();
        AssertValues(X().flip(1), [2, 3], [2, 1, 0, 5, 4, 3]);
        AssertValues(X().flip(0), [2, 3], [3, 4, 5, 0, 1, 2]);
        AssertValues(X().flip(0, 1), [2, 3], [5, 4, 3, 2, 1, 0]);
    }

    [Fact]
    public void Tril_and_triu_keep_a_triangle()
    {
        using var scope = torch.NewDisposeScope();
        // m = [[0,1,2],[3,4,5],[6,7,8]]
        var m = torch.arange(9, ScalarType.Float32).reshape(3, 3);
        AssertValues(m.tril(), [3, 3], [0, 0, 0, 3, 4, 0, 6, 7, 8]);
        AssertValues(m.tril(-1), [3, 3], [0, 0, 0, 3, 0, 0, 6, 7, 0]);
        AssertValues(m.triu(), [3, 3], [0, 1, 2, 0, 4, 5, 0, 0, 8]);
        AssertValues(m.triu(1), [3, 3], [0, 1, 2, 0, 0, 5, 0, 0, 0]);
    }

    [Fact]
    public void One_hot_encodes_class_indices()
    {
        using var scope = torch.NewDisposeScope();
        var oh = nn.functional.one_hot(I64(0, 2, 1), 4);
        AssertShape(oh, 3, 4);
        AssertLongs(oh, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0);
        // num_classes = -1 infers max + 1 = 3.
        var inferred = nn.functional.one_hot(I64(2, 0));
        AssertShape(inferred, 2, 3);
        AssertLongs(inferred, 0, 0, 1, 1, 0, 0);
    }
}
