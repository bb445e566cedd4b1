using System.Text;

namespace ImbalanceFair.Core.Results;

/// <summary>Writes a file under a temporary name in the same folder and renames it, so readers never see half a file.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush();
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public static void WriteText(string path, string text) => Write(path, s => s.Write(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// Several files that belong together (UTF-8 text): every one is written to its temporary name first and only
    /// then are they renamed, so a failure while writing leaves the previous set untouched rather than a mix.
    /// </summary>
    public static void WriteAll(IReadOnlyList<(string Path, string Text)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var temps = files.Select(f => $"{f.Path}.{Environment.ProcessId}.tmp").ToArray();
        try
        {
            for (var i = 0; i < files.Count; i++)
            {
                File.WriteAllBytes(temps[i], Encoding.UTF8.GetBytes(files[i].Text));
            }

            for (var i = 0; i < files.Count; i++)
            {
                File.Move(temps[i], files[i].Path, overwrite: true);
            }
        }
        finally
        {
            foreach (var temp in temps)
            {
                File.Delete(temp);
            }
        }
    }
}
