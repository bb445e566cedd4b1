namespace ImbalanceFair.Torch;

/// <summary>
/// Owns every tensor created on this thread while it is the innermost scope, and disposes the ones
/// still owned when it ends. Results that must outlive it are moved out explicitly
/// (<see cref="Tensor.MoveToOuterDisposeScope"/>, <see cref="Tensor.DetachFromDisposeScope"/>).
/// The owned set is locked: a tensor may be disposed on another thread (a worker, a progress callback) than the
/// one whose scope owns it.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic]
    private static DisposeScope? t_current;

    private readonly HashSet<Tensor> _owned = new(ReferenceEqualityComparer.Instance);
    private readonly DisposeScope? _outer;
    private bool _disposed;

    internal DisposeScope()
    {
        _outer = t_current;
        t_current = this;
    }

    internal static DisposeScope? Current => t_current;

    internal DisposeScope? Outer => _outer;

    /// <summary>How many tensors this scope would dispose now.</summary>
    public int Count
    {
        get
        {
            lock (_owned)
            {
                return _owned.Count;
            }
        }
    }

    internal void Add(Tensor t)
    {
        lock (_owned)
        {
            _owned.Add(t);
        }

        t.OwningScope = this;
    }

    internal void Remove(Tensor t)
    {
        lock (_owned)
        {
            _owned.Remove(t);
        }
    }

    /// <summary>Moves the tensors to the enclosing scope (or to no scope) and returns the first.</summary>
    public Tensor MoveToOuter(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        t.MoveToOuterDisposeScope();
        return t;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        // Checked before anything changes, so a wrongly ordered Dispose leaves every scope usable.
        if (t_current != this)
        {
            throw new InvalidOperationException("DisposeScopes must be disposed in reverse order of creation, on the thread that created them.");
        }

        _disposed = true;
        t_current = _outer;
        Tensor[] owned;
        lock (_owned)
        {
            owned = [.. _owned];
            _owned.Clear();
        }

        foreach (var t in owned)
        {
            t.OwningScope = null;
            t.Dispose();
        }
    }
}
