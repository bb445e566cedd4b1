using ImbalanceFair.Tests.Shared;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Core.Training;
using ImbalanceFair.Torch;
using Xunit.Abstractions;

namespace ImbalanceFair.Core.Tests.Training;

public class PretrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void Zero_shot_accuracy_of_a_pretrained_model_on_fashion_mnist_is_far_above_chance()
    {
        using var dir = new TempDir();
        var d = DatasetDescriptor.Load(Path.Combine(Repo.Root, "datasets", "fashion-mnist.yaml"));
        using var data = new DatasetCache().Load(d);
        var tokenizer = PromptTokenizer.Build(d.Classes, d.Prompts);
        // A smaller pool than the default keeps the test short; the code path is the same.
        var options = new Pretraining.Options { PerClass = 150, Epochs = 12 };
        var pool = Pretraining.Pool(data.Train.LabelsHost, d.NumClasses, options.PerClass, options.Seed);
        torch.manual_seed(0);
        using var model = new ClipModel(ClipPresets.For("tiny-clip-conv", 28, tokenizer.VocabSize, tokenizer.ContextLength), d.Mean, d.Std);

        var sw = System.Diagnostics.Stopwatch.StartNew();
        Pretraining.Initialise(model, tokenizer, data, pool, options, Device.CPU, dir.Path, Serilog.Core.Logger.None);
        output.WriteLine($"pre-training took {sw.Elapsed.TotalSeconds:F1} s");
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, "pretrained"), "*.safetensors"));
        var weights = model.visual_projection.weight.ToArray<float>();

        // The second time, the cache answers with the same weights, whatever the caller's model held before.
        torch.manual_seed(99);
        using (var other = new ClipModel(model.Config, d.Mean, d.Std))
        {
            Pretraining.Initialise(other, tokenizer, data, pool, options, Device.CPU, dir.Path, Serilog.Core.Logger.None);
            Assert.Equal(weights, other.visual_projection.weight.ToArray<float>());
        }

        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, "pretrained"), "*.safetensors"));
        // Weights made under other numerics (the shim's fused kernels off, another device type) are another cache entry,
        // so a warm run never mixes them with this build's: the key changes with them and stays put otherwise.
        var key = Pretraining.Key(model.Config, data, pool, options, Device.CPU);
        Assert.Equal(key, Pretraining.Key(model.Config, data, pool, options, Device.CPU));
        Assert.NotEqual(key, Pretraining.Key(model.Config, data, pool, options, Device.CUDA));
        var kernels = torch.native_kernels_enabled();
        try
        {
            torch.set_native_kernels(!kernels);
            Assert.NotEqual(key, Pretraining.Key(model.Config, data, pool, options, Device.CPU));
        }
        finally
        {
            torch.set_native_kernels(kernels);
        }

        // The GEMM route too: where float32 GEMMs ran on oneDNN, the BLAS route is another entry.
        var routed = torch.gemm_backend() == "onednn";
        try
        {
            torch.set_onednn_gemm(false);
            Assert.Equal(!routed, key == Pretraining.Key(model.Config, data, pool, options, Device.CPU));
        }
        finally
        {
            torch.set_onednn_gemm(true);
        }

        Assert.Empty(pool.Intersect(data.BuildSplit(new(), 0.1, 0, reserved: pool).TrainIndices));

        using var classifier = new ClipClassifier(model, tokenizer, d.Classes, d.Prompts, TrainMode.ZeroShot, Device.CPU);
        using var scope = torch.NewDisposeScope();
        var test = data.Test.Images.narrow(0, 0, 2000);
        var labels = data.Test.Labels.narrow(0, 0, 2000);
        var p = Evaluation.Predict(classifier, test, labels);
        var accuracy = p.Labels.Zip(p.Predicted).Count(x => x.First == x.Second) / (double)p.Count;
        output.WriteLine($"zero-shot accuracy {accuracy:P1}");
        Assert.True(accuracy > 0.5, $"zero-shot accuracy {accuracy:P1} (chance 10%)");
    }
}
