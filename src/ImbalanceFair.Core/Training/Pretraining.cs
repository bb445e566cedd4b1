using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;
using ImbalanceFair.Torch.Serialization;
using Serilog;

namespace ImbalanceFair.Core.Training;

/// <summary>
/// <c>model.init: pretrained</c> without a model hub: contrastive image–text pre-training on a class-balanced
/// pool of training images reserved before the split (so the run's split never sees them, and every imbalance
/// ratio and strategy starts from the same model). Captions are class prompts from a random template; images that
/// share a class are all positives for its caption and vice versa (the multi-positive InfoNCE of UniCL/SupCon), in
/// both directions as in CLIP. The result is cached by a hash of everything it depends on.
/// </summary>
public static class Pretraining
{
    public sealed record Options
    {
        /// <summary>Images per class reserved for pre-training.</summary>
        public int PerClass { get; init; } = 300;

        public int Epochs { get; init; } = 15;

        public int BatchSize { get; init; } = 256;

        public double Lr { get; init; } = 2e-3;

        /// <summary>Pre-training has its own fixed seed: one "pretrained checkpoint" shared by every run.</summary>
        public long Seed { get; init; }
    }

    /// <summary>The reserved pool: <paramref name="perClass"/> indices of each class of the train part, fixed by the seed.</summary>
    public static long[] Pool(long[] trainLabels, int classes, int perClass, long seed)
    {
        ArgumentNullException.ThrowIfNull(trainLabels);
        var pool = new List<long>();
        for (var c = 0; c < classes; c++)
        {
            var members = Enumerable.Range(0, trainLabels.Length).Where(i => trainLabels[i] == c).Select(i => (long)i).ToArray();
            if (members.Length < perClass * 2)
            {
                throw new ArgumentException($"class {c} has {members.Length} training images; pre-training reserves {perClass} and the split needs the rest: lower the pool size");
            }

            new SeededRandom(seed, 5000 + c).Shuffle(members.AsSpan());
            pool.AddRange(members.Take(perClass));
        }

        pool.Sort();
        return [.. pool];
    }

    /// <summary>Loads the cached pre-trained weights into <paramref name="model"/>, or pre-trains and caches them.</summary>
    public static void Initialise(ClipModel model, PromptTokenizer tokenizer, ImageDataset data, long[] pool, Options options, Device device, string cacheDir, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(log);
        var path = Path.Combine(cacheDir, "pretrained", $"{data.Descriptor.Name}-{Key(model.Config, data, pool, options, device)}.safetensors");
        if (File.Exists(path))
        {
            log.Information("Pre-trained weights from the cache: {Path}", path);
            SafeTensors.LoadStateDict(model, path);
            return;
        }

        log.Information("Pre-training {Arch} on a balanced pool of {Count} images ({PerClass} per class); cached at {Path}",
            model.Config.ImageTower, pool.Length, options.PerClass, path);

        // Its own model and seed, and the caller's generator left as it was: the result depends only on the key,
        // and a run behaves the same whether the cache was warm or not.
        using (var rngState = torch.get_rng_state())
        {
            torch.manual_seed((ulong)options.Seed);
            using var fresh = new ClipModel(model.Config, data.Descriptor.Mean, data.Descriptor.Std);
            Train(fresh, tokenizer, data, pool, options, device, log);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            SafeTensors.SaveStateDict(fresh, path, new Dictionary<string, string> { ["dataset"] = data.Descriptor.Name, ["pool"] = pool.Length.ToString(CultureInfo.InvariantCulture) });
            torch.set_rng_state(rngState);
        }

        SafeTensors.LoadStateDict(model, path);
    }

    internal static string Key(ClipConfig config, ImageDataset data, long[] pool, Options options, Device device)
    {
        var text = new StringBuilder("imbfair-pretrain-v2\n")
            .Append(config).Append('\n').Append(options).Append('\n')
            .Append(TorchRuntime.NumericsKey(device)).Append('\n')
            .Append(data.Descriptor.Name).Append('|').AppendJoin('\u001f', data.Descriptor.Classes).Append('|').AppendJoin('\u001f', data.Descriptor.Prompts).Append('\n')
            .AppendJoin(',', pool).Append('\n');
        using (var scope = torch.NewDisposeScope())
        {
            // The pool's pixels themselves: a changed dataset is a new key.
            var images = data.Train.Images.index_select(0, torch.from_array<long>(pool, [pool.Length]));
            text.Append(Convert.ToHexStringLower(SHA256.HashData(images.ToBytes())));
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private static void Train(ClipModel model, PromptTokenizer tokenizer, ImageDataset data, long[] pool, Options options, Device device, ILogger log)
    {
        var templates = data.Descriptor.Prompts.Count;
        model.to(device);
        model.train();
        using var outer = torch.NewDisposeScope();
        var poolIdx = torch.from_array<long>(pool, [pool.Length]);
        var images = data.Train.Images.index_select(0, poolIdx).to(device);
        var labels = data.Train.Labels.index_select(0, poolIdx).to(device);
        var prompts = tokenizer.EncodeBatch(PromptTokenizer.Prompts(data.Descriptor.Classes, data.Descriptor.Prompts).SelectMany(p => p).ToList(), device);
        var steps = options.Epochs * ((pool.Length + options.BatchSize - 1) / options.BatchSize);
        using var optimizer = new optim.AdamW(model.parameters(), lr: options.Lr, weight_decay: 0.05);
        var schedule = optim.lr_scheduler.get_cosine_schedule_with_warmup(optimizer, Math.Min(50, steps / 10), steps);
        var rng = new SeededRandom(options.Seed, 6000);
        var bf16 = device.IsCuda;
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            var order = Enumerable.Range(0, pool.Length).Select(i => (long)i).ToArray();
            rng.Shuffle(order.AsSpan());
            double total = 0;
            var batches = 0;
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                RunCancellation.ThrowIfStopped();
                using var scope = torch.NewDisposeScope();
                var len = Math.Min(options.BatchSize, order.Length - start);
                var idx = torch.from_array<long>(order.AsSpan(start, len), [len], device);
                var x = images.index_select(0, idx).to(ScalarType.Float32) / 255.0;
                var y = labels.index_select(0, idx);
                // One caption per image: its class's prompt under a random template. Captions repeat (there are only
                // classes × templates of them), so the text tower encodes each distinct prompt once and the batch gathers.
                var template = torch.randint(0, templates, [len], device: device);
                var captions = (y * templates) + template;
                Tensor loss;
                using (torch.autocast(bf16))
                {
                    var img = nn.functional.normalize(model.encode_image(x), dim: -1).to(ScalarType.Float32);
                    var txt = nn.functional.normalize(model.encode_text(prompts), dim: -1).to(ScalarType.Float32).index_select(0, captions);
                    var logits = img.matmul(txt.t()) * model.Scale();
                    var positives = y.unsqueeze(1).eq(y.unsqueeze(0)).to(ScalarType.Float32);
                    var targets = positives / positives.sum(1, keepdim: true);
                    var imageToText = -(targets * nn.functional.log_softmax(logits, 1)).sum(1).mean();
                    var textToImage = -(targets * nn.functional.log_softmax(logits.t(), 1)).sum(1).mean();
                    loss = (imageToText + textToImage) / 2;
                }

                optimizer.zero_grad();
                loss.backward();
                nn.utils.clip_grad_norm_(optimizer.Parameters, 1.0);
                optimizer.step();
                schedule.step();
                total += loss.item();
                batches++;
            }

            log.Debug("Pre-training epoch {Epoch}/{Epochs}: contrastive loss {Loss:F4}", epoch + 1, options.Epochs, total / batches);
        }

        model.eval();
    }
}
