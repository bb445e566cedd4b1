namespace ImbalanceFair.Core.Results;

/// <summary>
/// The non-metric columns of summary.csv (DESIGN §6), filled by the caller that ran the experiment; <see cref="RunId"/>
/// is also the first column of per_class.csv and per_group.csv. NaN numbers are written as empty cells.
/// </summary>
public sealed record RunDescription
{
    public required string RunId { get; init; }

    public required string Name { get; init; }

    public required string Dataset { get; init; }

    public required string Strategy { get; init; }

    public required double ImbalanceRatio { get; init; }

    public required long Seed { get; init; }

    public required string Arch { get; init; }

    public required string TrainMode { get; init; }

    public required string Loss { get; init; }

    public required int Epochs { get; init; }

    public required double TrainSeconds { get; init; }

    public required double TrainImagesPerSecond { get; init; }

    public required string Device { get; init; }
}
