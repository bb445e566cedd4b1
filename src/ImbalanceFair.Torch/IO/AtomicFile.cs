using System.Runtime.InteropServices;
using System.Text;

namespace ImbalanceFair.Torch.IO;

/// <summary>
/// The one way imbfair writes a file: to a unique hidden temporary name in the same folder, flushed to disk (fsync),
/// renamed over the target, and the folder fsynced so the rename itself survives a power cut. Readers see the old
/// file or the new one, never half of one; a failure (a full disk) deletes the temporary file and leaves the old
/// file as it was. Lives in the lowest layer so the tensor files (checkpoints, safetensors) use it too.
/// </summary>
public static partial class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var temp = TempNameFor(full);
        try
        {
            WriteTemp(temp, write);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        SyncDirectory(Path.GetDirectoryName(full)!);
    }

    public static void WriteBytes(string path, ReadOnlyMemory<byte> bytes) => Write(path, s => s.Write(bytes.Span));

    public static void WriteText(string path, string text) => WriteBytes(path, Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Several files that belong together (UTF-8 text): every one is written and flushed under its temporary name
    /// first and only then are they renamed, so a failure while writing leaves the previous set untouched.
    /// </summary>
    public static void WriteAll(IReadOnlyList<(string Path, string Text)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var fulls = files.Select(f => Path.GetFullPath(f.Path)).ToArray();
        var temps = fulls.Select(TempNameFor).ToArray();
        try
        {
            for (var i = 0; i < files.Count; i++)
            {
                var bytes = Encoding.UTF8.GetBytes(files[i].Text);
                WriteTemp(temps[i], s => s.Write(bytes));
            }

            for (var i = 0; i < files.Count; i++)
            {
                File.Move(temps[i], fulls[i], overwrite: true);
            }
        }
        finally
        {
            foreach (var temp in temps)
            {
                TryDelete(temp);
            }
        }

        foreach (var folder in fulls.Select(Path.GetDirectoryName).Distinct(StringComparer.Ordinal))
        {
            SyncDirectory(folder!);
        }
    }

    /// <summary>Whether a file name is one of this class's temporary names (left behind only by a SIGKILL mid-write).</summary>
    public static bool IsTempName(string fileName) => fileName.StartsWith('.') && fileName.EndsWith(".tmp", StringComparison.Ordinal);

    /// <summary>
    /// Deletes the temporary files a process killed mid-write left in <paramref name="folder"/> (and its sub-folders
    /// when <paramref name="recursive"/>); with <paramref name="target"/>, only those of that file name. Only for the
    /// holder of the folder's lock: another writer's temporary file in the middle of its write looks the same.
    /// Returns how many were deleted.
    /// </summary>
    public static int RemoveLeftovers(string folder, bool recursive = false, string? target = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        var pattern = target is null ? ".*.tmp" : $".{target}.*.tmp";
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, pattern, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly))
        {
            if (IsTempName(Path.GetFileName(file)))
            {
                TryDelete(file);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>
    /// Flushes a folder's entries (a rename, a delete) to disk. On Linux a rename is durable only once its folder is
    /// fsynced; elsewhere (no O_DIRECTORY) this does nothing.
    /// </summary>
    public static void SyncDirectory(string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY on Linux (x86-64 and arm64)
        var fd = Open(folder, ReadOnlyDirectory | OCloexec);
        if (fd < 0)
        {
            return; // a folder we may not open (read-only mount, permissions) cannot be synced, and needs not be
        }

        try
        {
            _ = Fsync(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private const int OCloexec = 0x80000;

    private static string TempNameFor(string full) =>
        Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");

    private static void WriteTemp(string temp, Action<Stream> write)
    {
        using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        write(stream);
        stream.Flush(flushToDisk: true);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original error matters more than a temporary file we could not remove.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
