using ImbalanceFair.Torch;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Core.Augmentation.Diffusion;

/// <summary>
/// The generator's class-conditional U-Net ε-predictor, DDPM-shaped (Ho et al. 2020) at small scale: three
/// resolutions (H, H/2, H/4) with base·[1, 2, 2] channels, one residual block per level on the way down and up (skip
/// connections concatenated), a middle of residual block · self-attention · residual block at H/4 (attention only
/// where there are few positions, where it is cheap and gives the global view convolutions lack), GroupNorm(8) and
/// SiLU everywhere. The time step enters as a sinusoidal embedding through a two-layer MLP; the class as a learned
/// embedding of the same width added to it, with one extra row (index = classes) for "no class", which
/// classifier-free guidance trains and samples with. Parameter names match bench/reference/diffusion_unet.py, so a
/// state dict moves between the two unchanged. H and W must be multiples of 4.
/// </summary>
public sealed class Denoiser : nn.Module
{
    public const int Groups = 8;
    public const int AttentionHeads = 4;

    public Denoiser(long imageChannels, long baseChannels, long classes, Device? device = null)
    {
        if (baseChannels <= 0 || baseChannels % Groups != 0)
        {
            throw new ArgumentException($"base channels must be a positive multiple of {Groups} (GroupNorm groups), not {baseChannels}", nameof(baseChannels));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ImageChannels = imageChannels;
        BaseChannels = baseChannels;
        Classes = classes;
        long c0 = baseChannels, c1 = 2 * baseChannels, c2 = 2 * baseChannels, emb = 4 * baseChannels;
        time_in = RegisterModule("time_in", new nn.Linear(c0, emb, device: device));
        time_out = RegisterModule("time_out", new nn.Linear(emb, emb, device: device));
        class_emb = RegisterModule("class_emb", new nn.Embedding(classes + 1, emb, device));
        conv_in = RegisterModule("conv_in", new nn.Conv2d(imageChannels, c0, 3, padding: 1, device: device));
        down0 = RegisterModule("down0", new ResBlock(c0, c0, emb, device));
        downsample0 = RegisterModule("downsample0", new nn.Conv2d(c0, c0, 3, stride: 2, padding: 1, device: device));
        down1 = RegisterModule("down1", new ResBlock(c0, c1, emb, device));
        downsample1 = RegisterModule("downsample1", new nn.Conv2d(c1, c1, 3, stride: 2, padding: 1, device: device));
        down2 = RegisterModule("down2", new ResBlock(c1, c2, emb, device));
        mid1 = RegisterModule("mid1", new ResBlock(c2, c2, emb, device));
        mid_attn = RegisterModule("mid_attn", new AttentionBlock(c2, AttentionHeads, device));
        mid2 = RegisterModule("mid2", new ResBlock(c2, c2, emb, device));
        up2 = RegisterModule("up2", new ResBlock(c2 + c2, c2, emb, device));
        upsample1 = RegisterModule("upsample1", new nn.Conv2d(c2, c2, 3, padding: 1, device: device));
        up1 = RegisterModule("up1", new ResBlock(c2 + c1, c1, emb, device));
        upsample0 = RegisterModule("upsample0", new nn.Conv2d(c1, c1, 3, padding: 1, device: device));
        up0 = RegisterModule("up0", new ResBlock(c1 + c0, c0, emb, device));
        out_norm = RegisterModule("out_norm", new nn.GroupNorm(Groups, c0, device: device));
        conv_out = RegisterModule("conv_out", new nn.Conv2d(c0, imageChannels, 3, padding: 1, device: device));
    }

    public long ImageChannels { get; }

    public long BaseChannels { get; }

    public long Classes { get; }

    /// <summary>The class index that means "no class" (classifier-free guidance's unconditional branch).</summary>
    public long NullClass => Classes;

#pragma warning disable SA1300, IDE1006 // PyTorch's member names, so state dicts match the reference
    public nn.Linear time_in { get; }

    public nn.Linear time_out { get; }

    public nn.Embedding class_emb { get; }

    public nn.Conv2d conv_in { get; }

    public ResBlock down0 { get; }

    public nn.Conv2d downsample0 { get; }

    public ResBlock down1 { get; }

    public nn.Conv2d downsample1 { get; }

    public ResBlock down2 { get; }

    public ResBlock mid1 { get; }

    public AttentionBlock mid_attn { get; }

    public ResBlock mid2 { get; }

    public ResBlock up2 { get; }

    public nn.Conv2d upsample1 { get; }

    public ResBlock up1 { get; }

    public nn.Conv2d upsample0 { get; }

    public ResBlock up0 { get; }

    public nn.GroupNorm out_norm { get; }

    public nn.Conv2d conv_out { get; }
#pragma warning restore SA1300, IDE1006

    /// <summary>Predicted noise ε for noisy images <paramref name="x"/> [B, C, H, W] at float time steps <paramref name="t"/> [B] of classes <paramref name="y"/> [B] (NullClass: none).</summary>
    public Tensor forward(Tensor x, Tensor t, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(y);
        var (h, w) = (x.size(2), x.size(3));
        if (h % 4 != 0 || w % 4 != 0)
        {
            throw new ArgumentException($"the denoiser needs height and width that are multiples of 4, not {h}×{w}", nameof(x));
        }

        using var scope = torch.NewDisposeScope();
        var emb = time_out.forward(F.silu(time_in.forward(TimestepEmbedding(t, BaseChannels).to(time_in.weight.dtype)))) + class_emb.forward(y);
        var h0 = conv_in.forward(x);
        var h1 = down0.forward(h0, emb);
        var h2 = down1.forward(downsample0.forward(h1), emb);
        var h3 = down2.forward(downsample1.forward(h2), emb);
        var m = mid2.forward(mid_attn.forward(mid1.forward(h3, emb)), emb);
        var u = up2.forward(torch.cat([m, h3], 1), emb);
        u = upsample1.forward(F.interpolate(u, h / 2, w / 2, InterpolationMode.Nearest));
        u = up1.forward(torch.cat([u, h2], 1), emb);
        u = upsample0.forward(F.interpolate(u, h, w, InterpolationMode.Nearest));
        u = up0.forward(torch.cat([u, h1], 1), emb);
        return conv_out.forward(F.silu(out_norm.forward(u))).MoveToOuterDisposeScope();
    }

    /// <summary>[sin(t·f_i), cos(t·f_i)] with f_i = 10000^(−i/half), i &lt; half = dim/2 (Transformer / DDPM).</summary>
    public static Tensor TimestepEmbedding(Tensor t, long dim)
    {
        ArgumentNullException.ThrowIfNull(t);
        using var scope = torch.NewDisposeScope();
        var half = dim / 2;
        var freqs = (torch.arange(0, half, 1, ScalarType.Float32, t.device) * (-Math.Log(10000.0) / half)).exp();
        var args = t.to(ScalarType.Float32).unsqueeze(1) * freqs.unsqueeze(0);
        return torch.cat([args.sin(), args.cos()], 1).MoveToOuterDisposeScope();
    }

    /// <summary>GroupNorm · SiLU · conv3, plus the projected embedding, then GroupNorm · SiLU · conv3; 1×1 skip when widths differ.</summary>
    public sealed class ResBlock : nn.Module
    {
        public ResBlock(long inChannels, long outChannels, long embDim, Device? device = null)
        {
            norm1 = RegisterModule("norm1", new nn.GroupNorm(Groups, inChannels, device: device));
            conv1 = RegisterModule("conv1", new nn.Conv2d(inChannels, outChannels, 3, padding: 1, device: device));
            emb_proj = RegisterModule("emb_proj", new nn.Linear(embDim, outChannels, device: device));
            norm2 = RegisterModule("norm2", new nn.GroupNorm(Groups, outChannels, device: device));
            conv2 = RegisterModule("conv2", new nn.Conv2d(outChannels, outChannels, 3, padding: 1, device: device));
            if (inChannels != outChannels)
            {
                skip = RegisterModule("skip", new nn.Conv2d(inChannels, outChannels, 1, device: device));
            }
        }

#pragma warning disable SA1300, IDE1006
        public nn.GroupNorm norm1 { get; }

        public nn.Conv2d conv1 { get; }

        public nn.Linear emb_proj { get; }

        public nn.GroupNorm norm2 { get; }

        public nn.Conv2d conv2 { get; }

        public nn.Conv2d? skip { get; }
#pragma warning restore SA1300, IDE1006

        public Tensor forward(Tensor x, Tensor emb)
        {
            using var scope = torch.NewDisposeScope();
            var h = conv1.forward(F.silu(norm1.forward(x)));
            h = h + emb_proj.forward(F.silu(emb)).unsqueeze(2).unsqueeze(3);
            h = conv2.forward(F.silu(norm2.forward(h)));
            var identity = skip is null ? x : skip.forward(x);
            return (identity + h).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Multi-head self-attention over the H·W positions (1×1 convolutions for q, k, v and the output), residual.</summary>
    public sealed class AttentionBlock : nn.Module
    {
        private readonly long _heads;

        public AttentionBlock(long channels, long heads, Device? device = null)
        {
            if (channels % heads != 0)
            {
                throw new ArgumentException($"attention channels {channels} must be divisible by {heads} heads", nameof(heads));
            }

            _heads = heads;
            norm = RegisterModule("norm", new nn.GroupNorm(Groups, channels, device: device));
            qkv = RegisterModule("qkv", new nn.Conv2d(channels, 3 * channels, 1, device: device));
            proj = RegisterModule("proj", new nn.Conv2d(channels, channels, 1, device: device));
        }

#pragma warning disable SA1300, IDE1006
        public nn.GroupNorm norm { get; }

        public nn.Conv2d qkv { get; }

        public nn.Conv2d proj { get; }
#pragma warning restore SA1300, IDE1006

        public Tensor forward(Tensor x)
        {
            using var scope = torch.NewDisposeScope();
            long b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
            // [B, 3C, H, W] → 3 × [B, heads, HW, C/heads]
            var parts = qkv.forward(norm.forward(x)).reshape(b, 3, _heads, c / _heads, h * w).permute(1, 0, 2, 4, 3).contiguous();
            var attended = F.scaled_dot_product_attention(parts.select(0, 0), parts.select(0, 1), parts.select(0, 2));
            var merged = attended.permute(0, 1, 3, 2).reshape(b, c, h, w);
            return (x + proj.forward(merged)).MoveToOuterDisposeScope();
        }
    }
}
