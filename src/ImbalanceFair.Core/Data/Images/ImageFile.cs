namespace ImbalanceFair.Core.Data.Images;

/// <summary>Reads image files (PNG or JPEG, told apart by their first bytes, not their names).</summary>
public static class ImageFile
{
    /// <summary>The file name extensions image folders are scanned for (compared case-insensitively).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg"];

    public static bool HasImageExtension(string path) =>
        Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Decodes one PNG or JPEG file to planar uint8 (1 or 3 channels).</summary>
    public static DecodedImage Decode(string path)
    {
        var bytes = ReadBytes(path);
        if (PngDecoder.IsPng(bytes))
        {
            return PngDecoder.Decode(bytes, path);
        }

        if (JpegDecoder.IsJpeg(bytes))
        {
            return JpegDecoder.Decode(bytes, path);
        }

        throw DataFormatException.For(path, bytes.Length == 0
            ? "empty file, expected a PNG or JPEG image"
            : $"not a PNG or JPEG image (it starts {Convert.ToHexString(bytes.AsSpan(0, Math.Min(8, bytes.Length)))})");
    }

    /// <summary>The whole file; a missing or unreadable file is a <see cref="DataFormatException"/> naming it.</summary>
    internal static byte[] ReadBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw DataFormatException.For(path, "file not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw DataFormatException.For(path, $"cannot be read ({e.Message})");
        }
    }

    /// <summary>
    /// Decodes <paramref name="files"/> in parallel into one preallocated [n, channels, height, width] uint8 buffer,
    /// in the order given, each brought to the size and channels with <see cref="ImageConform"/>. When several files
    /// fail, the error of the first in order is thrown (the same on every run); <paramref name="origin"/>, when given,
    /// says where file i was listed (a CSV line, say) and is added to its error.
    /// </summary>
    public static byte[] DecodeAll(IReadOnlyList<string> files, int channels, int height, int width, Func<int, string>? origin = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var size = (long)channels * height * width;
        if (size * files.Count > Array.MaxLength)
        {
            throw new DataFormatException(
                $"{files.Count} images of {channels}x{height}x{width} need {size * files.Count} bytes, more than one buffer holds; choose a smaller image_size");
        }

        var output = new byte[size * files.Count];
        var errors = new DataFormatException?[files.Count];
        // A cancellation stops the loop before its next image (OperationCanceledException).
        Parallel.For(0, files.Count, new ParallelOptions { CancellationToken = cancel }, (i, state) =>
        {
            try
            {
                var image = Decode(files[i]);
                var conformed = ImageConform.Conform(image.Pixels, 1, image.Channels, image.Height, image.Width, channels, height, width);
                conformed.CopyTo(output, i * size);
            }
            catch (DataFormatException e)
            {
                errors[i] = origin is null ? e : new DataFormatException($"{e.Message} (listed at {origin(i)})", e);
                state.Break(); // iterations before i still run, so the first failure in order is always found
            }
        });
        if (Array.Find(errors, e => e is not null) is { } first)
        {
            throw first;
        }

        return output;
    }
}
