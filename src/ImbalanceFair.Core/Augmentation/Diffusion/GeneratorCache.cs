using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Torch;
using ImbalanceFair.Torch.Serialization;
using Serilog;

namespace ImbalanceFair.Core.Augmentation.Diffusion;

/// <summary>
/// Trained generators and their image banks, kept in the dataset cache's <c>generators/</c> folder beside
/// pre-training's <c>pretrained/</c> and keyed the same way (see <c>Pretraining.Key</c>): a hash of the training
/// images' pixels and labels, the generator settings and the numerics (<see cref="TorchRuntime.NumericsKey"/>), so a
/// sweep trains one generator per distinct training set, and a warm run equals a cold one.
/// <list type="bullet">
/// <item><c>&lt;dataset&gt;-&lt;key&gt;.safetensors</c>: the moving-average weights, written (to a temporary name,
/// then renamed) only once training has finished, so a cancelled or crashed training leaves nothing that looks
/// done.</item>
/// <item><c>&lt;dataset&gt;-&lt;key&gt;-bank-&lt;bank key&gt;.safetensors</c>: per class (<c>class_&lt;c&gt;</c>, uint8
/// [n, C, H, W]) the images generated so far, in chunks of <see cref="Chunk"/>. Chunk j of class c always starts from
/// the same noise (seeded by the generator seed, c and j) and is sampled as one batch, so the bank is the same whether it
/// grew in one run or over many; a run takes the first n images of each class.</item>
/// </list>
/// </summary>
public sealed class GeneratorCache
{
    public const int Chunk = 64;
    private const long NoiseStream = 20_000_000;

    public GeneratorCache(string cacheDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        Directory = Path.Combine(cacheDirectory, "generators");
    }

    public string Directory { get; }

    /// <summary>The content key of a generator trained on these images with these settings on this device.</summary>
    public static string Key(string dataset, IReadOnlyList<string> classNames, Tensor images, long[] labels, GeneratorOptions options, Device device)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        var text = new StringBuilder("imbfair-generator-v1\n")
            .Append(options.ModelKeyText()).Append('\n')
            .Append(TorchRuntime.NumericsKey(device)).Append('\n')
            .Append(dataset).Append('|').AppendJoin('\u001f', classNames).Append('\n')
            .Append(string.Join(',', images.shape)).Append('\n')
            .AppendJoin(',', labels).Append('\n');
        using (var scope = torch.NewDisposeScope())
        {
            text.Append(Convert.ToHexStringLower(SHA256.HashData(images.cpu().contiguous().ToBytes())));
        }

        return Hash(text.ToString());
    }

    public string ModelPath(string dataset, string key) => Path.Combine(Directory, $"{dataset}-{key}.safetensors");

    public string BankPath(string dataset, string key, GeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.Combine(Directory, $"{dataset}-{key}-bank-{Hash(options.BankKeyText())[..8]}.safetensors");
    }

    /// <summary>The cached generator for this key, or a freshly trained one, cached once training has finished.</summary>
    public Denoiser LoadOrTrain(string dataset, string key, Tensor images, long[] labels, int classes, GeneratorOptions options, Device device, ILogger log, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var path = ModelPath(dataset, key);
        if (File.Exists(path))
        {
            log.Information("generator: cached weights {Path}", path);
            var cached = new Denoiser(images.size(1), options.Channels, classes);
            SafeTensors.LoadStateDict(cached, path);
            cached.to(device);
            cached.eval();
            return cached;
        }

        log.Information("generator: training a {Channels}-channel U-Net on {Count} images ({Steps} steps of {Batch}, {Sampling} class sampling) on {Device}; cached at {Path}",
            options.Channels, labels.Length, options.TrainSteps, options.BatchSize, options.ClassSampling, device, path);
        var model = GeneratorTraining.Train(images, labels, classes, options, device, log, cancel);
        try
        {
            cancel.ThrowIfCancellationRequested();
            // Written atomically by SafeTensors (a temporary name, fsync, rename): a half-trained generator is never an entry.
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            SafeTensors.SaveStateDict(model, path, new Dictionary<string, string>
            {
                ["dataset"] = dataset, ["images"] = labels.Length.ToString(CultureInfo.InvariantCulture), ["options"] = options.ModelKeyText(),
            });
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Per class, at least <paramref name="needed"/>[c] generated images (uint8 [n, C, height, width] on the CPU, n a
    /// multiple of <see cref="Chunk"/>), from the bank file, generating and saving what it lacks.
    /// </summary>
    public Tensor[] Bank(string path, Denoiser model, long[] needed, long height, long width, GeneratorOptions options, Device device, ILogger log, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(needed);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var classes = needed.Length;
        var bank = new Tensor[classes];
        if (File.Exists(path))
        {
            using var file = SafeTensors.Load(path);
            for (var c = 0; c < classes; c++)
            {
                bank[c] = file.TryGetValue($"class_{c}", out var t) ? t.clone().DetachFromDisposeScope() : Empty(model, height, width);
            }
        }
        else
        {
            for (var c = 0; c < classes; c++)
            {
                bank[c] = Empty(model, height, width);
            }
        }

        var missing = Enumerable.Range(0, classes).Sum(c => Math.Max(0, ChunksFor(needed[c]) - (bank[c].size(0) / Chunk)));
        if (missing == 0)
        {
            log.Information("generator: {Count} banked images from {Path}", bank.Sum(b => b.size(0)), path);
            return bank;
        }

        var sampler = new DdimSampler(NoiseSchedule.Create(options.Schedule, options.Timesteps), options.SamplerSteps, options.Guidance, options.Prediction);
        log.Information("generator: sampling {Images} images ({Chunks} batches of {Chunk}, DDIM {Steps} steps, guidance {Guidance}) into {Path}",
            missing * Chunk, missing, Chunk, options.SamplerSteps, options.Guidance, path);
        var done = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var c = 0; c < classes; c++)
        {
            var chunks = new List<Tensor> { bank[c] };
            for (var j = bank[c].size(0) / Chunk; j < ChunksFor(needed[c]); j++)
            {
                chunks.Add(SampleChunk(model, sampler, c, (int)j, height, width, options, device, cancel));
                done++;
                log.Information("generator: sampled {Done}/{Total} batches ({Rate:F1} images/s)", done, missing, done * Chunk / clock.Elapsed.TotalSeconds);
            }

            if (chunks.Count > 1)
            {
                bank[c] = torch.cat([.. chunks], 0).DetachFromDisposeScope();
                foreach (var t in chunks)
                {
                    t.Dispose();
                }
            }
        }

        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        SafeTensors.Save(path, Enumerable.Range(0, classes).ToDictionary(c => $"class_{c}", c => bank[c]));
        return bank;
    }

    /// <summary>Chunk j of class c: its own seeded noise on the CPU (the same on every device), sampled in one batch.</summary>
    public static Tensor SampleChunk(Denoiser model, DdimSampler sampler, int c, int j, long height, long width, GeneratorOptions options, Device device, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(options);
        using var rngState = torch.get_rng_state();
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(new SeededRandom(options.Seed, NoiseStream + (c * 1_000_000L) + j).NextUInt64());
        var noise = torch.randn([Chunk, model.ImageChannels, GeneratorPixels.ModelSide(height), GeneratorPixels.ModelSide(width)]).to(device);
        torch.set_rng_state(rngState);
        var y = torch.full([Chunk], c, ScalarType.Int64, device);
        var x = sampler.Sample(model, noise, y, cancel);
        return GeneratorPixels.ToImages(x, height, width).cpu().MoveToOuterDisposeScope();
    }

    private static long ChunksFor(long n) => (Math.Max(0, n) + Chunk - 1) / Chunk;

    private static Tensor Empty(Denoiser model, long height, long width) =>
        torch.empty([0, model.ImageChannels, height, width], ScalarType.UInt8).DetachFromDisposeScope();

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
