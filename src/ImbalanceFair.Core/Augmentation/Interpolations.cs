using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// The samples a SMOTE-family strategy decided to make, one per entry: its label, the positions (in the real set)
/// of its parent x_i and neighbour x_nn, and λ. <see cref="Materialize"/> computes x_i + λ·(x_nn − x_i) on the
/// device in float32 pixel space [0, 255] (a subtraction, a multiplication and an addition, each rounded once), and
/// rounds half to even into uint8; or the same in embedding space, kept in float32.
/// </summary>
internal sealed class Interpolations
{
    private readonly List<long> _labels = [];
    private readonly List<long> _parents = [];
    private readonly List<long> _neighbors = [];
    private readonly List<float> _lambdas = [];

    public int Count => _labels.Count;

    public void Add(long label, long parent, long neighbor, float lambda)
    {
        _labels.Add(label);
        _parents.Add(parent);
        _neighbors.Add(neighbor);
        _lambdas.Add(lambda);
    }

    /// <summary>The added images with their provenance (parent and neighbour as original train-file indices).</summary>
    public AddedSamples Materialize(RealTrainingData real)
    {
        ArgumentNullException.ThrowIfNull(real);
        if (Count == 0)
        {
            return AddedSamples.Empty(real.Images);
        }

        using var scope = torch.NewDisposeScope();
        var images = Interpolate(real.Images.reshape(real.Count, -1), pixels: true);
        var shape = real.Images.shape;
        shape[0] = Count;
        return Samples(images.reshape(shape), real, embeddings: false);
    }

    /// <summary>
    /// The added points in embedding space: the same interpolation of the real samples' rows of <paramref name="embeddings"/>
    /// [n, embed], kept in float32 (no rounding: there are no pixels to round to).
    /// </summary>
    public AddedSamples MaterializeEmbeddings(RealTrainingData real, Tensor embeddings)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(embeddings);
        if (Count == 0)
        {
            return AddedSamples.Empty(embeddings, embeddings: true);
        }

        using var scope = torch.NewDisposeScope();
        return Samples(Interpolate(embeddings, pixels: false), real, embeddings: true);
    }

    private AddedSamples Samples(Tensor rows, RealTrainingData real, bool embeddings)
    {
        var labels = torch.from_array<long>(_labels.ToArray(), [Count], rows.device);
        return new AddedSamples(rows, labels, Enumerable.Repeat(SampleSource.Smote, Count).ToArray(),
            _parents.Select(i => real.OriginalIndices[i]).ToArray(), _neighbors.Select(i => real.OriginalIndices[i]).ToArray(), _lambdas.ToArray(), embeddings);
    }

    /// <summary>x_i + λ·(x_nn − x_i) of the rows of <paramref name="flat"/> [n, D]; pixels are rounded into uint8.</summary>
    private Tensor Interpolate(Tensor flat, bool pixels)
    {
        var device = flat.device;
        var d = flat.size(1);
        // Pieces of at most PieceBytes (a float32 [chunk, D] buffer), each written into the output.
        var chunk = (int)Math.Clamp(NearestNeighbors.PieceBytes / (4 * d), 1, Count);
        var parents = _parents.ToArray();
        var neighbors = _neighbors.ToArray();
        var lambdas = _lambdas.ToArray();
        var output = torch.empty([Count, d], pixels ? ScalarType.UInt8 : ScalarType.Float32, device);
        for (var s = 0; s < Count; s += chunk)
        {
            using var chunkScope = torch.NewDisposeScope();
            var n = Math.Min(chunk, Count - s);
            var p = flat.index_select(0, torch.from_array<long>(parents.AsSpan(s, n), [n], device)).to(ScalarType.Float32);
            var nb = flat.index_select(0, torch.from_array<long>(neighbors.AsSpan(s, n), [n], device)).to(ScalarType.Float32);
            var lambda = torch.from_array<float>(lambdas.AsSpan(s, n), [n, 1], device);
            var point = nb.sub_(p).mul_(lambda).add_(p);
            output.narrow(0, s, n).copy_(pixels ? point.round().clamp_(0, 255) : point);
        }

        return output;
    }
}
