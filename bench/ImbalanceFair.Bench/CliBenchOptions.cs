using ImbalanceFair.Torch;

namespace ImbalanceFair.Bench;

/// <summary>The options of the benchmarks that start the real <c>imbfair</c> CLI as a child process (startup, memory).</summary>
internal abstract class CliBenchOptions(string reference, string csv) : BenchOptions(reference, csv)
{
    public string Imbfair { get; set; } = "src/ImbalanceFair.Cli/bin/Release/net10.0/imbfair";

    protected override bool ReadMore(OptionReader a)
    {
        if (a.Name != "--imbfair")
        {
            return false;
        }

        Imbfair = a.Value();
        return true;
    }

    /// <summary>Checks that the CLI is built, and makes the Python children wait as the CLI's OpenMP threads do.</summary>
    public void Prepare()
    {
        if (!File.Exists(Imbfair))
        {
            throw new ArgumentException($"--imbfair {Imbfair} does not exist (build the CLI: dotnet build ImbalanceFair.sln -c Release)");
        }

        // Loading the shim sets OMP_WAIT_POLICY=PASSIVE unless it is set, as the CLI does; the Python children inherit
        // it, so both sides wait the same way (spinning waits are many times slower on a shared machine).
        Console.WriteLine($"libtorch {torch.version}, OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")}");
    }
}
