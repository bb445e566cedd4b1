namespace ImbalanceFair.Core.Results;

/// <summary>Writes whole files through a temporary name in the same folder and a rename: readers never see half a file.</summary>
public static class AtomicFile
{
    public static void WriteText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(path);
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
