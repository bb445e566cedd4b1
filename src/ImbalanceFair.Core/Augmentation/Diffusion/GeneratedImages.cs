using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation.Diffusion;

/// <summary>The generator's images a run uses: per class the first n of its bank (uint8 on the CPU).</summary>
internal sealed class GeneratedImages : ISyntheticImages, IDisposable
{
    private readonly Tensor[] _byClass;

    public GeneratedImages(Tensor[] byClass, string describe)
    {
        _byClass = byClass ?? throw new ArgumentNullException(nameof(byClass));
        Describe = describe;
    }

    public string Describe { get; }

    public long[] Counts => _byClass.Select(t => t.size(0)).ToArray();

    public IReadOnlyList<Tensor> ByClass => _byClass;

    public AddedSamples Take(IReadOnlyList<(int label, int index)> picks, long[] shape, Device device)
    {
        ArgumentNullException.ThrowIfNull(picks);
        ArgumentNullException.ThrowIfNull(shape);
        using var scope = torch.NewDisposeScope();
        if (picks.Count == 0)
        {
            return AddedSamples.Empty(torch.zeros([0, shape[0], shape[1], shape[2]], ScalarType.UInt8, device));
        }

        var parts = picks.GroupBy(p => p.label).OrderBy(g => g.Key)
            .Select(g => _byClass[g.Key].index_select(0, torch.from_array<long>(g.Select(p => (long)p.index).ToArray(), [g.Count()])))
            .ToArray();
        var labels = picks.GroupBy(p => p.label).OrderBy(g => g.Key).SelectMany(g => g.Select(_ => (long)g.Key)).ToArray();
        return AddedSamples.Synthetic(torch.cat(parts, 0).to(device), labels);
    }

    public void Dispose()
    {
        foreach (var t in _byClass)
        {
            t.Dispose();
        }
    }
}
