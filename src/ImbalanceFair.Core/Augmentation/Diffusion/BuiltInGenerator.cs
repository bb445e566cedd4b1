using System.Globalization;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation.Diffusion;

/// <summary>
/// <c>augment.diffusion.source: generate</c>: picks the generator's training images (<c>train_on</c>), loads or trains
/// the generator (<see cref="GeneratorCache"/>), takes the first n images of each class from its bank, and measures
/// them (<see cref="GeneratorQuality"/>, written as <c>generator.csv</c> in the run folder) with a judge trained on
/// real, class-balanced images outside both the run's split and the generator's training set: up to
/// <see cref="JudgePerClass"/> of each class, a fifth of them held out to measure the judge itself.
/// </summary>
public static class BuiltInGenerator
{
    public const string SourceValue = "generate";
    public const string QualityFile = "generator.csv";
    public const int JudgePerClass = 200;
    public const int JudgeMinPerClass = 10;
    private const long JudgeStream = 15000;

    /// <summary>The generator's options when the run uses it (strategy diffusion, source generate), else null.</summary>
    public static GeneratorOptions? Wanted(AugmentOptions augment)
    {
        ArgumentNullException.ThrowIfNull(augment);
        return augment.Strategy == "diffusion" && augment.Section<DiffusionOptions>() is { Source: SourceValue } o ? o.Generator : null;
    }

    /// <summary>The generator's inputs for a run: the train part, the reserved pool, what the split uses, the folders.</summary>
    public static GeneratorInputs Inputs(ImagePart train, long[]? pool, Data.Split.DataSplit split, string cacheDirectory, string runDirectory)
    {
        ArgumentNullException.ThrowIfNull(split);
        var used = split.ValFromSource ? split.TrainIndices : [.. split.TrainIndices, .. split.ValIndices];
        return new GeneratorInputs(train, pool, used, cacheDirectory, runDirectory);
    }

    internal static GeneratedImages Generate(GeneratorOptions options, AugmentContext context, RealTrainingData real, long[] needed)
    {
        var inputs = context.Generator;
        var d = context.Descriptor;
        var log = context.Log;
        var cancel = context.Cancel;
        using var scope = torch.NewDisposeScope();
        Tensor images;
        long[] labels;
        if (options.TrainOn == "pool")
        {
            if (inputs?.Pool is not { } pool)
            {
                throw new ConfigException("augment.diffusion.generator.train_on: pool needs the reserved pool, which this run did not reserve");
            }

            var idx = torch.from_array<long>(pool, [pool.Length]);
            images = inputs.Source.Images.index_select(0, idx).to(context.Device);
            labels = pool.Select(i => inputs.Source.LabelsHost[i]).ToArray();
        }
        else
        {
            // The split's images as the dataset has them (a colour attribute tints the run's copies; the generator's
            // images are tinted as the run's are, DiffusionAugmentation.Tinted). Without inputs (unit tests), the run's.
            images = inputs is null ? real.Images
                : inputs.Source.Images.index_select(0, torch.from_array<long>(real.OriginalIndices, [real.OriginalIndices.Length])).to(context.Device);
            labels = real.LabelsHost;
        }

        var cache = new GeneratorCache(inputs?.CacheDirectory ?? new DatasetCache().Directory);
        var key = GeneratorCache.Key(d.Name, d.Classes, images, labels, options, context.Device);
        using var model = cache.LoadOrTrain(d.Name, key, images, labels, d.NumClasses, options, context.Device, log, cancel);
        var bank = cache.Bank(cache.BankPath(d.Name, key, options), model, needed, d.Height, d.Width, options, context.Device, log, cancel);
        var used = bank.Select((b, c) => b.narrow(0, 0, Math.Max(0, needed[c])).DetachFromDisposeScope()).ToArray();
        foreach (var b in bank)
        {
            b.Dispose();
        }

        var generated = new GeneratedImages(used, $"the built-in generator ({cache.ModelPath(d.Name, key)})");
        if (inputs?.RunDirectory is { } runDir)
        {
            WriteQuality(Path.Combine(runDir, QualityFile), generated, images, labels, options, context, inputs);
        }

        return generated;
    }

    private static void WriteQuality(string path, GeneratedImages generated, Tensor train, long[] trainLabels, GeneratorOptions options, AugmentContext context, GeneratorInputs inputs)
    {
        var d = context.Descriptor;
        var (judge, accuracy) = Judge(options, context, inputs);
        using (judge)
        {
            var rows = GeneratorQuality.Measure([.. generated.ByClass], train, trainLabels, d.Classes, judge, accuracy);
            GeneratorQuality.Write(path, rows);
            foreach (var r in rows.Where(r => r.Generated > 0))
            {
                context.Log.Information("generator: {Class}: {Generated} images, consistency {Consistency}, near-copies {NearCopies}, diversity {Diversity}",
                    r.Name, r.Generated, Show(r.Consistency), Show(r.NearCopyShare), Show(r.Diversity));
            }
        }
    }

    private static string Show(double? v) => v is { } x ? x.ToString("F3", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>The judge and its per-class held-out accuracy, or (null, null) when some class lacks independent images.</summary>
    private static (JudgeClassifier? judge, double?[]? accuracy) Judge(GeneratorOptions options, AugmentContext context, GeneratorInputs inputs)
    {
        var source = inputs.Source;
        var classes = context.Descriptor.NumClasses;
        var excluded = new HashSet<long>(inputs.Used);
        excluded.UnionWith(inputs.Pool ?? []);
        var fit = new List<long>();
        var held = new List<long>();
        for (var c = 0; c < classes; c++)
        {
            var members = Enumerable.Range(0, source.Count).Where(i => source.LabelsHost[i] == c && !excluded.Contains(i)).Select(i => (long)i).ToArray();
            if (members.Length < JudgeMinPerClass)
            {
                context.Log.Warning("generator: class {Class} has {Count} real images outside the run and the generator (fewer than {Min}): generator.csv has no class consistency",
                    context.Descriptor.Classes[c], members.Length, JudgeMinPerClass);
                return (null, null);
            }

            new SeededRandom(options.Seed, JudgeStream + c).Shuffle(members.AsSpan());
            var take = Math.Min(JudgePerClass, members.Length);
            var holdout = Math.Max(2, take / 5);
            held.AddRange(members.Take(holdout));
            fit.AddRange(members.Skip(holdout).Take(take - holdout));
        }

        using var scope = torch.NewDisposeScope();
        var fitImages = source.Images.index_select(0, torch.from_array<long>([.. fit], [fit.Count])).to(context.Device);
        var fitLabels = fit.Select(i => source.LabelsHost[i]).ToArray();
        var judge = JudgeClassifier.LoadOrTrain(new GeneratorCache(inputs.CacheDirectory).Directory, context.Descriptor.Name, fitImages, fitLabels, classes, options.Seed, context.Device, context.Cancel);
        var heldImages = source.Images.index_select(0, torch.from_array<long>([.. held], [held.Count])).to(context.Device);
        var predicted = judge.Predict(heldImages);
        var accuracy = new double?[classes];
        for (var c = 0; c < classes; c++)
        {
            var of = Enumerable.Range(0, held.Count).Where(i => source.LabelsHost[held[i]] == c).ToArray();
            accuracy[c] = of.Count(i => predicted[i] == c) / (double)of.Length;
        }

        context.Log.Information("generator: judge (small CNN) trained on {Fit} independent real images, {Accuracy:F3} accuracy on {Held} held out",
            fit.Count, accuracy.Average(a => a!.Value), held.Count);
        return (judge, accuracy);
    }
}
