namespace ImbalanceFair.Torch.Tests;

/// <summary>nn.GroupNorm: PyTorch's parameter names and initialisation, and per-group normalisation by hand.</summary>
public class GroupNormModuleTests
{
    [Fact]
    public void Normalises_each_group_of_channels_per_sample_then_scales_and_shifts_per_channel()
    {
        using var norm = new nn.GroupNorm(2, 4);
        Assert.Equal(["weight", "bias"], norm.named_parameters().Select(p => p.name));
        Assert.Equal([1f, 1f, 1f, 1f], norm.weight.ToArray<float>());
        Assert.Equal([0f, 0f, 0f, 0f], norm.bias.ToArray<float>());
        using (var noGrad = torch.no_grad())
        {
            norm.weight.copy_(torch.tensor(new float[] { 1, 2, 3, 4 }));
            norm.bias.copy_(torch.tensor(new float[] { 0, 0, 0, 10 }));
        }

        using var scope = torch.NewDisposeScope();
        // One sample, 4 channels of 1 pixel: group 0 = channels {0, 1} = {1, 3}, group 1 = {2, 3} = {5, 9}.
        var x = torch.tensor(new float[] { 1, 3, 5, 9 }, [1, 4, 1, 1]);
        var y = norm.forward(x).flatten().ToArray<float>();
        // Each group's two values normalise to ∓1 (population variance, eps 1e-5 negligible at this tolerance).
        Assert.Equal(-1 * 1, y[0], 3);
        Assert.Equal(1 * 2, y[1], 3);
        Assert.Equal(-1 * 3, y[2], 3);
        Assert.Equal((1 * 4) + 10, y[3], 3);
        Assert.Throws<ArgumentException>(() => new nn.GroupNorm(3, 4));
    }
}
