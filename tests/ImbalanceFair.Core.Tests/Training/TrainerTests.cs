using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Core.Training;
using ImbalanceFair.Torch.Serialization;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Training;

public class TrainerTests
{
    /// <summary>Procedural shapes, 6 classes of 16x16 images: small enough for a few CPU seconds of training.</summary>
    private sealed class Setup : IDisposable
    {
        private readonly TempDir _dir = new();

        public Setup(TrainMode mode = TrainMode.TextHead, string arch = "tiny-clip-conv", int perClass = 250)
        {
            var path = _dir.Write("shapes.yaml", $$"""
                name: shapes-test
                format: procedural
                source: {generator: shapes, seed: 1, train_per_class: {{perClass}}, test_per_class: 50}
                channels: 3
                image_size: [16, 16]
                num_classes: 6
                prompts: ["a photo of a {}.", "a {} shape."]
                """);
            Descriptor = DatasetDescriptor.Load(path);
            Data = new DatasetCache(_dir.File("cache")).Load(Descriptor);
            Tokenizer = PromptTokenizer.Build(Descriptor.Classes, Descriptor.Prompts);
            torch.manual_seed(0);
            Model = new ClipModel(ClipPresets.For(arch, 16, Tokenizer.VocabSize, Tokenizer.ContextLength), Descriptor.Mean, Descriptor.Std);
            Classifier = new ClipClassifier(Model, Tokenizer, Descriptor.Classes, Descriptor.Prompts, mode, Device.CPU);
        }

        public DatasetDescriptor Descriptor { get; }

        public ImageDataset Data { get; }

        public PromptTokenizer Tokenizer { get; }

        public ClipModel Model { get; }

        public ClipClassifier Classifier { get; }

        public string File(string name) => _dir.File(name);

        public Trainer Trainer(TrainOptions options, string? checkpoint = null, IProgress<TrainProgress>? progress = null) =>
            new(Classifier, new FixedTrainingSet(Data.Train.Images, Data.Train.Labels, Descriptor.NumClasses),
                new ValidationSet(Data.Test.Images, Data.Test.Labels, Data.Test.LabelsHost), options, seed: 0)
            {
                CheckpointPath = checkpoint,
                TrainLogPath = File("train_log.csv"),
                Progress = progress,
            };

        public Predictions Predict() => Evaluation.Predict(Classifier, Data.Test.Images, Data.Test.Labels);

        public void Dispose()
        {
            Classifier.Dispose();
            Model.Dispose();
            Data.Dispose();
            _dir.Dispose();
        }
    }

    // Training both towers from scratch starts on a plateau (see docs/model.md); these settings leave it quickly.
    private static readonly TrainOptions Quick = new()
    {
        Epochs = 4, BatchSize = 32, Optimizer = new OptimizerOptions { Lr = 1e-3 }, Schedule = new ScheduleOptions { WarmupSteps = 20 }, LogEvery = 10,
    };

    /// <summary>Cancels at the first progress report of the given epoch.</summary>
    private sealed class StopAt(int epoch, CancellationTokenSource cancel) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value)
        {
            if (value.Epoch >= epoch)
            {
                cancel.Cancel();
            }
        }
    }

    private static double AccuracyOf(Predictions p) => p.Labels.Zip(p.Predicted).Count(x => x.First == x.Second) / (double)p.Count;

    [Fact]
    public void On_shapes_the_loss_falls_and_accuracy_ends_far_above_chance()
    {
        using var s = new Setup();
        var before = AccuracyOf(s.Predict());

        var result = s.Trainer(Quick).Run();
        var after = AccuracyOf(s.Predict());

        var log = result.State.Log;
        Assert.True(log[^1].Loss < log[0].Loss * 0.7, $"loss {log[0].Loss:F3} → {log[^1].Loss:F3}");
        Assert.True(after > 0.45 && after > 2 * before, $"test accuracy {after:P0} (chance is 17%, before training {before:P0})");
        var (header, rows) = CsvFile.Read(s.File("train_log.csv"));
        Assert.Equal(["epoch", "step", "loss", "lr", "images_per_second", "elapsed_seconds"], header);
        Assert.Equal(log.Count, rows.Count);
        Assert.Equal(4 * 47, result.State.GlobalStep);
    }

    [Fact]
    public void A_run_stopped_after_an_epoch_and_resumed_predicts_exactly_like_an_uninterrupted_run()
    {
        using var shared = new TempDir();
        var options = Quick with { Epochs = 3, Select = "best-val-balanced-accuracy" };
        Predictions uninterrupted;
        using (var s = new Setup(perClass: 100))
        {
            s.Trainer(options, shared.File("a.safetensors")).Run();
            uninterrupted = s.Predict();
        }

        // Interrupted during epoch 2, as a signal would: the checkpoint of epoch 1 is what is left.
        using (var s = new Setup(perClass: 100))
        using (var cancel = new CancellationTokenSource())
        {
            var stopper = new StopAt(epoch: 2, cancel);
            Assert.Throws<OperationCanceledException>(() => s.Trainer(options, shared.File("b.safetensors"), stopper).Run(cancel.Token));
        }

        Assert.Contains("\"CompletedEpochs\":1", SafeTensors.ReadHeader(shared.File("b.safetensors")).Metadata["state"], StringComparison.Ordinal);
        Predictions resumed;
        using (var s = new Setup(perClass: 100))
        {
            // A new process: a freshly initialised model, then the checkpoint.
            var result = s.Trainer(options, shared.File("b.safetensors")).Run();
            Assert.Equal(3, result.State.CompletedEpochs);
            resumed = s.Predict();
        }

        Assert.Equal(uninterrupted.Predicted, resumed.Predicted);
        Assert.Equal(uninterrupted.Confidence, resumed.Confidence);
        Assert.Equal(uninterrupted.AlignmentMargin, resumed.AlignmentMargin);
    }

    [Fact]
    public void A_saved_checkpoint_loaded_again_reproduces_the_predictions()
    {
        using var s = new Setup(perClass: 60);
        s.Trainer(Quick with { Epochs = 2 }, s.File("ckpt.safetensors")).Run();
        var trained = s.Predict();

        using var t = new Setup(perClass: 60);
        Checkpoint.Load(s.File("ckpt.safetensors"), t.Classifier, optimizer: null);
        var reloaded = t.Predict();

        Assert.Equal(trained.Predicted, reloaded.Predicted);
        Assert.Equal(trained.Confidence, reloaded.Confidence);
    }

    [Fact]
    public void Linear_probe_trains_only_the_head()
    {
        using var s = new Setup(TrainMode.LinearProbe, perClass: 60);
        var tower = s.Model.vision_model.parameters().First().clone();

        s.Trainer(Quick with { Epochs = 2 }).Run();

        Assert.True(tower.allclose(s.Model.vision_model.parameters().First(), 0, 0));
        Assert.Equal(2, s.Classifier.TrainableParameters().Count);
        tower.Dispose();
    }

    [Fact]
    public void Zero_shot_does_not_train()
    {
        using var s = new Setup(TrainMode.ZeroShot, perClass: 20);
        var before = s.Predict();

        var result = s.Trainer(Quick with { Mode = TrainMode.ZeroShot }).Run();

        Assert.Equal(0, result.State.GlobalStep);
        Assert.Equal(before.Predicted, s.Predict().Predicted);
    }

    [Fact]
    public void The_vit_image_tower_learns_too()
    {
        using var s = new Setup(arch: "tiny-clip");

        var result = s.Trainer(Quick).Run();

        Assert.True(result.State.Log[^1].Loss < result.State.Log[0].Loss * 0.9);
        Assert.True(AccuracyOf(s.Predict()) > 0.3);
    }
}
