using ImbalanceFair.Core;

namespace ImbalanceFair.Core.Tests;

public class ToolInfoTests
{
    [Fact]
    public void Reports_the_libtorch_it_was_built_against()
    {
        var info = ToolInfo.Current();

        Assert.Matches(@"^\d+\.\d+\.\d+", info.TorchVersion);
        Assert.Matches(@"^\d+\.\d+\.\d+", info.Version);
        Assert.Equal(info.CudaAvailable, info.CudaDevices > 0);
    }

    [Fact]
    public void Threads_follow_the_request()
    {
        var before = ImbalanceFair.Torch.torch.get_num_threads();
        try
        {
            Assert.Equal(1, TorchRuntime.ConfigureThreads(1));
            Assert.Equal(2, TorchRuntime.ConfigureThreads(2));
        }
        finally
        {
            ImbalanceFair.Torch.torch.set_num_threads(before);
        }
    }
}
