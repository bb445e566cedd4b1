
namespace ImbalanceFair.Core.Metrics;

/// <summary>
/// Everything the metric suite reads, per test sample (host arrays of one length N) and per class. Only host data:
/// the suite never touches a tensor, so it is the same on CPU and GPU runs.
/// </summary>
public sealed record MetricInput
{
    /// <summary>True class per test sample, in [0, C).</summary>
    public required long[] Labels { get; init; }

    /// <summary>Predicted (top-1) class per test sample, in [0, C).</summary>
    public required long[] Predicted { get; init; }

    /// <summary>Top-1 softmax probability per test sample (for ECE).</summary>
    public required float[] Confidence { get; init; }

    /// <summary>s_true = cos(image embedding, text embedding of the true class prompt) per test sample.</summary>
    public required float[] TrueAlignment { get; init; }

    /// <summary>s_true − max over the other classes of the same cosine, per test sample.</summary>
    public required float[] AlignmentMargin { get; init; }

    /// <summary>Class names, one per class; their count is C.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Real training images per class before augmentation (n_train_real; decides the bucket).</summary>
    public required long[] TrainCounts { get; init; }

    /// <summary>Training images per class after augmentation (n_train_total); null: the same as <see cref="TrainCounts"/>.</summary>
    public long[]? TrainTotalCounts { get; init; }

    /// <summary>Attribute value per test sample, in [0, <see cref="AttributeCount"/>); null when the dataset has no attribute.</summary>
    public long[]? Attributes { get; init; }

    /// <summary>How many attribute values there are (required with <see cref="Attributes"/>).</summary>
    public int AttributeCount { get; init; }

    /// <summary>
    /// Real training images per (class, attribute) group, indexed by <see cref="GroupIds"/> (length C · attribute count;
    /// <see cref="GroupIds.Counts"/> builds it). Required with <see cref="Attributes"/>.
    /// </summary>
    public long[]? GroupTrainCounts { get; init; }

    /// <summary>Per test sample: still correctly classified under the eval attack; null without an attack.</summary>
    public bool[]? RobustCorrect { get; init; }

    /// <summary>Bootstrap resamples for the confidence intervals (eval.bootstrap); 0 leaves the intervals empty.</summary>
    public int BootstrapResamples { get; init; } = 1000;

    /// <summary>Seed of the bootstrap resamples: the same seed gives the same intervals.</summary>
    public long BootstrapSeed { get; init; }

    public int Classes => ClassNames.Count;

    public int Count => Labels.Length;

    public bool HasAttribute => Attributes is not null;

    /// <summary>The inputs for <paramref name="predictions"/> on a test set without an attribute; add the rest with <c>with</c>.</summary>
    public static MetricInput From(Predictions predictions, IReadOnlyList<string> classNames, long[] trainCounts)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        return new MetricInput
        {
            Labels = predictions.Labels,
            Predicted = predictions.Predicted,
            Confidence = predictions.Confidence,
            TrueAlignment = predictions.TrueAlignment,
            AlignmentMargin = predictions.AlignmentMargin,
            ClassNames = classNames,
            TrainCounts = trainCounts,
        };
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistency.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Labels);
        ArgumentNullException.ThrowIfNull(Predicted);
        ArgumentNullException.ThrowIfNull(Confidence);
        ArgumentNullException.ThrowIfNull(TrueAlignment);
        ArgumentNullException.ThrowIfNull(AlignmentMargin);
        ArgumentNullException.ThrowIfNull(ClassNames);
        ArgumentNullException.ThrowIfNull(TrainCounts);
        var n = Labels.Length;
        var c = ClassNames.Count;
        if (c == 0)
        {
            throw new ArgumentException("no classes");
        }

        SameLength(Predicted.Length, nameof(Predicted));
        SameLength(Confidence.Length, nameof(Confidence));
        SameLength(TrueAlignment.Length, nameof(TrueAlignment));
        SameLength(AlignmentMargin.Length, nameof(AlignmentMargin));
        if (RobustCorrect is not null)
        {
            SameLength(RobustCorrect.Length, nameof(RobustCorrect));
        }

        PerClass(TrainCounts.Length, nameof(TrainCounts));
        if (TrainTotalCounts is not null)
        {
            PerClass(TrainTotalCounts.Length, nameof(TrainTotalCounts));
        }

        for (var i = 0; i < n; i++)
        {
            if (Labels[i] < 0 || Labels[i] >= c)
            {
                throw new ArgumentException($"test sample {i}: label {Labels[i]} outside [0, {c})");
            }

            if (Predicted[i] < 0 || Predicted[i] >= c)
            {
                throw new ArgumentException($"test sample {i}: prediction {Predicted[i]} outside [0, {c})");
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegative(BootstrapResamples);
        if (Attributes is null)
        {
            return;
        }

        SameLength(Attributes.Length, nameof(Attributes));
        if (AttributeCount <= 0)
        {
            throw new ArgumentException($"{nameof(AttributeCount)} must be positive with attributes, not {AttributeCount}");
        }

        if (GroupTrainCounts is null || GroupTrainCounts.Length != c * AttributeCount)
        {
            var given = GroupTrainCounts is null ? "none" : $"{GroupTrainCounts.Length}";
            throw new ArgumentException(
                $"{nameof(GroupTrainCounts)} must hold one count per (class, attribute) group ({c} × {AttributeCount}), not {given}");
        }

        for (var i = 0; i < n; i++)
        {
            if (Attributes[i] < 0 || Attributes[i] >= AttributeCount)
            {
                throw new ArgumentException($"test sample {i}: attribute {Attributes[i]} outside [0, {AttributeCount})");
            }
        }

        void SameLength(int length, string name)
        {
            if (length != n)
            {
                throw new ArgumentException($"{name} has {length} entries for {n} test samples");
            }
        }

        void PerClass(int length, string name)
        {
            if (length != c)
            {
                throw new ArgumentException($"{name} has {length} entries for {c} classes");
            }
        }
    }
}
