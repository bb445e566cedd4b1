using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Attacks;

/// <summary>
/// A classifier made ready to be attacked, for the lifetime of this object: eval mode, every parameter's
/// <c>requires_grad</c> off (so a backward pass computes the input's gradient only and never touches the parameters'
/// <c>.grad</c>), and the class text embeddings computed once (they do not depend on the image). Dispose restores the
/// training mode and the <c>requires_grad</c> flags exactly as they were.
/// </summary>
public sealed class AttackTarget : IDisposable
{
    private readonly ClipClassifier _classifier;
    private readonly bool _wasTraining;
    private readonly List<(Tensor parameter, bool requiresGrad)> _frozen = [];
    private readonly Tensor? _classText;
    private bool _disposed;

    public AttackTarget(ClipClassifier classifier)
    {
        _classifier = classifier ?? throw new ArgumentNullException(nameof(classifier));
        _wasTraining = classifier.Training;
        classifier.Train(false);
        var parameters = classifier.Model.parameters().Concat(classifier.Head?.parameters() ?? []);
        foreach (var p in parameters)
        {
            _frozen.Add((p, p.requires_grad));
            p.requires_grad = false;
        }

        if (classifier.Head is null)
        {
            using var noGrad = torch.no_grad();
            _classText = classifier.ClassTextEmbeddings().DetachFromDisposeScope();
        }
    }

    public ClipClassifier Classifier => _classifier;

    public Device Device => _classifier.Device;

    /// <summary>Logits [B, classes] of pixels in [0, 1].</summary>
    public Tensor Logits(Tensor pixels) => _classifier.Logits(pixels, _classText);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var (p, requiresGrad) in _frozen)
        {
            p.requires_grad = requiresGrad;
        }

        _classifier.Train(_wasTraining);
        _classText?.Dispose();
    }
}
