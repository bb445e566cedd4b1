using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Models;

/// <summary>HF CLIPVisionEmbeddings: patch conv (no bias) + class token + learned positions.</summary>
public sealed class ClipVisionEmbeddings : nn.Module
{
    public ClipVisionEmbeddings(ClipConfig c)
    {
        class_embedding = RegisterParameter("class_embedding", torch.randn([c.VisionWidth]).mul_(Math.Pow(c.VisionWidth, -0.5)));
        patch_embedding = RegisterModule("patch_embedding", new nn.Conv2d(c.InChannels, c.VisionWidth, c.PatchSize, stride: c.PatchSize, bias: false));
        position_embedding = RegisterModule("position_embedding", new nn.Embedding(c.NumPatches + 1, c.VisionWidth));
        using var noGrad = torch.no_grad();
        patch_embedding.weight.normal_(0, 0.02);
        position_embedding.weight.normal_(0, 0.02);
    }

    public Tensor class_embedding { get; }

    public nn.Conv2d patch_embedding { get; }

    public nn.Embedding position_embedding { get; }

    /// <summary>[B, C, H, W] normalised pixels → [B, 1 + patches, width].</summary>
    public Tensor forward(Tensor pixels)
    {
        using var scope = torch.NewDisposeScope();
        var b = pixels.size(0);
        var patches = patch_embedding.forward(pixels).flatten(2).transpose(1, 2);
        var cls = class_embedding.view(1, 1, -1).expand(b, 1, class_embedding.size(0));
        var tokens = torch.cat([cls, patches], 1);
        return (tokens + position_embedding.weight.unsqueeze(0)).MoveToOuterDisposeScope();
    }
}

/// <summary>HF CLIPVisionTransformer: embeddings → pre_layrnorm → encoder → post_layernorm on the class token.</summary>
public sealed class ClipVisionTransformer : nn.Module, IImageTower
{
    public ClipVisionTransformer(ClipConfig c)
    {
        embeddings = RegisterModule("embeddings", new ClipVisionEmbeddings(c));
        pre_layrnorm = RegisterModule("pre_layrnorm", new nn.LayerNorm(c.VisionWidth, c.VisionEps));
        encoder = RegisterModule("encoder", new ClipEncoder(c.VisionWidth, c.VisionHeads, c.VisionMlp, c.VisionLayers, c.VisionEps, c.VisionHiddenAct));
        post_layernorm = RegisterModule("post_layernorm", new nn.LayerNorm(c.VisionWidth, c.VisionEps));
    }

    public ClipVisionEmbeddings embeddings { get; }

    public nn.LayerNorm pre_layrnorm { get; }

    public ClipEncoder encoder { get; }

    public nn.LayerNorm post_layernorm { get; }

    public Tensor forward(Tensor pixels)
    {
        using var scope = torch.NewDisposeScope();
        var h = encoder.forward(pre_layrnorm.forward(embeddings.forward(pixels)), causal: false);
        return post_layernorm.forward(h.select(1, 0)).MoveToOuterDisposeScope();
    }
}

/// <summary>What the vision tower gives: one pooled feature vector of the tower's width per image.</summary>
public interface IImageTower
{
    Tensor forward(Tensor pixels);
}

/// <summary>
/// A small CNN image tower for CPU runs, under the same outer names as the ViT (vision_model.*, post_layernorm),
/// so the rest of CLIP (projections, logit scale, text tower) is unchanged: conv3x3-BN-free blocks with
/// GroupNorm, stride-2 downsampling, global average pooling, then post_layernorm.
/// </summary>
public sealed class ClipConvTower : nn.Module, IImageTower
{
    private readonly List<(nn.Conv2d conv, Tensor gnWeight, Tensor gnBias, int groups)> _blocks = [];

    public ClipConvTower(ClipConfig c)
    {
        int[] widths = [c.VisionWidth / 4, c.VisionWidth / 2, c.VisionWidth];
        var inCh = c.InChannels;
        for (var i = 0; i < widths.Length; i++)
        {
            var conv = RegisterModule($"conv{i}", new nn.Conv2d(inCh, widths[i], 3, stride: i == 0 ? 1 : 2, padding: 1));
            var w = RegisterParameter($"norm{i}_weight", torch.ones([widths[i]]));
            var b = RegisterParameter($"norm{i}_bias", torch.zeros([widths[i]]));
            _blocks.Add((conv, w, b, Math.Min(8, widths[i])));
            inCh = widths[i];
        }

        post_layernorm = RegisterModule("post_layernorm", new nn.LayerNorm(c.VisionWidth, c.LayerNormEps));
    }

    public nn.LayerNorm post_layernorm { get; }

    public Tensor forward(Tensor pixels)
    {
        using var scope = torch.NewDisposeScope();
        var h = pixels;
        foreach (var (conv, w, b, groups) in _blocks)
        {
            h = nn.functional.group_norm(conv.forward(h), groups, w, b).relu();
        }

        var pooled = h.mean([2L, 3L]);
        return post_layernorm.forward(pooled).MoveToOuterDisposeScope();
    }
}
