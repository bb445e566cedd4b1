namespace ImbalanceFair.Core.Data;

/// <summary>A way of reading a dataset's files (one row of <see cref="DatasetFormats"/>).</summary>
public interface IDatasetFormat
{
    string Name { get; }

    /// <summary>Checks the descriptor's <c>source</c> keys (unknown keys are errors) without touching files.</summary>
    void Validate(DatasetDescriptor descriptor);

    /// <summary>The files the dataset is read from, for the presence check and the cache key (empty for generated data).</summary>
    IReadOnlyList<string> SourceFiles(DatasetDescriptor descriptor);

    /// <summary>
    /// Decodes every image, resized to the descriptor's size. Errors name the file and the problem. A cancellation
    /// is observed between images (or chunks of images), so a signal during a long decode stops it promptly.
    /// </summary>
    DecodedDataset Read(DatasetDescriptor descriptor, CancellationToken cancel = default);

    /// <summary>Class names when the descriptor gives only num_classes.</summary>
    IReadOnlyList<string> DefaultClassNames(int count) =>
        throw new InvalidOperationException($"format '{Name}' needs the classes listed in the descriptor");
}
