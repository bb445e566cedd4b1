using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Training;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Augmentation;

/// <summary>
/// A linear probe trains on stored features: <c>augment.smote.space: embedding</c> (SMOTE on its frozen image
/// embeddings), and every other strategy's set embedded once instead of every batch going through the tower.
/// </summary>
public sealed class LinearProbeFeatureTests : IDisposable
{
    private const int K = 3;
    private static readonly int[] s_counts = [40, 20, 10, 8, 6, 5];
    private static readonly long[] s_balance = [40, 40, 40, 40, 40, 40];

    private readonly ShapesModel _shapes = new(trainEpochs: 0, perClass: 60);
    private readonly ClipClassifier _probe;
    private readonly RealTrainingData _real;

    public LinearProbeFeatureTests()
    {
        _probe = new ClipClassifier(_shapes.Model, _shapes.Tokenizer, _shapes.Descriptor.Classes, _shapes.Descriptor.Prompts, TrainMode.LinearProbe, Device.CPU);
        _real = _shapes.LongTailed(s_counts);
    }

    public void Dispose()
    {
        _real.Dispose();
        _probe.Dispose();
        _shapes.Dispose();
    }

    private static Smote EmbeddingSmote(long seed = 4) => new(seed, new SmoteOptions { K = K, Space = "embedding" });

    [Fact]
    public void Frozen_embeddings_give_the_logits_of_the_pixel_path()
    {
        using var scope = torch.NewDisposeScope();
        _probe.Train(false);
        var embeddings = _real.FrozenEmbeddings(_probe);
        using var noGrad = torch.no_grad();
        var viaPixels = _probe.Logits(_real.Images.to(ScalarType.Float32) / 255.0);
        var viaEmbeddings = _probe.LogitsOfEmbeddings(embeddings);

        Assert.Equal([_real.Count, _shapes.Model.Config.EmbedDim], embeddings.shape);
        Assert.True((viaPixels - viaEmbeddings).abs().max().item() < 1e-5);
        // Unit norm, computed once.
        Assert.True((embeddings.norm(dims: [1]) - 1).abs().max().item() < 1e-5);
        Assert.Same(embeddings, _real.FrozenEmbeddings(_probe));
        // Batching does not change them.
        Assert.True((embeddings - _probe.FrozenImageEmbeddings(_real.Images, batchSize: 7)).abs().max().item() < 1e-6);
        // Only a linear probe's tower is frozen.
        Assert.Throws<InvalidOperationException>(() => _shapes.Classifier.FrozenImageEmbeddings(_real.Images));
    }

    [Fact]
    public void Samples_lie_on_segments_to_one_of_the_k_nearest_same_class_neighbours_in_embedding_space()
    {
        using var added = EmbeddingSmote().Generate(0, _real, s_balance, _probe).Added;
        var embed = _shapes.Model.Config.EmbedDim;
        var rows = _real.FrozenEmbeddings(_probe).ToArray<float>();
        var points = added.Images.ToArray<float>();

        Assert.True(added.Embeddings);
        Assert.Equal([added.Count, embed], added.Images.shape);
        Assert.Equal(new long[] { 0, 20, 30, 32, 34, 35 }, added.CountsOf(SampleSource.Smote, 6));
        var position = _real.OriginalIndices.Select((original, i) => (original, i)).ToDictionary(x => x.original, x => x.i);
        for (var s = 0; s < added.Count; s++)
        {
            var label = added.LabelsHost[s];
            var parent = position[added.Parent[s]];
            var neighbor = position[added.Neighbor[s]];
            var lambda = added.Lambda[s];
            Assert.Equal(label, _real.LabelsHost[parent]);
            Assert.Equal(label, _real.LabelsHost[neighbor]);
            Assert.NotEqual(parent, neighbor);
            Assert.InRange(lambda, 0f, 1f);
            Assert.True(lambda < 1f);

            // The neighbour is among the parent's k nearest of its class (brute force on the host).
            var distances = Enumerable.Range(0, _real.Count).Where(j => j != parent && _real.LabelsHost[j] == label)
                .Select(j => Distance(rows, parent, j, embed)).Order().ToArray();
            Assert.True(Distance(rows, parent, neighbor, embed) <= distances[K - 1] + 1e-6, $"sample {s}: neighbour beyond the {K} nearest");

            // The point is parent + λ·(neighbour − parent), in float32 as computed.
            for (var d = 0; d < embed; d++)
            {
                var p = rows[(parent * embed) + d];
                var n = rows[(neighbor * embed) + d];
                Assert.Equal(((n - p) * lambda) + p, points[(s * embed) + d], 6);
            }
        }
    }

    [Fact]
    public void The_probe_trains_its_head_on_real_and_interpolated_embeddings_and_leaves_the_tower_alone()
    {
        var tower = _shapes.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
        var headBefore = _probe.Head!.weight.clone().DetachFromDisposeScope();
        using var source = new AugmentedTrainingSource(EmbeddingSmote(), _real, s_balance);
        source.Prepare(_probe);
        using (var set = source.ForEpoch(0, _probe))
        {
            Assert.True(set.Embeddings);
            Assert.Equal(s_balance.Sum(), set.Count);
            Assert.Equal(s_balance, set.ClassCounts);
            // The real part first, as frozen embeddings; then the additions.
            Assert.Equal(0, (set.Images.narrow(0, 0, _real.Count) - _real.FrozenEmbeddings(_probe)).abs().max().item());
        }

        var options = new TrainOptions { Mode = TrainMode.LinearProbe, Epochs = 3, BatchSize = 32, Optimizer = new OptimizerOptions { Lr = 1e-2 }, LogEvery = 1 };
        var result = new Trainer(_probe, source, null, options, seed: 0).Run();

        var losses = result.State.Log.GroupBy(r => r.Epoch).Select(g => g.Average(r => r.Loss)).ToArray();
        Assert.True(losses[^1] < losses[0], $"mean loss of the first epoch {losses[0]}, of the last {losses[^1]}");
        Assert.True((_probe.Head.weight - headBefore).abs().max().item() > 0);
        foreach (var (key, value) in _shapes.Model.state_dict())
        {
            Assert.True((value - tower[key]).abs().max().item() == 0, $"{key} changed");
        }

        Assert.Equal(s_balance.Sum(), source.Recorded!.Added.Count + _real.Count);
    }

    [Fact]
    public void A_linear_probe_trains_the_same_on_stored_features_as_on_pixels_through_the_tower()
    {
        var options = new TrainOptions { Mode = TrainMode.LinearProbe, Epochs = 2, BatchSize = 16, Optimizer = new OptimizerOptions { Lr = 1e-2 } };
        var initial = _probe.Head!.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());

        new Trainer(_probe, new FixedTrainingSet(_real.Images, _real.Labels, 6), null, options, seed: 0).Run();
        var viaPixels = _probe.Head.weight.clone().DetachFromDisposeScope();
        _probe.Head.load_state_dict(initial);
        using (var source = new AugmentedTrainingSource(new RandomOversampling(1), _real, s_balance))
        {
            using (var set = source.ForEpoch(0, _probe))
            {
                Assert.True(set.Embeddings);
            }

            new Trainer(_probe, source, null, options, seed: 0).Run();
        }

        var viaFeatures = _probe.Head.weight;
        Assert.True((viaFeatures - viaPixels).abs().max().item() > 0, "oversampling changed nothing");
        _probe.Head.load_state_dict(initial);
        using (var plain = new AugmentedTrainingSource(new NoAugmentation(), _real, s_balance))
        {
            new Trainer(_probe, plain, null, options, seed: 0).Run();
        }

        Assert.True((_probe.Head.weight - viaPixels).abs().max().item() < 1e-5);
    }

    [Fact]
    public void Embedding_space_needs_the_model_and_unknown_spaces_are_config_errors()
    {
        Assert.Contains("augment.smote.space", Assert.Throws<ConfigException>(() => new Smote(0, new SmoteOptions { Space = "latent" })).Message);
        Assert.Throws<ArgumentNullException>(() => EmbeddingSmote().Generate(0, _real, s_balance, null!));
    }

    private static double Distance(float[] rows, long a, long b, int embed)
    {
        var sum = 0.0;
        for (var d = 0; d < embed; d++)
        {
            double diff = rows[(a * embed) + d] - rows[(b * embed) + d];
            sum += diff * diff;
        }

        return Math.Sqrt(sum);
    }
}
