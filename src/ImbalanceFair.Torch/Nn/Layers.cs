namespace ImbalanceFair.Torch;

public static partial class nn
{
    /// <summary>y = x Wᵀ + b, initialised as PyTorch does: U(−1/√in, 1/√in) for weight and bias.</summary>
    public sealed class Linear : Module<Tensor, Tensor>
    {
        public Linear(long inFeatures, long outFeatures, bool bias = true, Device? device = null)
        {
            var bound = 1.0 / Math.Sqrt(inFeatures);
            weight = RegisterParameter("weight", torch.empty([outFeatures, inFeatures], device: device).uniform_(-bound, bound));
            if (bias)
            {
                this.bias = RegisterParameter("bias", torch.empty([outFeatures], device: device).uniform_(-bound, bound));
            }
        }

        public Tensor weight { get; }

        public Tensor? bias { get; }

        public override Tensor forward(Tensor input) => functional.linear(input, weight, bias);
    }

    /// <summary>2-D convolution over [N, C, H, W], square kernel, PyTorch's default initialisation.</summary>
    public sealed class Conv2d : Module<Tensor, Tensor>
    {
        private readonly long _stride;
        private readonly long _padding;

        public Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, bool bias = true, Device? device = null)
        {
            _stride = stride;
            _padding = padding;
            var bound = 1.0 / Math.Sqrt(inChannels * kernelSize * kernelSize);
            weight = RegisterParameter("weight", torch.empty([outChannels, inChannels, kernelSize, kernelSize], device: device).uniform_(-bound, bound));
            if (bias)
            {
                this.bias = RegisterParameter("bias", torch.empty([outChannels], device: device).uniform_(-bound, bound));
            }
        }

        public Tensor weight { get; }

        public Tensor? bias { get; }

        public override Tensor forward(Tensor input) => functional.conv2d(input, weight, bias, _stride, _padding);
    }

    public sealed class LayerNorm : Module<Tensor, Tensor>
    {
        private readonly long[] _shape;
        private readonly double _eps;

        public LayerNorm(long normalizedShape, double eps = 1e-5, Device? device = null)
        {
            _shape = [normalizedShape];
            _eps = eps;
            weight = RegisterParameter("weight", torch.ones(_shape, device: device));
            bias = RegisterParameter("bias", torch.zeros(_shape, device: device));
        }

        public Tensor weight { get; }

        public Tensor bias { get; }

        public override Tensor forward(Tensor input) => functional.layer_norm(input, _shape, weight, bias, _eps);
    }

    /// <summary>A lookup table initialised N(0, 1), as torch.nn.Embedding.</summary>
    public sealed class Embedding : Module<Tensor, Tensor>
    {
        public Embedding(long count, long dim, Device? device = null)
        {
            weight = RegisterParameter("weight", torch.randn([count, dim], device: device));
        }

        public Tensor weight { get; }

        public override Tensor forward(Tensor input) => functional.embedding(input, weight);
    }

    public sealed class Dropout : Module<Tensor, Tensor>
    {
        private readonly double _p;

        public Dropout(double p = 0.5)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(p, 0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 1);
            _p = p;
        }

        public override Tensor forward(Tensor input) => training && _p > 0 ? functional.dropout(input, _p, true) : input.alias();
    }

    /// <summary>Modules applied in order, named "0", "1", ... as torch.nn.Sequential.</summary>
    public sealed class Sequential : Module<Tensor, Tensor>
    {
        private readonly List<Module<Tensor, Tensor>> _layers = [];

        public Sequential(params Module<Tensor, Tensor>[] layers)
        {
            foreach (var layer in layers)
            {
                _layers.Add(RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer));
            }
        }

        public override Tensor forward(Tensor input)
        {
            var x = input.alias();
            foreach (var layer in _layers)
            {
                var next = layer.forward(x);
                x.Dispose();
                x = next;
            }

            return x;
        }
    }

    /// <summary>A list of submodules named "0", "1", ... as torch.nn.ModuleList.</summary>
    public sealed class ModuleList<T> : Module where T : Module
    {
        private readonly List<T> _items = [];

        public ModuleList(IEnumerable<T> items)
        {
            ArgumentNullException.ThrowIfNull(items);
            foreach (var item in items)
            {
                _items.Add(RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), item));
            }
        }

        public int Count => _items.Count;

        public T this[int index] => _items[index];

        public IReadOnlyList<T> Items => _items;
    }

    /// <summary>
    /// torch.nn.MultiheadAttention with batch_first=True: packed in_proj_weight [3E, E], in_proj_bias and
    /// out_proj, so PyTorch state dicts load unchanged.
    /// </summary>
    public sealed class MultiheadAttention : Module
    {
        private readonly long _embedDim;
        private readonly long _heads;
        private readonly double _dropout;

        public MultiheadAttention(long embedDim, long numHeads, double dropout = 0, bool bias = true, Device? device = null)
        {
            if (embedDim % numHeads != 0)
            {
                throw new ArgumentException($"embed_dim {embedDim} must be divisible by num_heads {numHeads}", nameof(numHeads));
            }

            _embedDim = embedDim;
            _heads = numHeads;
            _dropout = dropout;
            var bound = Math.Sqrt(6.0 / (embedDim + 3 * embedDim));
            in_proj_weight = RegisterParameter("in_proj_weight", torch.empty([3 * embedDim, embedDim], device: device).uniform_(-bound, bound));
            if (bias)
            {
                in_proj_bias = RegisterParameter("in_proj_bias", torch.zeros([3 * embedDim], device: device));
            }

            out_proj = RegisterModule("out_proj", new Linear(embedDim, embedDim, bias, device));
            if (bias)
            {
                using var noGrad = torch.no_grad();
                out_proj.bias!.zero_();
            }
        }

        public Tensor in_proj_weight { get; }

        public Tensor? in_proj_bias { get; }

        public Linear out_proj { get; }

        /// <summary>Attention of [B, Lq, E] queries over [B, Lk, E] keys/values; mask as scaled_dot_product_attention.</summary>
        public Tensor forward(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null, bool isCausal = false)
        {
            ArgumentNullException.ThrowIfNull(query);
            ArgumentNullException.ThrowIfNull(key);
            ArgumentNullException.ThrowIfNull(value);
            using var scope = torch.NewDisposeScope();
            var w = in_proj_weight.chunk(3, 0);
            var b = in_proj_bias?.chunk(3, 0);
            var q = SplitHeads(functional.linear(query, w[0], b?[0]));
            var k = SplitHeads(functional.linear(key, w[1], b?[1]));
            var v = SplitHeads(functional.linear(value, w[2], b?[2]));
            var attended = functional.scaled_dot_product_attention(q, k, v, attnMask, training ? _dropout : 0, isCausal);
            var merged = attended.transpose(1, 2).reshape(query.size(0), query.size(1), _embedDim);
            return out_proj.forward(merged).MoveToOuterDisposeScope();
        }

        private Tensor SplitHeads(Tensor x) => x.view(x.size(0), x.size(1), _heads, _embedDim / _heads).transpose(1, 2);
    }
}
