using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Models;

/// <summary>
/// CLIP with Hugging Face CLIPModel's parameter names (text_model.*, vision_model.*, visual_projection,
/// text_projection, logit_scale), so real checkpoints can be loaded by name into a model of matching size.
/// Images enter as [B, C, H, W] floats in [0, 1]; <see cref="ClipPreprocess"/> (grey → 3 channels, resize and crop
/// where the model's input size differs, normalisation) happens inside.
/// </summary>
public sealed class ClipModel : nn.Module
{
    private readonly Tensor _mean;
    private readonly Tensor _std;

    public ClipModel(ClipConfig config, IReadOnlyList<double> mean, IReadOnlyList<double> std)
        : this(config, ClipPreprocess.Normalise(mean, std))
    {
    }

    public ClipModel(ClipConfig config, ClipPreprocess preprocess)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(preprocess);
        config.Validate();
        Config = config;
        Preprocess = preprocess;
        var (mean, std) = (preprocess.Mean, preprocess.Std);
        text_model = RegisterModule("text_model", new ClipTextTransformer(config));
        vision_model = RegisterModule<nn.Module>("vision_model", config.ImageTower == "vit" ? new ClipVisionTransformer(config) : new ClipConvTower(config));
        visual_projection = RegisterModule("visual_projection", new nn.Linear(config.VisionWidth, config.EmbedDim, bias: false));
        text_projection = RegisterModule("text_projection", new nn.Linear(config.TextWidth, config.EmbedDim, bias: false));
        logit_scale = RegisterParameter("logit_scale", torch.full([], config.LogitScaleInit));
        using (torch.no_grad())
        {
            visual_projection.weight.normal_(0, Math.Pow(config.VisionWidth, -0.5));
            text_projection.weight.normal_(0, Math.Pow(config.TextWidth, -0.5));
        }

        // Per-channel statistics of the dataset, expanded to the model's input channels; not parameters.
        float[] Channels(IReadOnlyList<double> v) => Enumerable.Range(0, config.InChannels).Select(i => (float)v[Math.Min(i, v.Count - 1)]).ToArray();
        _mean = torch.tensor(Channels(mean), [1, config.InChannels, 1, 1]).DetachFromDisposeScope();
        _std = torch.tensor(Channels(std), [1, config.InChannels, 1, 1]).DetachFromDisposeScope();
    }

    public ClipConfig Config { get; }

    public ClipPreprocess Preprocess { get; }

    public ClipTextTransformer text_model { get; }

    public nn.Module vision_model { get; }

    public nn.Linear visual_projection { get; }

    public nn.Linear text_projection { get; }

    public Tensor logit_scale { get; }

    /// <summary>Image embeddings [B, embed] (not normalised) of [B, C, H, W] pixels in [0, 1].</summary>
    public Tensor encode_image(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        using var scope = torch.NewDisposeScope();
        var x = Preprocess.Apply(pixels, Config.InChannels, _mean, _std);
        var pooled = ((IImageTower)vision_model).forward(x);
        return visual_projection.forward(pooled).MoveToOuterDisposeScope();
    }

    /// <summary>Text embeddings [N, embed] (not normalised) of [N, L] token ids.</summary>
    public Tensor encode_text(Tensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        using var pooled = text_model.forward(ids);
        return text_projection.forward(pooled);
    }

    /// <summary>exp(logit_scale), clamped at 100 as in CLIP.</summary>
    public Tensor Scale()
    {
        using var e = logit_scale.exp();
        return e.clamp(max: 100);
    }

    /// <summary>Releases the normalisation constants with the parameters.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _mean.Dispose();
            _std.Dispose();
        }

        base.Dispose(disposing);
    }
}
