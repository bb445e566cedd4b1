using System.Runtime.InteropServices;

namespace ImbalanceFair.Torch.Interop;

internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial nint imbf_matmul(nint a, nint b);
    [LibraryImport(Lib)] internal static partial nint imbf_mm(nint a, nint b);
    [LibraryImport(Lib)] internal static partial nint imbf_bmm(nint a, nint b);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint imbf_einsum(string equation, nint* xs, int n);
    [LibraryImport(Lib)] internal static partial nint imbf_linear(nint x, nint w, nint b);
    [LibraryImport(Lib)] internal static partial nint imbf_conv2d(nint x, nint w, nint b, long strideH, long strideW, long padH, long padW, long dilH, long dilW, long groups);
    [LibraryImport(Lib)] internal static partial nint imbf_max_pool2d(nint x, long k, long stride, long pad);
    [LibraryImport(Lib)] internal static partial nint imbf_avg_pool2d(nint x, long k, long stride, long pad);
    [LibraryImport(Lib)] internal static partial nint imbf_adaptive_avg_pool2d(nint x, long h, long w);
    [LibraryImport(Lib)] internal static partial nint imbf_batch_norm(nint x, nint w, nint b, nint runningMean, nint runningVar, byte training, double momentum, double eps);
    [LibraryImport(Lib)] internal static partial nint imbf_layer_norm(nint x, long* normalized, int n, nint w, nint b, double eps);
    [LibraryImport(Lib)] internal static partial nint imbf_group_norm(nint x, long groups, nint w, nint b, double eps);
    [LibraryImport(Lib)] internal static partial nint imbf_softmax(nint x, long dim);
    [LibraryImport(Lib)] internal static partial nint imbf_log_softmax(nint x, long dim);
    [LibraryImport(Lib)] internal static partial nint imbf_dropout(nint x, double p, byte train);
    [LibraryImport(Lib)] internal static partial nint imbf_embedding(nint weight, nint indices);
    [LibraryImport(Lib)] internal static partial nint imbf_sdpa(nint q, nint k, nint v, nint mask, double dropoutP, byte causal);
    [LibraryImport(Lib)] internal static partial nint imbf_cross_entropy(nint logits, nint target, nint weight, long reduction, long ignoreIndex, double labelSmoothing);
    [LibraryImport(Lib)] internal static partial nint imbf_nll_loss(nint logp, nint target, nint weight, long reduction, long ignoreIndex);
    [LibraryImport(Lib)] internal static partial nint imbf_mse_loss(nint a, nint b, long reduction);
    [LibraryImport(Lib)] internal static partial nint imbf_normalize(nint x, double p, long dim, double eps);
    [LibraryImport(Lib)] internal static partial nint imbf_interpolate(nint x, long outH, long outW, int mode, byte alignCorners, byte antialias);
    [LibraryImport(Lib)] internal static partial nint imbf_pad(nint x, long* pads, int n, double value);
    [LibraryImport(Lib)] internal static partial nint imbf_clip_grad_norm_(nint* parameters, int n, double maxNorm);
}
