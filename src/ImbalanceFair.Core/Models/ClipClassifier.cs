using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Models;

/// <summary>
/// CLIP as a classifier over the dataset's classes: image embeddings against class-prompt embeddings (the mean
/// of each class's normalised template embeddings, renormalised, as in CLIP's zero-shot evaluation). The
/// training mode decides what trains; alignment is always measured against the text tower.
/// </summary>
public sealed class ClipClassifier : IDisposable
{
    private readonly Tensor _promptIds;
    private readonly int _templates;

    public ClipClassifier(ClipModel model, ITextTokenizer tokenizer, IReadOnlyList<string> classNames, IReadOnlyList<string> templates, TrainMode mode, Device device,
        LoraOptions? lora = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(templates);
        Model = model;
        Mode = mode;
        Device = device;
        Classes = classNames.Count;
        _templates = templates.Count;
        model.to(device);
        var prompts = PromptTokenizer.Prompts(classNames, templates).SelectMany(p => p).ToList();
        _promptIds = tokenizer.EncodeBatch(prompts, device).DetachFromDisposeScope();
        if (mode == TrainMode.Lora)
        {
            Lora = new ClipLora(model, lora ?? new LoraOptions());
        }

        if (mode == TrainMode.LinearProbe)
        {
            foreach (var p in model.parameters())
            {
                p.requires_grad = false;
            }

            Head = new nn.Linear(model.Config.EmbedDim, Classes, bias: true, device: device);
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            Head.weight.copy_(ClassTextEmbeddings() * model.Scale());
            Head.bias!.zero_();
        }
    }

    public ClipModel Model { get; }

    public TrainMode Mode { get; }

    public Device Device { get; }

    public int Classes { get; }

    /// <summary>The adapters (lora mode only; null once merged).</summary>
    public ClipLora? Lora { get; private set; }

    /// <summary>The linear-probe head (linear-probe mode only).</summary>
    public nn.Linear? Head { get; }

    /// <summary>What the optimizer updates in this mode (empty for zero-shot).</summary>
    public IReadOnlyList<Tensor> TrainableParameters() => Mode switch
    {
        TrainMode.ZeroShot => [],
        TrainMode.LinearProbe => Head!.parameters().ToList(),
        TrainMode.Lora => Lora?.parameters().ToList() ?? [],
        _ => Model.parameters().ToList(),
    };

    /// <summary>Everything a checkpoint must hold to restore this classifier.</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = Model.state_dict().ToDictionary(kv => "model." + kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (var (prefix, module) in new (string, nn.Module?)[] { ("head.", Head), ("lora.", Lora) })
        {
            foreach (var (k, v) in module?.state_dict() ?? [])
            {
                state[prefix + k] = v;
            }
        }

        return state;
    }

    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Model.load_state_dict(Sub(state, "model."));
        Head?.load_state_dict(Sub(state, "head."));
        Lora?.load_state_dict(Sub(state, "lora."));
    }

    private static Dictionary<string, Tensor> Sub(IReadOnlyDictionary<string, Tensor> state, string prefix) =>
        state.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);

    public void Train(bool on = true)
    {
        Model.train(on && Mode is TrainMode.TextHead or TrainMode.Lora);
        Head?.train(on);
    }

    /// <summary>Folds the LoRA adapters into the model's weights (before saving it); nothing in other modes.</summary>
    public void MergeLora()
    {
        Lora?.Merge();
        Lora?.Dispose();
        Lora = null;
    }

    /// <summary>[classes, embed], unit norm: the mean over templates of normalised prompt embeddings, renormalised.</summary>
    public Tensor ClassTextEmbeddings()
    {
        using var scope = torch.NewDisposeScope();
        var text = nn.functional.normalize(Model.encode_text(_promptIds), dim: -1);
        var perClass = text.view(Classes, _templates, -1).mean(1);
        return nn.functional.normalize(perClass, dim: -1).MoveToOuterDisposeScope();
    }

    /// <summary>[B, embed], unit norm, of [B, C, H, W] pixels in [0, 1].</summary>
    public Tensor ImageEmbeddings(Tensor pixels)
    {
        using var image = Model.encode_image(pixels);
        return nn.functional.normalize(image, dim: -1);
    }

    /// <summary>Class logits [B, classes] of [B, C, H, W] pixels in [0, 1].</summary>
    public Tensor Logits(Tensor pixels) => Logits(pixels, classText: null);

    /// <summary>
    /// Class logits with the class text embeddings computed beforehand (<see cref="ClassTextEmbeddings"/>), for callers
    /// that query the image side many times while the weights stay fixed (attacks); null computes them here.
    /// </summary>
    public Tensor Logits(Tensor pixels, Tensor? classText)
    {
        using var scope = torch.NewDisposeScope();
        return LogitsOfEmbeddings(ImageEmbeddings(pixels), classText).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Class logits [B, classes] of image embeddings [B, embed] as <see cref="ImageEmbeddings"/> gives them (or points
    /// made from them, such as SMOTE's interpolations in embedding space); null <paramref name="classText"/> computes them here.
    /// </summary>
    public Tensor LogitsOfEmbeddings(Tensor embeddings, Tensor? classText = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        using var scope = torch.NewDisposeScope();
        var logits = Head is not null ? Head.forward(embeddings) : embeddings.matmul((classText ?? ClassTextEmbeddings()).t()) * Model.Scale();
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Unit-norm image embeddings [n, embed] of uint8 images [n, C, H, W], computed in batches with the image tower in
    /// evaluation mode and no gradients: the features a linear probe sees, since its tower never changes.
    /// </summary>
    public Tensor FrozenImageEmbeddings(Tensor images, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (Mode != TrainMode.LinearProbe)
        {
            throw new InvalidOperationException("image embeddings are frozen only in train.mode: linear-probe");
        }

        if (images.dtype != ScalarType.UInt8)
        {
            throw new ArgumentException($"frozen embeddings are made of uint8 images, not {images.dtype}", nameof(images));
        }

        var wasTraining = Model.training;
        Model.train(false);
        try
        {
            using var noGrad = torch.no_grad();
            var n = images.size(0);
            var output = torch.empty([n, Model.Config.EmbedDim], ScalarType.Float32, Device);
            for (long s = 0; s < n; s += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                var len = Math.Min(batchSize, n - s);
                var pixels = images.narrow(0, s, len).to(Device).to(ScalarType.Float32) / 255.0;
                output.narrow(0, s, len).copy_(ImageEmbeddings(pixels));
            }

            return output;
        }
        finally
        {
            Model.train(wasTraining);
        }
    }

    /// <summary>Whether the classifier is in training mode (as <see cref="Train"/> last set it).</summary>
    public bool Training => Head?.training ?? Model.training;

    public void Dispose()
    {
        _promptIds.Dispose();
        Head?.Dispose();
        Lora?.Dispose();
    }
}
