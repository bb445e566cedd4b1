namespace ImbalanceFair.Torch;

/// <summary>An error raised inside libtorch (shape mismatch, bad dtype, CUDA error...), with its message.</summary>
public sealed class TorchException : Exception
{
    public TorchException()
    {
    }

    public TorchException(string message)
        : base(message)
    {
    }

    public TorchException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
