using System.Globalization;
using ImbalanceFair.Core.Config;

namespace ImbalanceFair.Core.Data.Split;

/// <summary>
/// Which images a run uses: the long-tailed training set, a stratified validation set taken from it (or the
/// source's own validation part), and the untouched test set, with attributes where the run has one. Every
/// index refers to the image's position in its part of the source files, so it is stable across runs.
/// </summary>
public sealed class DataSplit
{
    private DataSplit()
    {
    }

    /// <summary>Rank → class index (rank 0 = head).</summary>
    public required int[] ClassOrder { get; init; }

    /// <summary>Per class index: the long-tailed target before the validation split.</summary>
    public required long[] TargetCounts { get; init; }

    public required long[] TrainIndices { get; init; }

    /// <summary>Indices into the source train part, or into its val part when <see cref="ValFromSource"/>.</summary>
    public required long[] ValIndices { get; init; }

    public required long[] TestIndices { get; init; }

    public bool ValFromSource { get; init; }

    /// <summary>Attribute values aligned with the index arrays; null without an attribute.</summary>
    public long[]? TrainAttributes { get; init; }

    public long[]? ValAttributes { get; init; }

    public long[]? TestAttributes { get; init; }

    public required long[] TrainCounts { get; init; }

    public required long[] ValCounts { get; init; }

    public required long[] TestCounts { get; init; }

    public bool HasAttribute => TrainAttributes is not null;

    public Bucket BucketOf(int classIndex) => Buckets.Of(TrainCounts[classIndex]);

    /// <summary>Labels of a part, plus its own attributes if the source has them.</summary>
    public sealed record Part(long[] Labels, long[]? Attributes = null);

    public static DataSplit Build(
        IReadOnlyList<string> classNames,
        Part train,
        Part test,
        Part? val,
        ImbalanceOptions imbalance,
        double valFraction,
        long seed,
        AttributeOptions? attribute = null,
        long[]? reserved = null)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(imbalance);
        var classes = classNames.Count;
        if (valFraction is < 0 or >= 1)
        {
            throw new ConfigException($"dataset.val_fraction must be in [0, 1), not {valFraction.ToString(CultureInfo.InvariantCulture)}");
        }

        if (imbalance.Ratio < 1 || !double.IsFinite(imbalance.Ratio))
        {
            throw new ConfigException($"imbalance.ratio must be a number ≥ 1 (ρ = n_max / n_min), not {imbalance.Ratio.ToString(CultureInfo.InvariantCulture)}");
        }

        // Images reserved for something else (the pre-training pool) are never part of the split.
        var byClass = GroupByClass(train.Labels, classes, reserved is null ? null : new HashSet<long>(reserved));
        var available = byClass.Select(l => (long)l.Count).ToArray();
        var nMax = imbalance.NMax ?? available.Max();
        if (nMax < 1)
        {
            throw new ConfigException($"imbalance.n_max must be at least 1, not {nMax}");
        }

        var order = ResolveOrder(classNames, imbalance, seed);
        var perRank = LongTailCounts.For(imbalance.Profile, imbalance.Ratio, nMax, classes);
        var targets = new long[classes];
        for (var rank = 0; rank < classes; rank++)
        {
            targets[order[rank]] = perRank[rank];
        }

        CheckAvailable(classNames, targets, available, imbalance, nMax);

        var trainIdx = new List<long>();
        var valIdx = new List<long>();
        var trainCounts = new long[classes];
        var valCounts = new long[classes];
        for (var c = 0; c < classes; c++)
        {
            var pool = byClass[c].ToArray();
            new SeededRandom(seed, 1000 + c).Shuffle(pool.AsSpan());
            var kept = pool.AsSpan(0, (int)targets[c]);
            var nVal = val is null ? ValCount(kept.Length, valFraction) : 0;
            valIdx.AddRange(kept[..nVal].ToArray());
            trainIdx.AddRange(kept[nVal..].ToArray());
            trainCounts[c] = kept.Length - nVal;
            valCounts[c] = nVal;
        }

        trainIdx.Sort();
        valIdx.Sort();
        long[] valIndices = val is null ? [.. valIdx] : Enumerable.Range(0, val.Labels.Length).Select(i => (long)i).ToArray();
        if (val is not null)
        {
            valCounts = ClassCounts.Of(val.Labels, classes);
        }

        var testIndices = Enumerable.Range(0, test.Labels.Length).Select(i => (long)i).ToArray();
        long[] trainArr = [.. trainIdx];

        long[]? trainAttr = null, valAttr = null, testAttr = null;
        if (attribute is not null)
        {
            (trainAttr, valAttr, testAttr) = AssignAttributes(attribute, train, test, val, trainArr, valIndices, testIndices, seed);
        }

        return new DataSplit
        {
            ClassOrder = order,
            TargetCounts = targets,
            TrainIndices = trainArr,
            ValIndices = valIndices,
            TestIndices = testIndices,
            ValFromSource = val is not null,
            TrainAttributes = trainAttr,
            ValAttributes = valAttr,
            TestAttributes = testAttr,
            TrainCounts = trainCounts,
            ValCounts = valCounts,
            TestCounts = ClassCounts.Of(test.Labels, classes),
        };
    }

    /// <summary>round(n · f), but never the whole class: at least one real training image stays.</summary>
    internal static int ValCount(int n, double fraction) =>
        n <= 1 ? 0 : Math.Min(n - 1, (int)Math.Floor((n * fraction) + 0.5));

    private static List<long>[] GroupByClass(long[] labels, int classes, HashSet<long>? excluded)
    {
        var byClass = Enumerable.Range(0, classes).Select(_ => new List<long>()).ToArray();
        for (var i = 0; i < labels.Length; i++)
        {
            if (excluded is null || !excluded.Contains(i))
            {
                byClass[labels[i]].Add(i);
            }
        }

        return byClass;
    }

    private static int[] ResolveOrder(IReadOnlyList<string> classNames, ImbalanceOptions imbalance, long seed)
    {
        var classes = classNames.Count;
        if (imbalance.ExplicitOrder is { } list)
        {
            var order = new List<int>();
            foreach (var item in list)
            {
                var index = int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < classes
                    ? i
                    : classNames.ToList().IndexOf(item);
                if (index < 0)
                {
                    throw new ConfigException($"imbalance.order: '{item}' is neither a class name nor a class index.{NearestKey.Suggestion(item, classNames)}");
                }

                if (order.Contains(index))
                {
                    throw new ConfigException($"imbalance.order names class '{classNames[index]}' twice");
                }

                order.Add(index);
            }

            if (order.Count != classes)
            {
                var missing = Enumerable.Range(0, classes).Except(order).Select(i => classNames[i]);
                throw new ConfigException($"imbalance.order must list every class once; missing: {string.Join(", ", missing)}");
            }

            return [.. order];
        }

        var ranks = Enumerable.Range(0, classes).ToArray();
        switch (imbalance.Order)
        {
            case "index":
                return ranks;
            case "shuffled":
                new SeededRandom(seed, 1).Shuffle(ranks.AsSpan());
                return ranks;
            default:
                throw new ConfigException($"imbalance.order must be index, shuffled or a list of classes, not '{imbalance.Order}'");
        }
    }

    private static void CheckAvailable(IReadOnlyList<string> classNames, long[] targets, long[] available, ImbalanceOptions imbalance, long nMax)
    {
        for (var c = 0; c < targets.Length; c++)
        {
            if (targets[c] > available[c])
            {
                throw new ConfigException(
                    $"class '{classNames[c]}' (index {c}) needs {targets[c]} training images for imbalance {imbalance.Profile.ToString().ToLowerInvariant()} " +
                    $"ρ={imbalance.Ratio.ToString(CultureInfo.InvariantCulture)} with n_max={nMax}, but the dataset has {available[c]}. " +
                    $"Lower imbalance.n_max (every class has at least {available.Min()}), or reorder the classes (imbalance.order) so that it is not a head class.");
            }

            if (targets[c] < 1)
            {
                throw new ConfigException(
                    $"class '{classNames[c]}' (index {c}) would get no training image (n_max={nMax}, ρ={imbalance.Ratio.ToString(CultureInfo.InvariantCulture)}): " +
                    "raise imbalance.n_max or lower imbalance.ratio so that n_max / ρ ≥ 1.");
            }
        }
    }

    private static (long[] train, long[] val, long[] test) AssignAttributes(
        AttributeOptions attribute, Part train, Part test, Part? val, long[] trainIdx, long[] valIdx, long[] testIdx, long seed)
    {
        switch (attribute.Kind)
        {
            case "color":
                if (attribute.Correlation is < 0 or > 1)
                {
                    throw new ConfigException($"dataset.attribute.correlation must be in [0, 1], not {attribute.Correlation.ToString(CultureInfo.InvariantCulture)}");
                }

                var trainAttr = ColorAttribute.Draw(trainIdx.Select(i => train.Labels[i]), attribute.Correlation, new SeededRandom(seed, 2));
                var valLabels = val?.Labels ?? train.Labels;
                return (trainAttr, Balanced(valIdx, valLabels, new SeededRandom(seed, 3)), Balanced(testIdx, test.Labels, new SeededRandom(seed, 4)));
            case "manifest":
                if (train.Attributes is null || test.Attributes is null)
                {
                    throw new ConfigException("dataset.attribute.kind is manifest, but the dataset's files have no attribute column");
                }

                var valSource = val ?? train;
                if (valSource.Attributes is null)
                {
                    throw new ConfigException("dataset.attribute.kind is manifest, but the validation part has no attribute column");
                }

                return (trainIdx.Select(i => train.Attributes[i]).ToArray(), valIdx.Select(i => valSource.Attributes[i]).ToArray(),
                    testIdx.Select(i => test.Attributes[i]).ToArray());
            default:
                throw new ConfigException($"dataset.attribute.kind must be color or manifest, not '{attribute.Kind}'");
        }
    }

    /// <summary>Within each class, half of the images get each value (shuffled by the seed): 50/50 groups.</summary>
    private static long[] Balanced(long[] indices, long[] labels, SeededRandom rng)
    {
        var result = new long[indices.Length];
        foreach (var group in Enumerable.Range(0, indices.Length).GroupBy(j => labels[indices[j]]))
        {
            var members = group.ToArray();
            rng.Shuffle(members.AsSpan());
            for (var k = 0; k < members.Length; k++)
            {
                result[members[k]] = k % 2;
            }
        }

        return result;
    }
}
