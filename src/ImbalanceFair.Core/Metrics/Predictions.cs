namespace ImbalanceFair.Core.Metrics;

/// <summary>Per-sample outputs of a model on a set of images, on the host.</summary>
public sealed record Predictions(long[] Labels, long[] Predicted, float[] Confidence, float[] TrueAlignment, float[] AlignmentMargin)
{
    public int Count => Labels.Length;
}
