namespace ImbalanceFair.Core.Runs;

/// <summary>
/// An exclusive lock on one run directory, held by the process that runs it: <c>.lock</c> inside the directory (out
/// of the user's way: a sweep folder holds only run directories), opened with <see cref="FileShare.None"/>, which .NET
/// on Unix takes as an advisory <c>flock</c>. The kernel drops the lock when the process ends however it ends
/// (SIGKILL, OOM, node reboot), so a lock file left behind by a crash is only an empty file and never blocks anyone.
/// <c>--force</c> empties the directory around the lock it holds (<see cref="EmptyExceptLock"/>).
/// </summary>
public sealed class RunLock : IDisposable
{
    private readonly FileStream _stream;

    private RunLock(FileStream stream) => _stream = stream;

    public const string FileName = ".lock";

    public static string PathFor(string runDir) => Path.Combine(runDir, FileName);

    /// <summary>Deletes everything in a run directory but its lock (which the caller holds): --force starts afresh.</summary>
    public static void EmptyExceptLock(string runDir)
    {
        foreach (var entry in new DirectoryInfo(runDir).EnumerateFileSystemInfos())
        {
            if (entry.Name == FileName)
            {
                continue;
            }

            if (entry is DirectoryInfo folder)
            {
                folder.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }
    }

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
