using ImbalanceFair.Core.Data;
using ImbalanceFair.Torch;
using ImbalanceFair.Torch.Serialization;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Core.Augmentation.Diffusion;

/// <summary>
/// The independent classifier behind <c>generator.csv</c>'s class consistency: a small CNN (two 3×3 convolutions of 32,
/// max-pool, two of 64, global max-pool, linear; ReLU between), unrelated to the run's CLIP model and to the generator, trained from its own seed on
/// real, class-balanced images that neither the run nor the generator trained on. Pixels enter as x/255 − ½.
/// </summary>
public sealed class JudgeClassifier : nn.Module
{
    private const long OrderStream = 14000;

    public JudgeClassifier(long channels, long classes)
    {
        conv1 = RegisterModule("conv1", new nn.Conv2d(channels, 32, 3, padding: 1));
        conv2 = RegisterModule("conv2", new nn.Conv2d(32, 32, 3, padding: 1));
        conv3 = RegisterModule("conv3", new nn.Conv2d(32, 64, 3, padding: 1));
        conv4 = RegisterModule("conv4", new nn.Conv2d(64, 64, 3, padding: 1));
        fc = RegisterModule("fc", new nn.Linear(64, classes));
    }

    public nn.Conv2d conv1 { get; }

    public nn.Conv2d conv2 { get; }

    public nn.Conv2d conv3 { get; }

    public nn.Conv2d conv4 { get; }

    public nn.Linear fc { get; }

    /// <summary>Logits for uint8 images [N, C, H, W].</summary>
    public Tensor forward(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = torch.NewDisposeScope();
        var x = (images.to(ScalarType.Float32) / 255.0) - 0.5;
        x = F.max_pool2d(F.relu(conv2.forward(F.relu(conv1.forward(x)))), 2);
        x = F.relu(conv4.forward(F.relu(conv3.forward(x))));
        // Global max: "is the pattern anywhere", which suits objects at varying positions better than the average.
        x = x.flatten(2).max(2).values;
        return fc.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>Predicted classes, in batches, without gradients.</summary>
    public long[] Predict(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        eval();
        using var noGrad = torch.no_grad();
        var result = new List<long>();
        for (long start = 0; start < images.size(0); start += 512)
        {
            using var scope = torch.NewDisposeScope();
            var len = Math.Min(512, images.size(0) - start);
            result.AddRange(forward(images.narrow(0, start, len)).argmax(1).cpu().ToArray<long>());
        }

        return [.. result];
    }

    /// <summary>
    /// The judge for these images, from the generator cache folder (<c>&lt;dataset&gt;-judge-&lt;key&gt;.safetensors</c>,
    /// keyed by the images' pixels and labels, the seed and the numerics as <see cref="GeneratorCache.Key"/>), or trained and
    /// cached (SafeTensors writes atomically).
    /// </summary>
    public static JudgeClassifier LoadOrTrain(string directory, string dataset, Tensor images, long[] labels, int classes, long seed, Device device, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        var key = GeneratorCache.Key(dataset, ["judge-v1", classes.ToString(System.Globalization.CultureInfo.InvariantCulture)], images, labels, new GeneratorOptions { Seed = seed }, device);
        var path = Path.Combine(directory, $"{dataset}-judge-{key}.safetensors");
        if (File.Exists(path))
        {
            var cached = new JudgeClassifier(images.size(1), classes);
            SafeTensors.LoadStateDict(cached, path);
            cached.to(device);
            cached.eval();
            return cached;
        }

        var judge = Train(images, labels, classes, seed, cancel: cancel);
        Directory.CreateDirectory(directory);
        SafeTensors.SaveStateDict(judge, path);
        return judge;
    }

    /// <summary>Trains a fresh judge (own seed; the caller's generator restored) for <paramref name="epochs"/> epochs of AdamW.</summary>
    public static JudgeClassifier Train(Tensor images, long[] labels, int classes, long seed, int epochs = 15, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        using var rngState = torch.get_rng_state();
        torch.manual_seed((ulong)seed);
        var judge = new JudgeClassifier(images.size(1), classes);
        judge.to(images.device);
        judge.train();
        using (var outer = torch.NewDisposeScope())
        {
            var y = torch.from_array<long>(labels, [labels.Length], images.device);
            using var optimizer = new optim.AdamW(judge.parameters(), lr: 3e-3, weight_decay: 1e-4);
            var rng = new SeededRandom(seed, OrderStream);
            var order = Enumerable.Range(0, labels.Length).Select(i => (long)i).ToArray();
            for (var epoch = 0; epoch < epochs; epoch++)
            {
                rng.Shuffle(order.AsSpan());
                for (var start = 0; start < order.Length; start += 64)
                {
                    cancel.ThrowIfCancellationRequested();
                    using var scope = torch.NewDisposeScope();
                    var len = Math.Min(64, order.Length - start);
                    var idx = torch.from_array<long>(order.AsSpan(start, len), [len], images.device);
                    var loss = F.cross_entropy(judge.forward(images.index_select(0, idx)), y.index_select(0, idx));
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                }
            }
        }

        torch.set_rng_state(rngState);
        judge.eval();
        return judge;
    }
}
