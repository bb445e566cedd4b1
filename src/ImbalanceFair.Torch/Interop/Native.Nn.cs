using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial nint imbf_matmul(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial nint imbf_mm(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial nint imbf_bmm(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint imbf_einsum(string equation, nint* xs, int n);
    [LibraryImport(Lib)] internal static partial nint imbf_linear(TensorHandle x, TensorHandle w, TensorHandle b);
    [LibraryImport(Lib)] internal static partial nint imbf_conv2d(TensorHandle x, TensorHandle w, TensorHandle b, long strideH, long strideW, long padH, long padW, long dilH, long dilW, long groups);
    [LibraryImport(Lib)] internal static partial nint imbf_max_pool2d(TensorHandle x, long k, long stride, long pad);
    [LibraryImport(Lib)] internal static partial nint imbf_avg_pool2d(TensorHandle x, long k, long stride, long pad);
    [LibraryImport(Lib)] internal static partial nint imbf_adaptive_avg_pool2d(TensorHandle x, long h, long w);
    [LibraryImport(Lib)] internal static partial nint imbf_batch_norm(TensorHandle x, TensorHandle w, TensorHandle b, TensorHandle runningMean, TensorHandle runningVar, byte training, double momentum, double eps);
    [LibraryImport(Lib)] internal static partial nint imbf_layer_norm(TensorHandle x, long* normalized, int n, TensorHandle w, TensorHandle b, double eps);
    [LibraryImport(Lib)] internal static partial nint imbf_group_norm(TensorHandle x, long groups, TensorHandle w, TensorHandle b, double eps);
    [LibraryImport(Lib)] internal static partial nint imbf_softmax(TensorHandle x, long dim);
    [LibraryImport(Lib)] internal static partial nint imbf_log_softmax(TensorHandle x, long dim);
    [LibraryImport(Lib)] internal static partial nint imbf_dropout(TensorHandle x, double p, byte train);
    [LibraryImport(Lib)] internal static partial nint imbf_embedding(TensorHandle weight, TensorHandle indices);
    [LibraryImport(Lib)] internal static partial nint imbf_sdpa(TensorHandle q, TensorHandle k, TensorHandle v, TensorHandle mask, double dropoutP, byte causal);
    [LibraryImport(Lib)] internal static partial nint imbf_cross_entropy(TensorHandle logits, TensorHandle target, TensorHandle weight, long reduction, long ignoreIndex, double labelSmoothing);
    [LibraryImport(Lib)] internal static partial nint imbf_nll_loss(TensorHandle logp, TensorHandle target, TensorHandle weight, long reduction, long ignoreIndex);
    [LibraryImport(Lib)] internal static partial nint imbf_mse_loss(TensorHandle a, TensorHandle b, long reduction);
    [LibraryImport(Lib)] internal static partial nint imbf_normalize(TensorHandle x, double p, long dim, double eps);
    [LibraryImport(Lib)] internal static partial nint imbf_interpolate(TensorHandle x, long outH, long outW, int mode, byte alignCorners, byte antialias);
    [LibraryImport(Lib)] internal static partial nint imbf_pad(TensorHandle x, long* pads, int n, double value);
    [LibraryImport(Lib)] internal static partial nint imbf_clip_grad_norm_(nint* parameters, int n, double maxNorm);
}
