namespace ImbalanceFair.Core.Runs;

/// <summary>
/// An exclusive lock on one run directory, held by the process that runs it: <c>&lt;run dir&gt;.lock</c> beside the
/// directory, opened with <see cref="FileShare.None"/>, which .NET on Unix takes as an advisory <c>flock</c>.
/// The kernel drops the lock when the process ends however it ends (SIGKILL, OOM, node reboot), so a lock file left
/// behind by a crash is only an empty file and never blocks anyone. The file sits beside the run directory, not
/// inside it, so that <c>--force</c> can delete the directory without deleting the lock it holds.
/// </summary>
public sealed class RunLock : IDisposable
{
    private readonly FileStream _stream;

    private RunLock(FileStream stream) => _stream = stream;

    public static string PathFor(string runDir) => Path.TrimEndingDirectorySeparator(runDir) + ".lock";

    /// <summary>
    /// The lock, or null when another process holds it. <see cref="IsHeld"/> takes the lock for an instant to look,
    /// so a refusal is retried for <paramref name="patience"/> (default half a second) before it counts: a process
    /// that runs the trial holds its lock for minutes, a sweep that only looked has long let go by then.
    /// </summary>
    public static RunLock? TryAcquire(string runDir, TimeSpan? patience = null)
    {
        var path = PathFor(runDir);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromMilliseconds(500));
        while (true)
        {
            try
            {
                return new RunLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (File.Exists(path))
            {
                if (DateTime.UtcNow >= deadline)
                {
                    return null;
                }

                Thread.Sleep(25);
            }
        }
    }

    /// <summary>Whether some process holds the lock now; creates nothing (a dry run writes nothing).</summary>
    public static bool IsHeld(string runDir)
    {
        var path = PathFor(runDir);
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose() => _stream.Dispose();
}

/// <summary>The run directory is being run by another process right now (its lock is held).</summary>
public sealed class RunLockedException : Exception
{
    public RunLockedException()
    {
    }

    public RunLockedException(string message)
        : base(message)
    {
    }

    public RunLockedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
