using static ImbalanceFair.Torch.Tests.Support.TensorAssert;

namespace ImbalanceFair.Torch.Tests;

public class OpsReduceTests
{
    // x = [[1, 2, 3],
    //      [4, 5, 6]]
    private static Tensor X() => F32([2, 3], 1, 2, 3, 4, 5, 6);

    // y = [[3, 1, 2],
    //      [0, 5, 4]]
    private static Tensor Y() => F32([2, 3], 3, 1, 2, 0, 5, 4);

    [Fact]
    public void Sum_over_all_dims_and_keepdim()
    {
        using var scope = torch.NewDisposeScope();
        var all = X().sum();
        Assert.Empty(all.shape);
        Assert.Equal(21, all.item());
        AssertValues(X().sum(0), [3], [5, 7, 9]);
        AssertValues(X().sum(1, keepdim: true), [2, 1], [6, 15]);
        AssertValues(X().sum(-1), [2], [6, 15]);
        AssertValues(X().sum([0, 1]), [], [21]);
        AssertValues(X().sum([0, 1], keepdim: true), [1, 1], [21]);
        AssertValues(X().sum(keepdim: true), [1, 1], [21]);
        // Integers sum to int64 by default; dtype converts first.
        AssertLongs(I64([2, 2], 1, 2, 3, 4).sum(0), 4, 6);
        var d = torch.tensor(new[] { 1, 2, 3 }).sum(dtype: ScalarType.Float64);
        Assert.Equal(ScalarType.Float64, d.dtype);
        Assert.Equal(6, d.item());
    }

    [Fact]
    public void Mean_over_all_dims_and_keepdim()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Equal(3.5, X().mean().item(), 6);
        AssertValues(X().mean(1), [2], [2, 5]);
        AssertValues(X().mean(0, keepdim: true), [1, 3], [2.5, 3.5, 4.5]);
        AssertValues(X().mean([0, 1]), [], [3.5]);
        AssertValues(X().mean(keepdim: true), [1, 1], [3.5]);
    }

    [Fact]
    public void Max_min_with_indices_and_argmax_argmin()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Equal(5, Y().max().item());
        Assert.Equal(0, Y().min().item());
        var (mv, mi) = Y().max(1);
        AssertValues(mv, [2], [3, 5]);
        AssertLongs(mi, 0, 1);
        var (nv, ni) = Y().min(1);
        AssertValues(nv, [2], [1, 0]);
        AssertLongs(ni, 1, 0);
        var (cv, ci) = Y().max(0, keepdim: true);
        AssertValues(cv, [1, 3], [3, 5, 4]);
        AssertLongs(ci, 0, 1, 1);
        // Flattened: [3, 1, 2, 0, 5, 4] -> max at 4, min at 3.
        Assert.Equal(4, Y().argmax().itemLong());
        Assert.Equal(3, Y().argmin().itemLong());
        AssertLongs(Y().argmax(0), 0, 1, 1);
        AssertLongs(Y().argmin(1), 1, 0);
        AssertShape(Y().argmax(1, keepdim: true), 2, 1);
    }

    [Fact]
    public void Norm_p2_p1_and_along_a_dimension()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Equal(5, F32(3, -4).norm().item(), 6);
        Assert.Equal(7, F32(3, -4).norm(1).item(), 6);
        var m = F32([2, 2], 3, 4, 6, 8);
        AssertValues(m.norm(2, [1]), [2], [5, 10]);
        AssertValues(m.norm(2, [1], keepdim: true), [2, 1], [5, 10]);
        // Column norms: sqrt(9 + 36), sqrt(16 + 64).
        AssertValues(m.norm(2, [0]), [2], [Math.Sqrt(45), Math.Sqrt(80)]);
        // All elements: sqrt(9 + 16 + 36 + 64); inf-norm is the largest magnitude.
        AssertValues(m.norm(keepdim: true), [1, 1], [Math.Sqrt(125)]);
        Assert.Equal(8, m.norm(double.PositiveInfinity).item());
    }

    [Fact]
    public void Logsumexp_is_the_log_of_summed_exponentials()
    {
        using var scope = torch.NewDisposeScope();
        // row 0: log(e^0 + e^ln3) = ln 4; row 1: log(2 e^1) = 1 + ln 2.
        var x = F32([2, 2], 0, (float)Math.Log(3), 1, 1);
        AssertValues(x.logsumexp(1), [2], [1.3862943611198906, 1.6931471805599454]);
        AssertValues(x.logsumexp(1, keepdim: true), [2, 1], [1.3862943611198906, 1.6931471805599454]);
        // Stable for large inputs: log(2 e^1000) = 1000 + ln 2.
        AssertValues(F64(1000, 1000).logsumexp(0), [], [1000.6931471805599], 1e-12);
    }

    [Fact]
    public void Topk_largest_and_smallest()
    {
        using var scope = torch.NewDisposeScope();
        var x = F32(1, 5, 3, 4, 2);
        var (v, i) = x.topk(2);
        AssertValues(v, [2], [5, 4]);
        AssertLongs(i, 1, 3);
        var (sv, si) = x.topk(2, largest: false);
        AssertValues(sv, [2], [1, 2]);
        AssertLongs(si, 0, 4);
        var (rv, ri) = Y().topk(1, dim: 1);
        AssertValues(rv, [2, 1], [3, 5]);
        AssertLongs(ri, 0, 1);
    }

    [Fact]
    public void Sort_ascending_descending_and_stable()
    {
        using var scope = torch.NewDisposeScope();
        var (v, i) = F32(3, 1, 2).sort();
        AssertValues(v, [1, 2, 3]);
        AssertLongs(i, 1, 2, 0);
        var (dv, di) = F32(3, 1, 2).sort(descending: true);
        AssertValues(dv, [3, 2, 1]);
        AssertLongs(di, 0, 2, 1);
        // Ties keep their original order with a stable sort.
        var (tv, ti) = F32(2, 1, 2, 1).sort(stable: true);
        AssertValues(tv, [1, 1, 2, 2]);
        AssertLongs(ti, 1, 3, 0, 2);
        AssertLongs(F32(3, 1, 2).argsort(), 1, 2, 0);
        var (rv, ri) = Y().sort(0);
        AssertValues(rv, [2, 3], [0, 1, 2, 3, 5, 4]);
        AssertLongs(ri, 1, 0, 0, 0, 1, 1);
    }

    [Fact]
    public void Cdist_is_the_pairwise_distance()
    {
        using var scope = torch.NewDisposeScope();
        var a = F32([2, 2], 0, 0, 1, 1);
        var b = F32([2, 2], 3, 4, 0, 1);
        // |a0 - b0| = 5, |a0 - b1| = 1, |a1 - b0| = sqrt(4 + 9), |a1 - b1| = 1.
        AssertValues(torch.cdist(a, b), [2, 2], [5, 1, Math.Sqrt(13), 1]);
        // p = 1: 3 + 4, 0 + 1, 2 + 3, 1 + 0.
        AssertValues(torch.cdist(a, b, 1), [2, 2], [7, 1, 5, 1]);
        AssertShape(torch.cdist(a.unsqueeze(0), b.unsqueeze(0)), 1, 2, 2);
    }

    [Fact]
    public void Var_and_std_with_and_without_bessel_correction()
    {
        using var scope = torch.NewDisposeScope();
        // [1, 2, 3, 4]: mean 2.5, squared deviations sum to 5.
        var x = F32(1, 2, 3, 4);
        Assert.Equal(5.0 / 3, x.var().item(), 6);
        Assert.Equal(1.25, x.var(correction: 0).item(), 6);
        Assert.Equal(Math.Sqrt(5.0 / 3), x.std().item(), 6);
        Assert.Equal(Math.Sqrt(1.25), x.std(correction: 0).item(), 6);
        AssertValues(F32([2, 2], 1, 2, 3, 4).var(keepdim: true), [1, 1], [5.0 / 3]);
        var m = F32([2, 2], 1, 2, 3, 5);
        AssertValues(m.var([1]), [2], [0.5, 2]);
        AssertValues(m.std([0], keepdim: true), [1, 2], [Math.Sqrt(2), Math.Sqrt(4.5)]);
    }

    [Fact]
    public void Bincount_counts_and_sums_weights()
    {
        using var scope = torch.NewDisposeScope();
        AssertLongs(torch.bincount(I64(0, 1, 1, 3)), 1, 2, 0, 1);
        AssertLongs(torch.bincount(I64(0, 1, 1, 3), minlength: 6), 1, 2, 0, 1, 0, 0);
        AssertValues(torch.bincount(I64(0, 1, 1, 3), F64(0.5, 1, 2, 0.25)), [4], [0.5, 3, 0, 0.25]);
    }

    [Fact]
    public void Prod_cumsum_any_all()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Equal(720, X().prod().item());
        AssertValues(X().cumsum(1), [2, 3], [1, 3, 6, 4, 9, 15]);
        Assert.True(Bools(false, true).any().item() != 0);
        Assert.True(Bools(false, true).all().item() == 0);
    }
}
