using ImbalanceFair.Core.Runs;

namespace ImbalanceFair.Core.Tests.Sweeps;

/// <summary>The per-run lock: exclusive while held, gone with its holder, and a lock file left behind blocks nobody.</summary>
public sealed class RunLockTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-runlock-");

    private string RunDir => Path.Combine(_dir.FullName, "sweep", "0123456789ab");

    [Fact]
    public void A_held_lock_cannot_be_taken_again_until_it_is_released()
    {
        Assert.False(RunLock.IsHeld(RunDir));
        using (var held = RunLock.TryAcquire(RunDir))
        {
            Assert.NotNull(held);
            Assert.True(RunLock.IsHeld(RunDir));
            Assert.Null(RunLock.TryAcquire(RunDir, TimeSpan.Zero));
        }

        Assert.False(RunLock.IsHeld(RunDir));
        using var again = RunLock.TryAcquire(RunDir);
        Assert.NotNull(again);
    }

    [Fact]
    public void A_lock_file_left_by_a_dead_process_does_not_block()
    {
        Directory.CreateDirectory(RunDir);
        File.WriteAllText(RunLock.PathFor(RunDir), "left behind by a crash");

        Assert.False(RunLock.IsHeld(RunDir));
        using var taken = RunLock.TryAcquire(RunDir);
        Assert.NotNull(taken);
    }

    [Fact]
    public void Asking_whether_it_is_held_creates_nothing()
    {
        Assert.False(RunLock.IsHeld(RunDir));

        Assert.False(Directory.Exists(Path.GetDirectoryName(RunDir)));
    }

    [Fact]
    public void The_lock_sits_hidden_inside_the_run_directory_and_force_empties_everything_around_it()
    {
        Assert.Equal(Path.Combine(RunDir, ".lock"), RunLock.PathFor(RunDir));
        Directory.CreateDirectory(Path.Combine(RunDir, "model"));
        File.WriteAllText(Path.Combine(RunDir, "model", "weights.bin"), "w");
        File.WriteAllText(Path.Combine(RunDir, "done"), "x");
        using var held = RunLock.TryAcquire(RunDir);
        Assert.NotNull(held);

        RunLock.EmptyExceptLock(RunDir);

        Assert.Equal([".lock"], Directory.EnumerateFileSystemEntries(RunDir).Select(Path.GetFileName));
        Assert.True(RunLock.IsHeld(RunDir));
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
