using ImbalanceFair.Cli.Tests.Support;

namespace ImbalanceFair.Cli.Tests;

public class VersionTests
{
    [Fact]
    public void Version_names_the_tool_libtorch_and_cuda()
    {
        var result = Imbfair.Run(["--version"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"(?m)^imbfair \d+\.\d+\.\d+$", result.Stdout);
        Assert.Matches(@"(?m)^libtorch \d+\.\d+\.\d+$", result.Stdout);
        Assert.Matches(@"(?m)^cuda (not available|available \(\d+ devices?\))$", result.Stdout);
        // Debian's libtorch (OpenBLAS + oneDNN) on x86-64: float32 GEMMs on oneDNN whatever OPENBLAS_CORETYPE says.
        var expected = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64 ? "onednn" : "blas";
        Assert.Matches($@"(?m)^gemm {expected} \(OpenBLAS kernels \w+\)$", result.Stdout);
    }

    [Fact]
    public void Threads_default_to_the_cores_and_follow_IMBFAIR_THREADS()
    {
        var byDefault = Imbfair.Run(["--version"]);
        var one = Imbfair.Run(["--version"], new Dictionary<string, string> { ["IMBFAIR_THREADS"] = "1" });

        Assert.Contains($"threads {Environment.ProcessorCount}", byDefault.Stdout, StringComparison.Ordinal);
        Assert.Contains("threads 1", one.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_command_is_a_usage_error()
    {
        var result = Imbfair.Run(["no-such-command"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no-such-command", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }
}
