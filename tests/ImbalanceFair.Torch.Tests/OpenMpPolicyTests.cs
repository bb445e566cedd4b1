namespace ImbalanceFair.Torch.Tests;

public class OpenMpPolicyTests
{
    [Fact]
    public void Loading_libtorch_sets_a_passive_OpenMP_wait_policy_unless_one_was_given()
    {
        using var t = torch.ones([1]);

        // The test host inherits CI's environment; only a value set from outside may differ from ours.
        var policy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        Assert.False(string.IsNullOrEmpty(policy));
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh", ["-c", "echo $OMP_WAIT_POLICY"]) { RedirectStandardOutput = true })!;
        Assert.Equal(policy, process.StandardOutput.ReadToEnd().Trim());
        process.WaitForExit();
    }
}
