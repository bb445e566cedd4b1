using ImbalanceFair.Core.Data;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation.Diffusion;

/// <summary>
/// <c>generator.csv</c>, one row per class, about the generated images a run used (docs/diffusion.md):
/// <list type="bullet">
/// <item><c>n_generated</c>, <c>n_generator_train</c>: images used by the run, and real images the generator trained on;</item>
/// <item><c>class_consistency</c>: share of the generated images that <see cref="JudgeClassifier"/> assigns to the
/// intended class; <c>judge_real_accuracy</c>: the judge's accuracy on held-out real images of that class, the
/// ceiling to read it against (empty without enough real images outside the run and the generator);</item>
/// <item><c>near_copy_share</c>: share of generated images whose nearest training image (pixel RMS distance, all
/// classes) is closer than <see cref="NearCopyRatio"/> times the mean distance to their <see cref="NearCopyNeighbours"/>
/// nearest training images, a relative criterion in the spirit of Carlini et al. 2023 ("Extracting Training Data from
/// Diffusion Models"; the constants are ours), which flags an image that sits on one training image rather than among many; <c>nearest_train_rms</c>:
/// the mean of that nearest distance (pixels in [0, 1]);</item>
/// <item><c>diversity_ratio</c>: mean pairwise RMS distance between the class's generated images over the same between
/// its real training images (1: as varied as the real ones; near 0: collapse), on at most
/// <see cref="DiversitySample"/> of each; empty with fewer than two of either.</item>
/// </list>
/// </summary>
public static class GeneratorQuality
{
    public const double NearCopyRatio = 0.5;
    public const int NearCopyNeighbours = 50;
    public const int DiversitySample = 256;

    public static readonly IReadOnlyList<string> Header =
    [
        "class_index", "class_name", "n_generated", "n_generator_train", "class_consistency", "judge_real_accuracy",
        "near_copy_share", "nearest_train_rms", "diversity_ratio",
    ];

    public sealed record Row(int Class, string Name, long Generated, long Train, double? Consistency, double? JudgeAccuracy, double? NearCopyShare, double? NearestRms, double? Diversity)
    {
        public IReadOnlyList<string> Fields() =>
        [
            CsvFile.Number(Class), Name, CsvFile.Number(Generated), CsvFile.Number(Train), Opt(Consistency), Opt(JudgeAccuracy),
            Opt(NearCopyShare), Opt(NearestRms), Opt(Diversity),
        ];

        private static string Opt(double? v) => v is { } x ? CsvFile.Number(x) : "";
    }

    /// <param name="generated">Per class, the generated images used (uint8 [n, C, H, W]).</param>
    /// <param name="train">The generator's training images (uint8) and labels.</param>
    /// <param name="judge">The judge, or null when there were not enough independent real images.</param>
    /// <param name="judgeAccuracy">The judge's per-class accuracy on held-out real images (null entries: none held out).</param>
    public static List<Row> Measure(Tensor[] generated, Tensor train, long[] trainLabels, IReadOnlyList<string> classNames, JudgeClassifier? judge, double?[]? judgeAccuracy)
    {
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(classNames);
        using var scope = torch.NewDisposeScope();
        var trainFlat = Flat(train.cpu());
        var rows = new List<Row>();
        for (var c = 0; c < generated.Length; c++)
        {
            var g = generated[c].cpu();
            var n = g.size(0);
            var members = Enumerable.Range(0, trainLabels.Length).Where(i => trainLabels[i] == c).Select(i => (long)i).ToArray();
            if (n == 0)
            {
                rows.Add(new Row(c, classNames[c], 0, members.Length, null, judgeAccuracy?[c], null, null, null));
                continue;
            }

            double? consistency = judge is null ? null : judge.Predict(g.to(judge.fc.weight.device)).Count(p => p == c) / (double)n;
            var gFlat = Flat(g);
            var (nearShare, nearest) = NearCopies(gFlat, trainFlat);
            double? diversity = null;
            if (n >= 2 && members.Length >= 2)
            {
                var real = trainFlat.index_select(0, torch.from_array<long>(members, [members.Length]));
                diversity = MeanPairwise(gFlat) / MeanPairwise(real);
            }

            rows.Add(new Row(c, classNames[c], n, members.Length, consistency, judgeAccuracy?[c], nearShare, nearest, diversity));
        }

        return rows;
    }

    public static void Write(string path, IEnumerable<Row> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        CsvFile.Write(path, Header, rows.Select(r => r.Fields()));
    }

    /// <summary>[n, D] floats in [0, 1].</summary>
    private static Tensor Flat(Tensor images) => images.flatten(1).to(ScalarType.Float32) / 255.0;

    /// <summary>(share of near-copies, mean nearest RMS distance) of generated rows against training rows.</summary>
    internal static (double share, double nearestRms) NearCopies(Tensor generated, Tensor train)
    {
        using var scope = torch.NewDisposeScope();
        var d = torch.cdist(generated, train) / Math.Sqrt(generated.size(1));
        var k = Math.Min(NearCopyNeighbours, train.size(0));
        var (nearest, _) = d.topk(k, 1, largest: false);
        var first = nearest.select(1, 0);
        var isCopy = first.lt(nearest.mean([1]) * NearCopyRatio);
        return (isCopy.to(ScalarType.Float32).mean().item(), first.mean().item());
    }

    /// <summary>Mean RMS distance over distinct pairs of the first <see cref="DiversitySample"/> rows.</summary>
    internal static double MeanPairwise(Tensor rows)
    {
        using var scope = torch.NewDisposeScope();
        var x = rows.narrow(0, 0, Math.Min(DiversitySample, rows.size(0)));
        var n = x.size(0);
        var d = torch.cdist(x, x) / Math.Sqrt(x.size(1));
        return d.sum().item() / (n * (n - 1));
    }
}
