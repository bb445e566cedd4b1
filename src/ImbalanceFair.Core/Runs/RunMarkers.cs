using System.Globalization;
using ImbalanceFair.Torch.IO;

namespace ImbalanceFair.Core.Runs;

/// <summary>
/// The files that say where a run directory stands (DESIGN §6): <c>done</c> (finished; written after every result
/// file, and only then is the checkpoint removed), <c>failed</c> (the last attempt failed, with its reason, read by
/// `report` and `sweep`; the next attempt removes it), the checkpoint of the last finished epoch. Plain file work, no
/// tensors, so `report` can read them on a machine without libtorch.
/// </summary>
public static class RunMarkers
{
    public const string DoneFile = "done";
    public const string FailedFile = "failed";
    public const string CheckpointFile = "checkpoint.safetensors";

    public static bool IsDone(string runDir) => File.Exists(Path.Combine(runDir, DoneFile));

    /// <summary>The reason the last attempt failed (the failed marker's first line), or null when it did not.</summary>
    public static string? Failure(string runDir)
    {
        var path = Path.Combine(runDir, FailedFile);
        try
        {
            return File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() ?? "failed (no reason recorded)" : null;
        }
        catch (IOException)
        {
            return "failed (the failed marker could not be read)";
        }
    }

    public static void WriteDone(string runDir) =>
        AtomicFile.WriteText(Path.Combine(runDir, DoneFile), DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture) + "\n");

    /// <summary>
    /// Records a failure: the reason on the first line (one line, what `report` and `sweep` show), the exception
    /// type next. Best effort: the disk that made the run fail may be full, and the original error matters more.
    /// </summary>
    public static bool TryWriteFailed(string runDir, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            var reason = error.Message.ReplaceLineEndings(" ");
            AtomicFile.WriteText(Path.Combine(runDir, FailedFile), $"{reason}\n{error.GetType().FullName}\n{DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture)}\n");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A new attempt starts: the old failure no longer describes the directory.</summary>
    public static void ClearFailed(string runDir) => File.Delete(Path.Combine(runDir, FailedFile));

    /// <summary>
    /// Removes the checkpoint of a finished run. Only after <see cref="WriteDone"/>: a crash between the two then
    /// leaves a done run with a stale checkpoint (harmless), never an unfinished run without one.
    /// </summary>
    public static void RemoveCheckpoint(string runDir)
    {
        File.Delete(Path.Combine(runDir, CheckpointFile));
        AtomicFile.SyncDirectory(runDir);
    }
}
