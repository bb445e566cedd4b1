namespace ImbalanceFair.Core.Data.Formats;

/// <summary>
/// The CIFAR-10 / CIFAR-100 "binary version" batches (raw or gzipped). CIFAR-10 records are 1 label byte then
/// 3072 image bytes; CIFAR-100 records are a coarse and a fine label byte then 3072 image bytes. The image is
/// 32x32 RGB, already planar (1024 red, 1024 green, 1024 blue, rows top to bottom).
/// <code>
/// source:
///   dir: data/cifar-10-batches-bin        # relative to the descriptor
///   variant: cifar10                      # cifar10 | cifar100
///   label: fine                           # cifar100 only: fine (100 classes) | coarse (20 superclasses)
///   train_files: [data_batch_1.bin, ...]  # default: the files the official archive holds
///   test_files: [test_batch.bin]
/// </code>
/// </summary>
internal sealed class CifarBinaryFormat : IDatasetFormat
{
    private const int ImageBytes = 3 * 32 * 32;

    public string Name => "cifar-binary";

    private sealed record Options(string Dir, bool Cifar100, bool Coarse, IReadOnlyList<string> Train, IReadOnlyList<string> Test)
    {
        public int LabelBytes => Cifar100 ? 2 : 1;

        public int RecordBytes => LabelBytes + ImageBytes;

        /// <summary>Which label byte of the record is the class.</summary>
        public int LabelOffset => Cifar100 && !Coarse ? 1 : 0;

        public int Classes => !Cifar100 ? 10 : Coarse ? 20 : 100;
    }

    private static Options Parse(DatasetDescriptor d)
    {
        var s = d.Source;
        var dir = s.RequireString("dir");
        var variant = s.GetString("variant") ?? "cifar10";
        if (variant is not ("cifar10" or "cifar100"))
        {
            throw s.Error("variant", $"'{variant}' is not a CIFAR variant (cifar10 or cifar100)");
        }

        var cifar100 = variant == "cifar100";
        var label = s.GetString("label");
        if (label is not null && !cifar100)
        {
            throw s.Error("label", "only CIFAR-100 has a choice of labels (set variant: cifar100)");
        }

        if (label is not (null or "fine" or "coarse"))
        {
            throw s.Error("label", $"'{label}' is not a CIFAR-100 label kind (fine or coarse)");
        }

        var train = s.GetStringList("train_files") ?? (cifar100 ? ["train.bin"] : Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToList());
        var test = s.GetStringList("test_files") ?? (cifar100 ? ["test.bin"] : ["test_batch.bin"]);
        if (train.Count == 0 || test.Count == 0)
        {
            throw s.Error(train.Count == 0 ? "train_files" : "test_files", "needs at least one file");
        }

        return new Options(dir, cifar100, label == "coarse", train, test);
    }

    public void Validate(DatasetDescriptor descriptor)
    {
        var o = Parse(descriptor);
        descriptor.Source.RejectUnknownKeys();
        if (descriptor.NumClasses != o.Classes)
        {
            var what = !o.Cifar100 ? "CIFAR-10" : o.Coarse ? "CIFAR-100 coarse labels" : "CIFAR-100 fine labels";
            throw descriptor.Source.Error("variant", $"{what} have {o.Classes} classes, the descriptor lists {descriptor.NumClasses}");
        }
    }

    private static (IReadOnlyList<string> train, IReadOnlyList<string> test) Files(DatasetDescriptor d, Options o)
    {
        var dir = d.ResolvePath(o.Dir);
        return (o.Train.Select(f => Path.Combine(dir, f)).ToList(), o.Test.Select(f => Path.Combine(dir, f)).ToList());
    }

    public IReadOnlyList<string> SourceFiles(DatasetDescriptor descriptor)
    {
        var (train, test) = Files(descriptor, Parse(descriptor));
        return [.. train, .. test];
    }

    public DecodedDataset Read(DatasetDescriptor descriptor, CancellationToken cancel = default)
    {
        var o = Parse(descriptor);
        var (train, test) = Files(descriptor, o);
        return new DecodedDataset(ReadPart(descriptor, o, train, cancel), ReadPart(descriptor, o, test, cancel));
    }

    private static DecodedPart ReadPart(DatasetDescriptor d, Options o, IReadOnlyList<string> files, CancellationToken cancel)
    {
        var contents = files.Select(f =>
        {
            cancel.ThrowIfCancellationRequested();
            return (file: f, bytes: SourceFile.ReadAll(f));
        }).ToList();
        var n = 0L;
        foreach (var (file, bytes) in contents)
        {
            if (bytes.Length == 0)
            {
                throw DataFormatException.For(file, "empty: no CIFAR records");
            }

            if (bytes.Length % o.RecordBytes != 0)
            {
                var whole = bytes.Length / o.RecordBytes;
                throw DataFormatException.For(file,
                    $"truncated record at byte offset {(long)whole * o.RecordBytes}: {bytes.Length % o.RecordBytes} bytes where a {(o.Cifar100 ? "CIFAR-100" : "CIFAR-10")} record needs {o.RecordBytes} (after {whole} whole records)");
            }

            n += bytes.Length / o.RecordBytes;
        }

        if (n * ImageBytes > Array.MaxLength)
        {
            throw new DataFormatException($"{string.Join(", ", files)}: {n} records are more than one buffer holds");
        }

        var images = new byte[n * ImageBytes];
        var labels = new long[n];
        var i = 0;
        foreach (var (file, bytes) in contents)
        {
            for (var r = 0; r < bytes.Length / o.RecordBytes; r++, i++)
            {
                var offset = r * o.RecordBytes;
                var label = bytes[offset + o.LabelOffset];
                if (label >= d.NumClasses)
                {
                    throw DataFormatException.For(file,
                        $"record {r} (byte offset {offset}) has label {label}, out of range: the descriptor {d.File} lists {d.NumClasses} classes");
                }

                labels[i] = label;
                Buffer.BlockCopy(bytes, offset + o.LabelBytes, images, i * ImageBytes, ImageBytes);
            }
        }

        return new DecodedPart(Images.ImageConform.Conform(images, (int)n, 3, 32, 32, d.Channels, d.Height, d.Width, cancel), labels);
    }
}
