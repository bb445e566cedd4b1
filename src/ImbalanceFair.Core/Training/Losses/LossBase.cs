using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Training.Losses;

/// <summary>
/// Shared checks and bookkeeping: validates the class counts and the shapes, computes half-precision logits in
/// float32, runs the loss inside its own <see cref="DisposeScope"/> and hands only the result to the caller.
/// </summary>
public abstract class LossBase : ILoss
{
    private bool _disposed;

    protected LossBase(string name, long[] classCounts)
    {
        ArgumentNullException.ThrowIfNull(classCounts);
        if (classCounts.Length == 0)
        {
            throw new ArgumentException("a loss needs at least one class", nameof(classCounts));
        }

        if (Array.FindIndex(classCounts, n => n < 0) is var bad and >= 0)
        {
            throw new ArgumentException($"class {bad} has a negative count ({classCounts[bad]})", nameof(classCounts));
        }

        Name = name;
        ClassCounts = (long[])classCounts.Clone();
    }

    public string Name { get; }

    /// <summary>The training counts per class, as given.</summary>
    public IReadOnlyList<long> ClassCounts { get; }

    public int NumClasses => ClassCounts.Count;

    public Tensor Compute(Tensor logits, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var shape = logits.shape;
        if (shape.Length != 2 || shape[1] != NumClasses)
        {
            throw new ArgumentException($"{Name}: logits must be [B, {NumClasses}], got [{string.Join(", ", shape)}]", nameof(logits));
        }

        if (!logits.dtype.IsFloatingPoint())
        {
            throw new ArgumentException($"{Name}: logits must be floating point, got {logits.dtype}", nameof(logits));
        }

        var targetShape = targets.shape;
        if (targetShape.Length != 1 || targetShape[0] != shape[0] || targets.dtype != ScalarType.Int64)
        {
            throw new ArgumentException($"{Name}: targets must be int64 [{shape[0]}], got {targets.dtype} [{string.Join(", ", targetShape)}]", nameof(targets));
        }

        using var scope = torch.NewDisposeScope();
        var z = logits.dtype is ScalarType.Float16 or ScalarType.BFloat16 ? logits.to(ScalarType.Float32) : logits;
        return ComputeCore(z, targets).MoveToOuterDisposeScope();
    }

    /// <summary>The loss of float32/float64 <paramref name="logits"/>; runs inside a scope, may leave intermediates to it.</summary>
    protected abstract Tensor ComputeCore(Tensor logits, Tensor targets);

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Dispose(true);
        }

        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    public override string ToString() => Name;
}
