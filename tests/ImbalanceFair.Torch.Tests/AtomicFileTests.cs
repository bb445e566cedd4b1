using ImbalanceFair.Torch.IO;

namespace ImbalanceFair.Torch.Tests;

public class AtomicFileTests
{
    [Fact]
    public void Leftovers_of_a_killed_writer_are_removed_and_nothing_else()
    {
        var dir = Directory.CreateTempSubdirectory("imbfair-atomic-").FullName;
        try
        {
            AtomicFile.WriteText(Path.Combine(dir, "trials.csv"), "kept");
            Directory.CreateDirectory(Path.Combine(dir, "run"));
            string[] leftovers = [".trials.csv.0a1b.tmp", ".summary.csv.2c3d.tmp", Path.Combine("run", ".train_log.csv.4e5f.tmp")];
            string[] others = ["notes.tmp", ".hidden", "x.csv", Path.Combine("run", "checkpoint.safetensors")];
            foreach (var name in leftovers.Concat(others))
            {
                File.WriteAllText(Path.Combine(dir, name), "x");
            }

            Assert.Equal(1, AtomicFile.RemoveLeftovers(dir, target: "trials.csv"));
            Assert.False(File.Exists(Path.Combine(dir, leftovers[0])));
            Assert.True(File.Exists(Path.Combine(dir, leftovers[1])));

            Assert.Equal(1, AtomicFile.RemoveLeftovers(dir));
            Assert.True(File.Exists(Path.Combine(dir, leftovers[2])), "not recursive unless asked");
            Assert.Equal(1, AtomicFile.RemoveLeftovers(dir, recursive: true));

            Assert.All(leftovers, f => Assert.False(File.Exists(Path.Combine(dir, f))));
            Assert.All(others, f => Assert.True(File.Exists(Path.Combine(dir, f))));
            Assert.Equal("kept", File.ReadAllText(Path.Combine(dir, "trials.csv")));
            Assert.Equal(0, AtomicFile.RemoveLeftovers(Path.Combine(dir, "absent")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
