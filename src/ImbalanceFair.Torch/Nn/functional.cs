using ImbalanceFair.Torch.Interop;

namespace ImbalanceFair.Torch;

public enum Reduction
{
    None = 0,
    Mean = 1,
    Sum = 2,
}

public enum InterpolationMode
{
    Bilinear = 0,
    Nearest = 1,
    Bicubic = 2,
    Area = 3,
}

public static partial class nn
{
    /// <summary>torch.nn.functional.</summary>
    public static class functional
    {
        public static Tensor linear(Tensor x, Tensor weight, Tensor? bias = null) =>
            new(Native.imbf_linear(x.Handle, weight.Handle, bias?.Handle ?? TensorHandle.Null));

        public static Tensor conv2d(Tensor x, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
            new(Native.imbf_conv2d(x.Handle, weight.Handle, bias?.Handle ?? TensorHandle.Null, stride, stride, padding, padding, dilation, dilation, groups));

        public static Tensor max_pool2d(Tensor x, long kernel, long? stride = null, long padding = 0) =>
            new(Native.imbf_max_pool2d(x.Handle, kernel, stride ?? kernel, padding));

        public static Tensor avg_pool2d(Tensor x, long kernel, long? stride = null, long padding = 0) =>
            new(Native.imbf_avg_pool2d(x.Handle, kernel, stride ?? kernel, padding));

        public static Tensor adaptive_avg_pool2d(Tensor x, long height, long width) =>
            new(Native.imbf_adaptive_avg_pool2d(x.Handle, height, width));

        public static Tensor batch_norm(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training, double momentum = 0.1, double eps = 1e-5) =>
            new(Native.imbf_batch_norm(x.Handle, weight?.Handle ?? TensorHandle.Null, bias?.Handle ?? TensorHandle.Null, runningMean?.Handle ?? TensorHandle.Null, runningVar?.Handle ?? TensorHandle.Null, training ? (byte)1 : (byte)0, momentum, eps));

        public static unsafe Tensor layer_norm(Tensor x, long[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
        {
            fixed (long* p = normalizedShape)
            {
                return new Tensor(Native.imbf_layer_norm(x.Handle, p, normalizedShape.Length, weight?.Handle ?? TensorHandle.Null, bias?.Handle ?? TensorHandle.Null, eps));
            }
        }

        public static Tensor group_norm(Tensor x, long groups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
            new(Native.imbf_group_norm(x.Handle, groups, weight?.Handle ?? TensorHandle.Null, bias?.Handle ?? TensorHandle.Null, eps));

        /// <summary>GELU; <paramref name="approximate"/> "none" (exact, erf) or "tanh".</summary>
        public static Tensor gelu(Tensor x, string approximate = "none") => approximate switch
        {
            "none" => new Tensor(Native.imbf_unary((int)UnaryOp.Gelu, x.Handle)),
            "tanh" => new Tensor(Native.imbf_unary((int)UnaryOp.GeluTanh, x.Handle)),
            _ => throw new ArgumentException($"gelu approximate must be 'none' or 'tanh', not '{approximate}'", nameof(approximate)),
        };

        /// <summary>x · sigmoid(1.702 x), the activation of OpenAI's CLIP.</summary>
        public static Tensor quick_gelu(Tensor x) => new(Native.imbf_unary((int)UnaryOp.QuickGelu, x.Handle));

        public static Tensor relu(Tensor x) => x.relu();

        public static Tensor silu(Tensor x) => new(Native.imbf_unary((int)UnaryOp.Silu, x.Handle));

        public static Tensor logsigmoid(Tensor x) => new(Native.imbf_unary((int)UnaryOp.LogSigmoid, x.Handle));

        public static Tensor softmax(Tensor x, long dim) => new(Native.imbf_softmax(x.Handle, dim));

        public static Tensor log_softmax(Tensor x, long dim) => new(Native.imbf_log_softmax(x.Handle, dim));

        public static Tensor dropout(Tensor x, double p = 0.5, bool training = true) =>
            new(Native.imbf_dropout(x.Handle, p, training ? (byte)1 : (byte)0));

        public static Tensor embedding(Tensor indices, Tensor weight) => new(Native.imbf_embedding(weight.Handle, indices.Handle));

        /// <summary>
        /// softmax(q kᵀ / √d + mask) v over [..., L, d] tensors. <paramref name="attnMask"/> is boolean (true = attend)
        /// or additive float; <paramref name="isCausal"/> masks future positions.
        /// </summary>
        public static Tensor scaled_dot_product_attention(Tensor q, Tensor k, Tensor v, Tensor? attnMask = null, double dropoutP = 0, bool isCausal = false) =>
            new(Native.imbf_sdpa(q.Handle, k.Handle, v.Handle, attnMask?.Handle ?? TensorHandle.Null, dropoutP, isCausal ? (byte)1 : (byte)0));

        public static Tensor cross_entropy(Tensor logits, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, long ignoreIndex = -100, double labelSmoothing = 0) =>
            new(Native.imbf_cross_entropy(logits.Handle, target.Handle, weight?.Handle ?? TensorHandle.Null, (long)reduction, ignoreIndex, labelSmoothing));

        public static Tensor nll_loss(Tensor logProbs, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, long ignoreIndex = -100) =>
            new(Native.imbf_nll_loss(logProbs.Handle, target.Handle, weight?.Handle ?? TensorHandle.Null, (long)reduction, ignoreIndex));

        public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
            new(Native.imbf_mse_loss(input.Handle, target.Handle, (long)reduction));

        /// <summary>x / max(‖x‖_p, eps) along <paramref name="dim"/>.</summary>
        public static Tensor normalize(Tensor x, double p = 2, long dim = 1, double eps = 1e-12) =>
            new(Native.imbf_normalize(x.Handle, p, dim, eps));

        /// <summary>Resizes [N, C, H, W] images to [N, C, height, width].</summary>
        public static Tensor interpolate(Tensor x, long height, long width, InterpolationMode mode = InterpolationMode.Bilinear, bool alignCorners = false, bool antialias = false) =>
            new(Native.imbf_interpolate(x.Handle, height, width, (int)mode, alignCorners ? (byte)1 : (byte)0, antialias ? (byte)1 : (byte)0));

        /// <summary>Constant padding; <paramref name="pads"/> as torch.nn.functional.pad (last dimension first).</summary>
        public static unsafe Tensor pad(Tensor x, long[] pads, double value = 0)
        {
            fixed (long* p = pads)
            {
                return new Tensor(Native.imbf_pad(x.Handle, p, pads.Length, value));
            }
        }

        public static Tensor one_hot(Tensor x, long numClasses = -1) => new(Native.imbf_one_hot(x.Handle, numClasses));
    }
}
