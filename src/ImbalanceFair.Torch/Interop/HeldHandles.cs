namespace ImbalanceFair.Torch.Interop;

/// <summary>
/// The handles of several tensors for one native call that takes them as an array (cat, stack, index, ...): each is
/// referenced for the lifetime of this object exactly as the marshaller references a single TensorHandle argument.
/// A null tensor is a null entry.
/// </summary>
internal sealed class HeldHandles : IDisposable
{
    private readonly TensorHandle?[] _held;

    internal HeldHandles(IReadOnlyList<Tensor?> tensors)
    {
        Values = new nint[tensors.Count];
        _held = new TensorHandle?[tensors.Count];
        try
        {
            for (var i = 0; i < tensors.Count; i++)
            {
                if (tensors[i] is not { } t)
                {
                    continue;
                }

                var h = t.Handle;
                var added = false;
                h.DangerousAddRef(ref added);
                _held[i] = h;
                Values[i] = h.DangerousGetHandle();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The raw handles, valid until Dispose; pin with <c>fixed</c> for the call.</summary>
    internal nint[] Values { get; }

    internal int Count => Values.Length;

    public void Dispose()
    {
        for (var i = 0; i < _held.Length; i++)
        {
            _held[i]?.DangerousRelease();
            _held[i] = null;
        }
    }
}
