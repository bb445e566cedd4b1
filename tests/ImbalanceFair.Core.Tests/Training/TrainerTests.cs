using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Core.Training;
using ImbalanceFair.Torch;
using ImbalanceFair.Torch.Serialization;

namespace ImbalanceFair.Core.Tests.Training;

public class TrainerTests
{
    /// <summary>Procedural shapes, 6 classes of 16x16 images: small enough for a few CPU seconds of training.</summary>
    private sealed class Setup : IDisposable
    {
        private readonly TempDir _dir = new();

        public Setup(TrainMode mode = TrainMode.TextHead, string arch = "tiny-clip")
        {
            var path = _dir.Write("shapes.yaml", """
                name: shapes-test
                format: procedural
                source: {generator: shapes, seed: 1, train_per_class: 60, test_per_class: 20}
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

        public Trainer Trainer(TrainOptions options, string? checkpoint = null) =>
            new(Classifier, new FixedTrainingSet(Data.Train.Images, Data.Train.Labels, Descriptor.NumClasses),
                new ValidationSet(Data.Test.Images, Data.Test.Labels, Data.Test.LabelsHost), options, seed: 0)
            {
                CheckpointPath = checkpoint,
                TrainLogPath = File("train_log.csv"),
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

    private static readonly TrainOptions Quick = new()
    {
        Epochs = 4, BatchSize = 32, Optimizer = new OptimizerOptions { Lr = 3e-3 }, Schedule = new ScheduleOptions { WarmupSteps = 5 }, LogEvery = 2,
    };

    private static double AccuracyOf(Predictions p) => p.Labels.Zip(p.Predicted).Count(x => x.First == x.Second) / (double)p.Count;

    [Fact]
    public void On_shapes_the_loss_falls_and_accuracy_ends_far_above_chance()
    {
        using var s = new Setup();
        var before = AccuracyOf(s.Predict());

        var result = s.Trainer(Quick).Run();
        var after = AccuracyOf(s.Predict());

        var log = result.State.Log;
        Assert.True(log[^1].Loss < log[0].Loss * 0.6, $"loss {log[0].Loss:F3} → {log[^1].Loss:F3}");
        Assert.True(after > 0.6, $"test accuracy {after:P0} (chance is 17%, before training {before:P0})");
        var (header, rows) = Results.CsvFile.Read(s.File("train_log.csv"));
        Assert.Equal(["epoch", "step", "loss", "lr", "images_per_second", "elapsed_seconds"], header);
        Assert.Equal(log.Count, rows.Count);
        Assert.Equal(4 * 12, result.State.GlobalStep);
    }

    [Fact]
    public void A_run_stopped_after_an_epoch_and_resumed_predicts_exactly_like_an_uninterrupted_run()
    {
        Predictions uninterrupted;
        using (var s = new Setup())
        {
            s.Trainer(Quick with { Select = "best-val-balanced-accuracy" }, s.File("ckpt.safetensors")).Run();
            uninterrupted = s.Predict();
        }

        Predictions resumed;
        using (var s = new Setup())
        {
            var checkpoint = s.File("ckpt.safetensors");
            // "Interrupted" after epoch 2: a run configured for 2 epochs leaves exactly that checkpoint.
            s.Trainer(Quick with { Select = "best-val-balanced-accuracy", Epochs = 2 }, checkpoint).Run();
            var state = SafeTensors.ReadHeader(checkpoint).Metadata["state"];
            Assert.Contains("\"CompletedEpochs\":2", state, StringComparison.Ordinal);
        }

        using (var s = new Setup())
        {
            // A new process: fresh model, then the checkpoint of the interrupted run.
            var checkpoint = s.File("ckpt.safetensors");
            File.Copy(checkpoint + "", checkpoint, overwrite: true);
        }

        using (var s = new Setup())
        {
            s.Trainer(Quick with { Select = "best-val-balanced-accuracy", Epochs = 2 }, s.File("ckpt.safetensors")).Run();
            var result = s.Trainer(Quick with { Select = "best-val-balanced-accuracy" }, s.File("ckpt.safetensors")).Run();
            Assert.Equal(4, result.State.CompletedEpochs);
            resumed = s.Predict();
        }

        Assert.Equal(uninterrupted.Predicted, resumed.Predicted);
        Assert.Equal(uninterrupted.Confidence, resumed.Confidence);
        Assert.Equal(uninterrupted.AlignmentMargin, resumed.AlignmentMargin);
    }

    [Fact]
    public void A_saved_checkpoint_loaded_again_reproduces_the_predictions()
    {
        using var s = new Setup();
        s.Trainer(Quick with { Epochs = 2 }, s.File("ckpt.safetensors")).Run();
        var trained = s.Predict();

        using var t = new Setup();
        Checkpoint.Load(s.File("ckpt.safetensors"), t.Classifier, optimizer: null);
        var reloaded = t.Predict();

        Assert.Equal(trained.Predicted, reloaded.Predicted);
        Assert.Equal(trained.Confidence, reloaded.Confidence);
    }

    [Fact]
    public void Linear_probe_trains_only_the_head()
    {
        using var s = new Setup(TrainMode.LinearProbe);
        var tower = s.Model.vision_model.parameters().First().clone();

        s.Trainer(Quick with { Epochs = 2 }).Run();

        Assert.True(tower.allclose(s.Model.vision_model.parameters().First(), 0, 0));
        Assert.Equal(2, s.Classifier.TrainableParameters().Count);
        tower.Dispose();
    }

    [Fact]
    public void Zero_shot_does_not_train()
    {
        using var s = new Setup(TrainMode.ZeroShot);
        var before = s.Predict();

        var result = s.Trainer(Quick with { Mode = TrainMode.ZeroShot }).Run();

        Assert.Equal(0, result.State.GlobalStep);
        Assert.Equal(before.Predicted, s.Predict().Predicted);
    }

    [Fact]
    public void The_conv_image_tower_trains_too()
    {
        using var s = new Setup(arch: "tiny-clip-conv");

        s.Trainer(Quick).Run();

        Assert.True(AccuracyOf(s.Predict()) > 0.6);
    }
}
