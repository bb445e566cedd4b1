using System.Runtime.InteropServices;
using ImbalanceFair.Torch.Interop;

namespace ImbalanceFair.Torch;

/// <summary>The entry point, shaped like PyTorch's <c>torch</c> module.</summary>
public static partial class torch
{
    /// <summary>The libtorch version the shim was compiled against, e.g. "1.13.0".</summary>
    public static string version => Marshal.PtrToStringUTF8(Native.imbf_torch_version()) ?? "unknown";

    public static DisposeScope NewDisposeScope() => new();

    public static void manual_seed(ulong seed) => Native.Check(Native.imbf_manual_seed(seed));

    public static void set_num_threads(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        Native.imbf_set_num_threads(n);
    }

    public static int get_num_threads() => Native.imbf_get_num_threads();

    public static bool is_grad_enabled() => Native.imbf_is_grad_enabled() != 0;

    /// <summary>Disables gradient recording on this thread until disposed (restores the previous mode).</summary>
    public static IDisposable no_grad() => new GradModeScope(false);

    public static IDisposable enable_grad() => new GradModeScope(true);

    /// <summary>The default CPU generator's state (a uint8 tensor), for checkpoints.</summary>
    public static Tensor get_rng_state() => new(Native.imbf_rng_get_state());

    public static void set_rng_state(Tensor state) => Native.Check(Native.imbf_rng_set_state(state.Handle));

    public static class cuda
    {
        public static bool is_available() => Native.imbf_cuda_is_available() != 0;

        public static int device_count() => Native.imbf_cuda_device_count();

        public static void synchronize(int index = -1) => Native.Check(Native.imbf_cuda_synchronize(index));

        /// <summary>Peak bytes held by tensors (not the allocator's reserve).</summary>
        public static unsafe long max_memory_allocated(int index = 0)
        {
            long bytes;
            Native.Check(Native.imbf_cuda_max_memory_allocated(index, &bytes));
            return bytes;
        }
    }

    /// <summary>
    /// bf16 autocast for the enclosed region on this thread; a no-op scope when <paramref name="enabled"/> is false. On
    /// CUDA, libtorch's autocast. On the CPU, where <see cref="cpu_bf16_supported"/>, every float32 linear layer computes
    /// its three GEMMs (forward, and the backward of a forward run inside the region) from bf16-rounded operands with
    /// float32 accumulation through oneDNN; outputs and gradients stay float32, and every other op runs as without it.
    /// </summary>
    public static IDisposable autocast(bool enabled = true) => enabled ? new AutocastScope() : new GradModeScope(is_grad_enabled());

    private sealed class GradModeScope : IDisposable
    {
        private readonly byte _previous;

        public GradModeScope(bool enabled)
        {
            _previous = Native.imbf_is_grad_enabled();
            Native.imbf_set_grad_enabled(enabled ? (byte)1 : (byte)0);
        }

        public void Dispose() => Native.imbf_set_grad_enabled(_previous);
    }

    private sealed unsafe class AutocastScope : IDisposable
    {
        private readonly byte _previous;

        public AutocastScope()
        {
            byte previous;
            Native.Check(Native.imbf_autocast_enter(&previous));
            _previous = previous;
        }

        public void Dispose() => Native.Check(Native.imbf_autocast_exit(_previous));
    }
}
