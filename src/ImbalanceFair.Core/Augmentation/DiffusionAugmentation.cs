using System.Globalization;
using ImbalanceFair.Core.Augmentation.Diffusion;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data.Images;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// <c>diffusion</c>: imports externally generated images (a folder of class sub-folders or a manifest CSV
/// <c>path,label[,attribute]</c>, see <see cref="SyntheticPool"/>), decoded and resized to the dataset's channels and
/// size, or, with <c>source: generate</c>, makes them with the built-in class-conditional diffusion generator
/// (<see cref="BuiltInGenerator"/>, docs/diffusion.md), exactly as many of each class as the mode needs; recorded as <see cref="SampleSource.Synthetic"/> with parent −1. Two modes:
/// <list type="bullet">
/// <item><b>mix</b>: a class below its target receives up to (target − real count) synthetic images of its own class,
/// added to the real data once for the whole run. Classes at or above target receive none.</item>
/// <item><b>ffr</b> ("From Fake to Real", Hemmat et al. 2023): epochs 0 … k−1 train on a class-balanced synthetic set
/// alone (no real image); epochs k … end train on the real data alone (no synthetic image). k is
/// <c>ffr_epochs</c>, by default ⌈epochs / 2⌉. The balanced set has the same number K of images of every class: K is
/// the largest target (the head class's count, n_max under <c>target: balance</c>), so that pre-training sees as many
/// images per class as the balanced real set would; when some class has fewer than K synthetic images, K drops to
/// the smallest count available to every class (with a warning, or an error when strict), so that the set stays
/// exactly balanced. The balanced set is decoded once and reused every synthetic epoch.</item>
/// </list>
/// When a class has more images than it needs, the ones used are drawn without replacement by a
/// <see cref="SeededRandom"/> of the run seed (stream 9000 + class), then kept in the pool's order; a class with fewer
/// than it needs uses them all with a warning, or is an error naming the class and both counts when
/// <c>strict: true</c>. The source is scanned and images decoded at the first <see cref="Generate"/>, not when the
/// strategy is made.
/// </summary>
public sealed class DiffusionAugmentation : IAugmentationStrategy, IDisposable
{
    public static StrategyDefinition Definition { get; } = new("diffusion", DiffusionOptions.Section,
        (o, ctx) => new DiffusionAugmentation(o.Section<DiffusionOptions>(), ctx))
    {
        Check = (o, _) =>
        {
            var source = o.Section<DiffusionOptions>().Source;
            if (string.IsNullOrEmpty(source))
            {
                throw new ConfigException(
                    $"augment.diffusion.source: the diffusion strategy needs a folder of class sub-folders, a manifest CSV, or {BuiltInGenerator.SourceValue} (the built-in generator)");
            }

            if (source != BuiltInGenerator.SourceValue && !File.Exists(source) && !Directory.Exists(source))
            {
                throw new ConfigException($"augment.diffusion.source: '{source}' does not exist; name a folder of class sub-folders or a manifest CSV");
            }
        },
    };

    private const long SelectionStream = 9000;

    /// <summary>The tints of synthetic images under a colour attribute (one stream: mix and ffr each draw once per run).</summary>
    private const long TintStream = 9100;

    private readonly DiffusionOptions _options;
    private readonly AugmentContext _context;
    private ISyntheticImages? _pool;
    private AddedSamples? _pretraining;

    public DiffusionAugmentation(DiffusionOptions options, AugmentContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(options.Source))
        {
            throw new ConfigException(
                "augment.diffusion.source is required with augment.strategy: diffusion (a folder of class sub-folders, a manifest CSV path,label[,attribute], or generate)");
        }

        if (options.Source == BuiltInGenerator.SourceValue && options.Generator.Problems().FirstOrDefault() is { } problem)
        {
            throw new ConfigException(problem);
        }

        if (options.Mode is not ("mix" or "ffr"))
        {
            throw new ConfigException($"augment.diffusion.mode must be mix or ffr, not '{options.Mode}'");
        }

        if (options.Mode == "ffr" && options.FfrEpochs is { } k && (k < 0 || k > context.Epochs))
        {
            throw new ConfigException($"augment.diffusion.ffr_epochs must be between 0 and train.epochs ({context.Epochs}), not {k}");
        }

        _options = options;
        _context = context;
        Generates = options.Source == BuiltInGenerator.SourceValue;
        Source = Generates ? options.Source : Path.GetFullPath(options.Source);
        FfrEpochs = options.Mode == "ffr" ? options.FfrEpochs ?? DefaultFfrEpochs(context.Epochs) : 0;
    }

    public string Name => "diffusion";

    /// <summary>ffr changes the training set between its two stages, so it is asked at every epoch; mix only once.</summary>
    public bool RegeneratesEachEpoch => _options.Mode == "ffr";

    /// <summary>The synthetic images' folder or manifest, as a full path; or <c>generate</c>.</summary>
    public string Source { get; }

    /// <summary>Whether the images come from the built-in generator (<c>source: generate</c>) rather than files.</summary>
    public bool Generates { get; }

    /// <summary>With ffr: the epochs (from 0) trained on synthetic images only; 0 with mix.</summary>
    public int FfrEpochs { get; }

    /// <summary>⌈epochs / 2⌉.</summary>
    public static int DefaultFfrEpochs(int epochs) => (epochs + 1) / 2;

    public EpochAugmentation Generate(int epoch, RealTrainingData real, long[] targets, ClipClassifier model)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(targets);
        CheckGeometry(real);
        if (_options.Mode == "mix")
        {
            return new EpochAugmentation(Mix(real, targets));
        }

        if (epoch < FfrEpochs)
        {
            _pretraining ??= Balanced(real, targets);
            return new EpochAugmentation(Share(_pretraining), useReal: false);
        }

        if (_pretraining is not null || epoch == FfrEpochs)
        {
            _context.Log.Information("diffusion (ffr): epoch {Epoch} onwards fine-tunes on the {Count} real images only", epoch, real.Count);
        }

        _pretraining?.Dispose();
        _pretraining = null;
        return new EpochAugmentation(AddedSamples.Empty(real.Images));
    }

    public void Dispose()
    {
        _pretraining?.Dispose();
        _pretraining = null;
        (_pool as IDisposable)?.Dispose();
        _pool = null;
    }

    private IReadOnlyList<string> ClassNames => _context.Descriptor.Classes;

    /// <summary>
    /// The synthetic images: the files (scanned once), or the generator's, which makes <paramref name="needed"/>[c]
    /// images of each class (see <see cref="BuiltInGenerator"/>).
    /// </summary>
    private ISyntheticImages Pool(RealTrainingData real, long[] needed)
    {
        if (_pool is null)
        {
            _pool = Generates
                ? BuiltInGenerator.Generate(_options.Generator, _context, real, needed)
                : SyntheticPool.Scan(Source, ClassNames, _context.Descriptor.File);
            _context.Log.Information("diffusion: {Count} synthetic images from {Source} ({PerClass})",
                _pool.Counts.Sum(), _pool.Describe, PerClass(_pool.Counts));
        }

        return _pool;
    }

    /// <summary>mix: each class below target gets up to target − real of its synthetic images.</summary>
    private AddedSamples Mix(RealTrainingData real, long[] targets)
    {
        var pool = Pool(real, Enumerable.Range(0, real.Classes).Select(c => Math.Max(0, targets[c] - real.Counts[c])).ToArray());
        var picks = new List<(int label, int index)>();
        var added = new long[real.Classes];
        for (var c = 0; c < real.Classes; c++)
        {
            var need = targets[c] - real.Counts[c];
            if (need <= 0)
            {
                continue;
            }

            var available = (int)pool.Counts[c];
            if (available < need)
            {
                Short(pool, c, need, available, $"to reach its target of {targets[c]} ({real.Counts[c]} real)");
            }

            var chosen = Choose(c, available, (int)Math.Min(need, available));
            picks.AddRange(chosen.Select(index => (c, index)));
            added[c] = chosen.Count;
        }

        _context.Log.Information("diffusion (mix): adding {Count} synthetic images to the real data ({PerClass})", picks.Count, PerClass(added));
        return Tinted(pool.Take(picks, NativeShape, real.Images.device));
    }

    /// <summary>ffr's pre-training set: K images of every class (see the class summary for K).</summary>
    private AddedSamples Balanced(RealTrainingData real, long[] targets)
    {
        var k = targets.Max();
        var pool = Pool(real, Enumerable.Repeat(k, real.Classes).ToArray());
        var counts = pool.Counts;
        var shortClasses = Enumerable.Range(0, counts.Length).Where(c => counts[c] < k).ToList();
        if (shortClasses.Count > 0)
        {
            var empty = shortClasses.Where(c => counts[c] == 0).ToList();
            if (empty.Count > 0)
            {
                throw DataFormatException.For(pool.Describe,
                    $"no synthetic images of {Names(empty)}: mode ffr pre-trains on class-balanced synthetic data, which needs images of every class");
            }

            foreach (var c in shortClasses)
            {
                Short(pool, c, k, counts[c], "for ffr's class-balanced synthetic stage (the largest target)");
            }

            k = counts.Min();
            _context.Log.Warning("diffusion (ffr): the class-balanced synthetic set has {K} images per class, the most every class has", k);
        }

        var picks = new List<(int label, int index)>();
        for (var c = 0; c < counts.Length; c++)
        {
            picks.AddRange(Choose(c, (int)counts[c], (int)k).Select(index => (c, index)));
        }

        _context.Log.Information(
            "diffusion (ffr): epochs 0-{Last} train on {Count} class-balanced synthetic images ({PerClass} per class) without real images; the remaining epochs on the real images only",
            FfrEpochs - 1, picks.Count, k);
        return Tinted(pool.Take(picks, NativeShape, real.Images.device));
    }

    /// <summary>A class with fewer images than it needs: an error when strict, else a warning (and all of them are used).</summary>
    private void Short(ISyntheticImages pool, int c, long need, long available, string why)
    {
        if (_options.Strict)
        {
            throw DataFormatException.For(pool.Describe,
                $"class '{ClassNames[c]}' needs {need} synthetic images {why}, but the source has {available} " +
                "(augment.diffusion.strict is true; with strict: false the available ones are used and a warning is logged)");
        }

        _context.Log.Warning("diffusion: class {Class} needs {Needed} synthetic images {Why:l}, but {Source} has only {Available}: using them all",
            ClassNames[c], need, why, pool.Describe, available);
    }

    /// <summary>n of a class's <paramref name="available"/> images (positions): all when n covers them, else a seeded draw kept in order.</summary>
    private List<int> Choose(int c, int available, int n)
    {
        var order = Enumerable.Range(0, available).ToArray();
        if (n >= available)
        {
            return [.. order];
        }

        new SeededRandom(_context.Seed, SelectionStream + c).Shuffle(order.AsSpan());
        var chosen = order[..n];
        Array.Sort(chosen);
        return [.. chosen];
    }

    /// <summary>A second handle on the same tensors, so that the trainer disposing an epoch's additions leaves the cache alive.</summary>
    private static AddedSamples Share(AddedSamples s)
    {
        using var scope = torch.NewDisposeScope();
        return new AddedSamples(s.Images.alias(), s.Labels.alias(), s.Source, s.Parent, s.Neighbor, s.Lambda);
    }

    /// <summary>[C, H, W] of the dataset's own images: what the files are decoded to and the generator makes.</summary>
    private long[] NativeShape => [_context.Descriptor.Channels, _context.Descriptor.Height, _context.Descriptor.Width];

    private bool ColorTinted => _context.Attribute is { Kind: "color" };

    /// <summary>
    /// Under a colour attribute the run's real images are tinted (Colored-MNIST style), and synthetic ones, which have
    /// no parent to take a tint from, are tinted by the training images' own rule (the class's colour with probability
    /// <c>correlation</c>, <see cref="ColorAttribute.Draw"/>): the synthetic arm then carries the same spurious
    /// correlation as the real data and the other strategies' copies, so it is compared on the images alone.
    /// </summary>
    private AddedSamples Tinted(AddedSamples added)
    {
        if (!ColorTinted)
        {
            return added;
        }

        using var scope = torch.NewDisposeScope();
        using (added)
        {
            var tints = ColorAttribute.Draw(added.LabelsHost, _context.Attribute!.Correlation, new SeededRandom(_context.Seed, TintStream));
            var images = ColorAttribute.Apply(added.Images, torch.from_array<long>(tints, [tints.Length], added.Images.device));
            return new AddedSamples(images, added.Labels.alias(), added.Source, added.Parent);
        }
    }

    private void CheckGeometry(RealTrainingData real)
    {
        var d = _context.Descriptor;
        var shape = real.Images.shape;
        var channels = ColorTinted ? 3 : d.Channels;
        if (shape.Length != 4 || shape[1] != channels || shape[2] != d.Height || shape[3] != d.Width)
        {
            throw new InvalidOperationException(
                $"the real images are [{string.Join(", ", shape)}], not [n, {channels}, {d.Height}, {d.Width}] as dataset '{d.Name}'{(ColorTinted ? " tinted by its colour attribute" : "")} says");
        }

        if (real.Classes != d.NumClasses)
        {
            throw new InvalidOperationException($"the real data has {real.Classes} classes, dataset '{d.Name}' {d.NumClasses}");
        }
    }

    private string PerClass(long[] counts) =>
        string.Join(", ", counts.Select((n, c) => $"{ClassNames[c]}: {n.ToString(CultureInfo.InvariantCulture)}"));

    private string Names(IEnumerable<int> classes) =>
        string.Join(", ", classes.Select(c => $"class '{ClassNames[c]}'"));
}

public sealed record DiffusionOptions
{
    /// <summary>A folder of class sub-folders, a manifest CSV path,label[,attribute], or <c>generate</c> (the built-in generator).</summary>
    public string? Source { get; init; }

    /// <summary>The built-in generator's settings, used (and part of the run's identity) only with <c>source: generate</c>.</summary>
    public GeneratorOptions Generator { get; init; } = new();

    /// <summary>mix (add to the real data) | ffr (pre-train on class-balanced synthetic data, then fine-tune on real only).</summary>
    public string Mode { get; init; } = "mix";

    /// <summary>When a class has fewer images than it needs: false uses them all and warns; true fails.</summary>
    public bool Strict { get; init; }

    /// <summary>
    /// With mode ffr: how many epochs (from the first) train on the synthetic images alone before the rest fine-tune on
    /// the real data; null: ⌈epochs / 2⌉. From 0 (no synthetic stage) to train.epochs (no real stage).
    /// </summary>
    public int? FfrEpochs { get; init; }

    public static readonly OptionSection<DiffusionOptions> Section = new("diffusion",
        (y, d) =>
        {
            y.Allow("source", "mode", "strict", "ffr_epochs", "generator");
            return new()
            {
                // "generate" names the built-in generator, not a path relative to the config file.
                Source = y.GetString("source") == BuiltInGenerator.SourceValue ? BuiltInGenerator.SourceValue : ConfigValues.Path(y, "source"),
                Mode = ConfigValues.Choice(y, "mode", d.Mode, ["mix", "ffr"]),
                Generator = GeneratorOptions.Read(y.GetObject("generator"), d.Generator),
                Strict = y.GetBool("strict") ?? d.Strict,
                FfrEpochs = y.Has("ffr_epochs") ? ConfigValues.Int32(y, "ffr_epochs", 0, 0, 100_000) : null,
            };
        },
        o => [S("source", OrNull(o.Source)), S("mode", Str(o.Mode)), S("strict", Bool(o.Strict)), S("ffr_epochs", OrNull(o.FfrEpochs)).When(o.Mode == "ffr"),
            o.Generator.Write().When(o.Source == BuiltInGenerator.SourceValue)]);
}
