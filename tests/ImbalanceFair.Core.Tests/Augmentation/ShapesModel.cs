using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Core.Training;
using ImbalanceFair.Torch;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Core.Tests.Augmentation;

/// <summary>
/// Procedural shapes (6 classes, 3×16×16) and a tiny-clip-conv classifier, optionally trained for a few epochs so that
/// losses and confidences mean something; plus a long-tailed real set drawn from its training images.
/// </summary>
public sealed class ShapesModel : IDisposable
{
    private readonly TempDir _dir = new();

    public ShapesModel(int trainEpochs, int perClass = 120, ulong initSeed = 0)
    {
        var path = _dir.Write("shapes.yaml", $$"""
            name: shapes-attacks
            format: procedural
            source: {generator: shapes, seed: 3, train_per_class: {{perClass}}, test_per_class: 40}
            channels: 3
            image_size: [16, 16]
            num_classes: 6
            prompts: ["a photo of a {}."]
            """);
        Descriptor = DatasetDescriptor.Load(path);
        Data = new DatasetCache(_dir.File("cache")).Load(Descriptor);
        Tokenizer = PromptTokenizer.Build(Descriptor.Classes, Descriptor.Prompts);
        torch.manual_seed(initSeed);
        Model = new ClipModel(ClipPresets.For("tiny-clip-conv", 16, Tokenizer.VocabSize, Tokenizer.ContextLength), Descriptor.Mean, Descriptor.Std);
        Classifier = new ClipClassifier(Model, Tokenizer, Descriptor.Classes, Descriptor.Prompts, TrainMode.TextHead, Device.CPU);
        if (trainEpochs > 0)
        {
            var options = new TrainOptions
            {
                Epochs = trainEpochs, BatchSize = 32, Optimizer = new OptimizerOptions { Lr = 2e-3 }, Schedule = new ScheduleOptions { WarmupSteps = 10 }, LogEvery = 50,
            };
            new Trainer(Classifier, new FixedTrainingSet(Data.Train.Images, Data.Train.Labels, 6), null, options, seed: 0).Run();
        }

        Classifier.Train(false);
    }

    public DatasetDescriptor Descriptor { get; }

    public ImageDataset Data { get; }

    public PromptTokenizer Tokenizer { get; }

    public ClipModel Model { get; }

    public ClipClassifier Classifier { get; }

    /// <summary>The first <paramref name="counts"/>[c] training images of each class, as a strategy's real set.</summary>
    public RealTrainingData LongTailed(params int[] counts)
    {
        var labels = Data.Train.LabelsHost;
        var picked = new List<long>();
        for (var c = 0; c < counts.Length; c++)
        {
            picked.AddRange(Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).Take(counts[c]).Select(i => (long)i));
        }

        using var scope = torch.NewDisposeScope();
        var idx = torch.from_array<long>(picked.ToArray(), [picked.Count]);
        return new RealTrainingData(Data.Train.Images.index_select(0, idx).DetachFromDisposeScope(), Data.Train.Labels.index_select(0, idx).DetachFromDisposeScope(),
            [.. picked], counts.Length);
    }

    /// <summary>Per-sample cross-entropy of uint8 images under the classifier (eval mode, no gradients).</summary>
    public double[] Losses(Tensor images, Tensor labels)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        Classifier.Train(false);
        var logits = Classifier.Logits(images.to(ScalarType.Float32) / 255.0);
        return F.cross_entropy(logits, labels, reduction: Reduction.None).ToArray<float>().Select(v => (double)v).ToArray();
    }

    /// <summary>Softmax probability of the given labels for uint8 images.</summary>
    public double[] Probabilities(Tensor images, Tensor labels)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        Classifier.Train(false);
        var p = F.softmax(Classifier.Logits(images.to(ScalarType.Float32) / 255.0), -1).gather(1, labels.unsqueeze(1)).squeeze(1);
        return p.ToArray<float>().Select(v => (double)v).ToArray();
    }

    public void Dispose()
    {
        Classifier.Dispose();
        Model.Dispose();
        Data.Dispose();
        _dir.Dispose();
    }
}

/// <summary>One trained shapes model shared by the attack tests that only read it.</summary>
public sealed class TrainedShapesFixture : IDisposable
{
    public ShapesModel Shapes { get; } = new(trainEpochs: 12, perClass: 200);

    public void Dispose() => Shapes.Dispose();
}

[CollectionDefinition(Name)]
public sealed class TrainedShapesCollection : ICollectionFixture<TrainedShapesFixture>
{
    public const string Name = "trained shapes model";
}
