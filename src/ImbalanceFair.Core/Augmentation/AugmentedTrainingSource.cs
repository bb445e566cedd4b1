using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// The trainer's per-epoch data with a strategy in the loop: real samples (all or the kept ones) plus the strategy's
/// additions, concatenated on the device: as images, or for a linear probe as frozen image embeddings (its features). Keeps the latest additions for split.csv and augmented.safetensors.
/// </summary>
public sealed class AugmentedTrainingSource : ITrainingSetSource, IDisposable
{
    private readonly IAugmentationStrategy _strategy;
    private readonly RealTrainingData _real;
    private readonly long[] _targets;
    private EpochAugmentation? _current;
    private EpochAugmentation? _recorded;
    private EpochAugmentation? _embeddedAddition;
    private Tensor? _addedEmbeddings;

    public AugmentedTrainingSource(IAugmentationStrategy strategy, RealTrainingData real, long[] targets)
    {
        _strategy = strategy ?? throw new ArgumentNullException(nameof(strategy));
        _real = real ?? throw new ArgumentNullException(nameof(real));
        _targets = targets ?? throw new ArgumentNullException(nameof(targets));
    }

    /// <summary>The additions of the latest epoch (null before the first).</summary>
    public EpochAugmentation? Latest => _current;

    /// <summary>
    /// What the results report: the latest epoch that added samples (FFR's last stage trains on real data only, yet
    /// its synthetic stage is what the run added), else the latest epoch.
    /// </summary>
    public EpochAugmentation? Recorded => _current is { Added.Count: > 0 } || _recorded is null ? _current : _recorded;

    /// <summary>
    /// Generates a once-only strategy's samples with the initial model, before training starts: a run resumed from a
    /// checkpoint then trains on exactly the samples the interrupted run made, not ones made by restored weights.
    /// </summary>
    public void Prepare(ClipClassifier model)
    {
        if (!_strategy.RegeneratesEachEpoch && _current is null)
        {
            _current = _strategy.Generate(0, _real, _targets, model);
        }
    }

    /// <remarks>The model is passed through to the strategy; those that do not use it accept null.</remarks>
    public TrainingSet ForEpoch(int epoch, ClipClassifier model)
    {
        if (_current is null || _strategy.RegeneratesEachEpoch)
        {
            var next = _strategy.Generate(epoch, _real, _targets, model);
            if (_current is { Added.Count: > 0 } && next.Added.Count == 0)
            {
                _recorded?.Dispose();
                _recorded = _current;
            }
            else
            {
                _current?.Dispose();
            }

            _current = next;
        }

        using var scope = torch.NewDisposeScope();
        // A linear probe's tower never trains, so its head is trained on stored features: the real ones are embedded once
        // per run and the additions once per generation, instead of every batch of every epoch going through the tower.
        var embeddings = _current.Added.Embeddings || model is { Mode: TrainMode.LinearProbe };
        var realInputs = embeddings ? _real.FrozenEmbeddings(model!) : _real.Images;
        var parts = new List<(Tensor inputs, Tensor labels)>();
        if (_current.UseReal)
        {
            if (_current.KeptReal is { } kept)
            {
                var idx = torch.from_array<long>(kept, [kept.Length], realInputs.device);
                parts.Add((realInputs.index_select(0, idx), _real.Labels.index_select(0, idx)));
            }
            else
            {
                parts.Add((realInputs, _real.Labels));
            }
        }

        if (_current.Added.Count > 0)
        {
            parts.Add((embeddings ? AddedFeatures(model!) : _current.Added.Images, _current.Added.Labels));
        }

        if (parts.Count == 1 && ReferenceEquals(parts[0].inputs, realInputs))
        {
            return new TrainingSet(realInputs, _real.Labels, _real.Classes, ownsTensors: false, embeddings);
        }

        var inputs = torch.cat(parts.Select(p => p.inputs).ToArray()).DetachFromDisposeScope();
        var labels = torch.cat(parts.Select(p => p.labels).ToArray()).DetachFromDisposeScope();
        return new TrainingSet(inputs, labels, _real.Classes, ownsTensors: true, embeddings);
    }

    /// <summary>The current additions as features: themselves when they are embeddings, else their images embedded (once).</summary>
    private Tensor AddedFeatures(ClipClassifier model)
    {
        if (_current!.Added.Embeddings)
        {
            return _current.Added.Images;
        }

        if (!ReferenceEquals(_embeddedAddition, _current))
        {
            _addedEmbeddings?.Dispose();
            _addedEmbeddings = model.FrozenImageEmbeddings(_current.Added.Images).DetachFromDisposeScope();
            _embeddedAddition = _current;
        }

        return _addedEmbeddings!;
    }

    public void Dispose()
    {
        _addedEmbeddings?.Dispose();
        _current?.Dispose();
        _recorded?.Dispose();
    }
}
