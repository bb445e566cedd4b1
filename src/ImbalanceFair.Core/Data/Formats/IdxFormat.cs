using System.Buffers.Binary;

namespace ImbalanceFair.Core.Data.Formats;

/// <summary>
/// MNIST-style IDX files (raw or gzipped): magic 0x00 0x00, element type 0x08 (unsigned byte), the number of
/// dimensions, then each dimension as a big-endian int32, then the data. Images are [N, H, W] (or [N, H, W, C]),
/// labels [N].
/// </summary>
internal sealed class IdxFormat : IDatasetFormat
{
    private static readonly string[] Keys = ["dir", "train_images", "train_labels", "test_images", "test_labels"];

    public string Name => "idx";

    public void Validate(DatasetDescriptor descriptor)
    {
        descriptor.Source.Allow(Keys);
        foreach (var key in Keys.Skip(1))
        {
            descriptor.Source.RequireString(key);
        }
    }

    public IReadOnlyList<string> SourceFiles(DatasetDescriptor descriptor)
    {
        var dir = descriptor.Source.GetString("dir") ?? ".";
        return Keys.Skip(1).Select(k => descriptor.ResolvePath(Path.Combine(dir, descriptor.Source.RequireString(k)))).ToList();
    }

    public DecodedDataset Read(DatasetDescriptor descriptor, CancellationToken cancel = default)
    {
        var files = SourceFiles(descriptor);
        return new DecodedDataset(ReadPart(descriptor, files[0], files[1], cancel), ReadPart(descriptor, files[2], files[3], cancel));
    }

    private static DecodedPart ReadPart(DatasetDescriptor d, string imagesFile, string labelsFile, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        var (imageDims, pixels) = Parse(imagesFile);
        var (labelDims, labelBytes) = Parse(labelsFile);
        if (imageDims.Length is not (3 or 4))
        {
            throw DataFormatException.For(imagesFile, $"expected images of 3 dimensions [N, H, W] (or 4 with channels last), found {imageDims.Length}");
        }

        if (labelDims.Length != 1)
        {
            throw DataFormatException.For(labelsFile, $"expected labels of 1 dimension [N], found {labelDims.Length}");
        }

        var n = imageDims[0];
        if (labelDims[0] != n)
        {
            throw DataFormatException.For(labelsFile, $"holds {labelDims[0]} labels but {imagesFile} holds {n} images");
        }

        var labels = new long[n];
        for (var i = 0; i < n; i++)
        {
            labels[i] = labelBytes[i];
            if (labels[i] >= d.NumClasses)
            {
                throw DataFormatException.For(labelsFile, $"label {labels[i]} at index {i} is out of range: the descriptor {d.File} lists {d.NumClasses} classes");
            }
        }

        int h = imageDims[1], w = imageDims[2], c = imageDims.Length == 4 ? imageDims[3] : 1;
        var nchw = c == 1 ? pixels : ChannelsLastToFirst(pixels, n, h, w, c);
        return new DecodedPart(Images.ImageConform.Conform(nchw, n, c, h, w, d.Channels, d.Height, d.Width, cancel), labels);
    }

    private static byte[] ChannelsLastToFirst(byte[] pixels, int n, int h, int w, int c)
    {
        using var scope = ImbalanceFair.Torch.torch.NewDisposeScope();
        using var t = ImbalanceFair.Torch.torch.from_bytes(pixels, ImbalanceFair.Torch.ScalarType.UInt8, [n, h, w, c]);
        return t.permute(0, 3, 1, 2).contiguous().ToBytes();
    }

    /// <summary>Reads one IDX file: its dimensions and its unsigned-byte payload.</summary>
    internal static (int[] dims, byte[] data) Parse(string file)
    {
        var bytes = SourceFile.ReadAll(file);
        if (bytes.Length < 4)
        {
            throw DataFormatException.For(file, $"truncated: {bytes.Length} bytes is shorter than the 4-byte IDX magic");
        }

        if (bytes[0] != 0 || bytes[1] != 0)
        {
            throw DataFormatException.For(file, $"not an IDX file: the magic number starts 0x{bytes[0]:x2} 0x{bytes[1]:x2}, expected 0x00 0x00");
        }

        if (bytes[2] != 0x08)
        {
            throw DataFormatException.For(file, $"IDX element type 0x{bytes[2]:x2} is not supported (only 0x08, unsigned byte)");
        }

        var ndim = bytes[3];
        if (ndim is 0 or > 4)
        {
            throw DataFormatException.For(file, $"IDX header declares {ndim} dimensions (1 to 4 supported)");
        }

        var header = 4 + (4 * ndim);
        if (bytes.Length < header)
        {
            throw DataFormatException.For(file, $"truncated: the header needs {header} bytes, the file has {bytes.Length}");
        }

        var dims = new int[ndim];
        long count = 1;
        for (var i = 0; i < ndim; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * i)));
            if (dims[i] < 0)
            {
                throw DataFormatException.For(file, $"dimension {i} is negative ({dims[i]})");
            }

            count *= dims[i];
        }

        if (bytes.Length - header < count)
        {
            throw DataFormatException.For(file, $"truncated: the header promises {count} values of data, the file holds {bytes.Length - header}");
        }

        if (bytes.Length - header > count)
        {
            throw DataFormatException.For(file, $"{bytes.Length - header - count} unexpected bytes after the {count} values the header declares");
        }

        return (dims, bytes.AsSpan(header).ToArray());
    }
}
