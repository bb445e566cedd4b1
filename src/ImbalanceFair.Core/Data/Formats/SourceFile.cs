using System.IO.Compression;

namespace ImbalanceFair.Core.Data.Formats;

/// <summary>Reads a whole source file, gunzipping it when it starts with the gzip magic (whatever its name).</summary>
internal static class SourceFile
{
    public static byte[] ReadAll(string path)
    {
        if (!File.Exists(path))
        {
            throw DataFormatException.For(path, "file not found");
        }

        var raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b)
        {
            return raw;
        }

        try
        {
            using var gz = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream(raw.Length * 4);
            gz.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw DataFormatException.For(path, $"corrupt or truncated gzip data ({e.Message})");
        }
    }
}
