using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Training.Losses;

/// <summary>
/// A constant vector (class priors, class weights) computed once in double precision and materialised lazily on
/// each device it is asked for: float64 for float64 logits, float32 otherwise. The tensors belong to no
/// <see cref="DisposeScope"/>; <see cref="Dispose"/> frees them.
/// </summary>
public sealed class PerDeviceConstant : IDisposable
{
    private readonly double[] _values;
    private readonly Dictionary<(Device, ScalarType), Tensor> _cache = [];
    private readonly Lock _lock = new();
    private bool _disposed;

    public PerDeviceConstant(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = (double[])values.Clone();
    }

    /// <summary>The values, in double precision.</summary>
    public IReadOnlyList<double> Values => _values;

    /// <summary>The vector on <paramref name="like"/>'s device, in the precision its dtype calls for. Not to be disposed by the caller.</summary>
    public Tensor For(Tensor like)
    {
        ArgumentNullException.ThrowIfNull(like);
        var key = (like.device, like.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_cache.TryGetValue(key, out var t))
            {
                using var host = torch.tensor(_values).DetachFromDisposeScope();
                t = host.to(key.Item2, key.Item1).DetachFromDisposeScope();
                _cache[key] = t;
            }

            return t;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var t in _cache.Values)
            {
                t.Dispose();
            }

            _cache.Clear();
        }
    }
}
