using System.Globalization;
using System.Text.Json;
using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Tests.Shared;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Augmentation;

/// <summary>
/// One data set, and what imbalanced-learn 0.10 (Debian's python3) makes of it: per-class output counts of SMOTE,
/// BorderlineSMOTE (both kinds) and ADASYN for the same sampling strategy, the danger sets (_in_danger_noise) and
/// ADASYN's per-sample allocation, read off its own code path.
/// </summary>
public sealed class ImblearnReference
{
    public const int K = 5;
    public const int M = 10;
    public const long Seed = 11;

    /// <summary>Class 4 lies far from the rest: no danger samples, and ADASYN cannot weight it.</summary>
    public static readonly int[] Counts = [80, 30, 14, 10, 12];

    public static readonly long[] BalanceTargets = [80, 80, 80, 80, 80];

    public static readonly long[] AdasynTargets = [80, 80, 50, 80, 12];

    /// <summary>
    /// Python: imports, and <c>recording_repeat</c>, which records ADASYN's allocation (the repeat counts of
    /// np.repeat(np.arange(n_class), n_samples_generate)) into <c>allocations</c> when patched over np.repeat.
    /// </summary>
    public const string Prelude = """
        import json, sys
        from unittest import mock
        import numpy as np
        from imblearn.over_sampling import ADASYN, SMOTE, BorderlineSMOTE

        allocations = []
        real_repeat = np.repeat
        def recording_repeat(a, repeats, *args, **kwargs):
            a_ = np.asarray(a)
            if a_.ndim == 1 and np.ndim(repeats) == 1 and len(repeats) == len(a_) and np.array_equal(a_, np.arange(len(a_))):
                allocations.append(np.asarray(repeats).tolist())
            return real_repeat(a, repeats, *args, **kwargs)

        """;

    private const string Script = Prelude + """

        folder, n, d, C = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        cfg = json.loads(sys.argv[5])
        X = np.fromfile(folder + "/x.bin", dtype=np.uint8).reshape(n, d).astype(np.float64)
        y = np.fromfile(folder + "/y.bin", dtype=np.int64)
        k, m = cfg["k"], cfg["m"]

        def strategy(targets):
            return {c: int(t) for c, t in enumerate(targets) if t > (y == c).sum()}

        def added(yr):
            return [int((yr == c).sum() - (y == c).sum()) for c in range(C)]

        out = {}
        _, yr = SMOTE(sampling_strategy=strategy(cfg["targets"]), k_neighbors=k, random_state=0).fit_resample(X, y)
        out["smote"] = added(yr)

        class FixedBeta(np.random.RandomState):
            # imbalanced-learn draws borderline-2's split fraction from random_state.beta(10, 10): give it ours.
            def __init__(self, fractions):
                super().__init__(0)
                self.fractions = list(fractions)
            def beta(self, a, b, size=None):
                assert (a, b) == (10, 10)
                return self.fractions.pop(0)

        for kind in ["borderline-1", "borderline-2"]:
            b = BorderlineSMOTE(sampling_strategy=strategy(cfg["targets"]), k_neighbors=k, m_neighbors=m, kind=kind,
                                random_state=FixedBeta(cfg["fractions"]))
            _, yr = b.fit_resample(X, y)
            out[kind] = added(yr)
            out["danger"] = [b._in_danger_noise(b.nn_m_, X[y == c], c, y, kind="danger").tolist() for c in range(C)]

        with mock.patch.object(np, "repeat", recording_repeat):
            _, yr = ADASYN(sampling_strategy=strategy(cfg["adasyn_targets"]), n_neighbors=k, random_state=0).fit_resample(X, y)
        out["adasyn"] = added(yr)
        out["allocation"] = allocations
        print(json.dumps(out))
        """;

    public ImblearnReference()
    {
        Data = SmoteTestData.Blobs(Counts, separated: [4]);
        using var dir = new TempDir();
        dir.Write("x.bin", Data.Pixels);
        dir.Write("y.bin", Data.Labels.SelectMany(BitConverter.GetBytes).ToArray());

        // Borderline-2's fraction of each class it over-samples (those with danger samples), in class order.
        using var rows = Data.Real.Images.reshape(Data.Count, -1);
        var fractions = new List<double>();
        for (var c = 0; c < Counts.Length; c++)
        {
            if (BalanceTargets[c] > Counts[c] && BorderlineSmote.InDanger(Data.Real, rows, c, M).Any(x => x))
            {
                fractions.Add(SmoteFamily.Beta(new SeededRandom(Seed, SmoteFamily.BorderlineStream + c), 10, 10));
            }
        }

        Fractions = [.. fractions];
        var config = JsonSerializer.Serialize(new { k = K, m = M, targets = BalanceTargets, adasyn_targets = AdasynTargets, fractions = Fractions });
        var stdout = Python.Run(Script, dir.Path, $"{Data.Count}", $"{SmoteTestData.D}", $"{Counts.Length}", config);
        Output = JsonDocument.Parse(stdout).RootElement.Clone();
    }

    public SmoteTestData Data { get; }

    public double[] Fractions { get; }

    public JsonElement Output { get; }

    public long[] AddedCounts(string key) => Output.GetProperty(key).EnumerateArray().Select(x => x.GetInt64()).ToArray();
}

public class SmoteTests(ImblearnReference reference) : IClassFixture<ImblearnReference>
{
    private const int K = ImblearnReference.K;
    private readonly SmoteTestData _data = reference.Data;

    private static AddedSamples Generate(IAugmentationStrategy strategy, RealTrainingData real, long[] targets) =>
        strategy.Generate(0, real, targets, null!).Added;

    // ---- against imbalanced-learn ----

    [Fact]
    public void Smote_adds_the_same_counts_per_class_as_imbalanced_learn()
    {
        using var added = Generate(new Smote(ImblearnReference.Seed, new SmoteOptions { K = K }), _data.Real, ImblearnReference.BalanceTargets);

        Assert.Equal(reference.AddedCounts("smote"), added.CountsOf(SampleSource.Smote, 5));
        Assert.Equal(new long[] { 0, 50, 66, 70, 68 }, added.CountsOf(SampleSource.Smote, 5));
    }

    [Fact]
    public void Danger_sets_are_imbalanced_learns()
    {
        using var rows = _data.Real.Images.reshape(_data.Count, -1);
        var expected = reference.Output.GetProperty("danger").EnumerateArray()
            .Select(c => c.EnumerateArray().Select(x => x.GetBoolean()).ToArray()).ToArray();

        for (var c = 0; c < 5; c++)
        {
            Assert.Equal(expected[c], BorderlineSmote.InDanger(_data.Real, rows, c, ImblearnReference.M));
        }

        // The data exercise the rule: classes with some samples in danger and some not, and one with none.
        Assert.All(expected[1..4], d => Assert.True(d.Any(x => x) && d.Any(x => !x)));
        Assert.DoesNotContain(true, expected[4]);
    }

    [Theory]
    [InlineData("borderline-1")]
    [InlineData("borderline-2")]
    public void Borderline_smote_adds_the_same_counts_per_class_as_imbalanced_learn(string kind)
    {
        var options = new BorderlineOptions { K = K, M = ImblearnReference.M, Kind = kind };
        using var added = Generate(new BorderlineSmote(ImblearnReference.Seed, options), _data.Real, ImblearnReference.BalanceTargets);

        var counts = added.CountsOf(SampleSource.Smote, 5);
        Assert.Equal(reference.AddedCounts(kind), counts);
        Assert.Equal(0, counts[4]); // no danger, no samples
        if (kind == "borderline-2")
        {
            // ⌊f(n+1)⌋ + ⌊(1−f)n⌋ is n or n − 1; the fractions are not degenerate.
            Assert.All(reference.Fractions, f => Assert.InRange(f, 0.05, 0.95));
        }
    }

    [Fact]
    public void Adasyn_allocates_per_parent_as_imbalanced_learn()
    {
        using var added = Generate(new Adasyn(ImblearnReference.Seed, new AdasynOptions { K = K }), _data.Real, ImblearnReference.AdasynTargets);

        Assert.Equal(reference.AddedCounts("adasyn"), added.CountsOf(SampleSource.Smote, 5));
        var expected = reference.Output.GetProperty("allocation").EnumerateArray()
            .Select(c => c.EnumerateArray().Select(x => x.GetInt64()).ToArray()).ToArray();
        var needing = Enumerable.Range(0, 5).Where(c => ImblearnReference.AdasynTargets[c] > ImblearnReference.Counts[c]).ToArray();
        Assert.Equal(needing.Length, expected.Length);
        for (var i = 0; i < needing.Length; i++)
        {
            var c = needing[i];
            var members = _data.Real.IndicesOf(c);
            var perParent = members.Select(p => (long)added.Parent.Count(x => SmoteTestData.Position(x) == p)).ToArray();
            Assert.Equal(expected[i], perParent);
            Assert.True(expected[i].Distinct().Count() > 2, "the allocation should vary between samples");
        }

        CheckSamples(added, sameClassOnly: true);
    }

    // ---- geometry ----

    [Fact]
    public void Smote_samples_lie_on_segments_to_one_of_the_k_nearest_same_class_neighbours()
    {
        using var added = Generate(new Smote(3, new SmoteOptions { K = K }), _data.Real, ImblearnReference.BalanceTargets);

        CheckSamples(added, sameClassOnly: true);
        // Parents are drawn among all the class's samples, uniformly.
        var parents = added.Parent.Where((_, i) => added.LabelsHost[i] == 1).Distinct().Count();
        Assert.InRange(parents, 20, 30);
    }

    [Theory]
    [InlineData("borderline-1")]
    [InlineData("borderline-2")]
    public void Borderline_samples_grow_from_danger_samples_only(string kind)
    {
        var options = new BorderlineOptions { K = K, M = ImblearnReference.M, Kind = kind };
        using var added = Generate(new BorderlineSmote(3, options), _data.Real, ImblearnReference.BalanceTargets);
        using var rows = _data.Real.Images.reshape(_data.Count, -1);

        for (var c = 1; c < 4; c++)
        {
            var members = _data.Real.IndicesOf(c);
            var danger = BorderlineSmote.InDanger(_data.Real, rows, c, ImblearnReference.M);
            var allowed = members.Where((_, i) => danger[i]).ToHashSet();
            Assert.All(added.Parent.Where((_, i) => added.LabelsHost[i] == c), p => Assert.Contains(SmoteTestData.Position(p), allowed));
        }

        CheckSamples(added, sameClassOnly: kind == "borderline-1");
        var towardsOthers = added.Neighbor.Where((nb, i) => _data.Labels[SmoteTestData.Position(nb)] != added.LabelsHost[i]).Count();
        if (kind == "borderline-2")
        {
            Assert.InRange(towardsOthers, added.Count / 5, added.Count * 4 / 5);
        }
    }

    /// <summary>
    /// Every added sample: its label is its parent's; λ ∈ [0, 1) ([0, 0.5) towards another class); its pixels are
    /// exactly round-half-even(x_p + λ·(x_nb − x_p)) in float32; x_nb is among the k nearest of x_p in its class
    /// (itself excluded), or, towards another class, among the k nearest of the other classes.
    /// </summary>
    private void CheckSamples(AddedSamples added, bool sameClassOnly)
    {
        Assert.True(added.Count > 0);
        Assert.All(added.Source, s => Assert.Equal(SampleSource.Smote, s));
        var pixels = added.Images.ToArray<byte>();
        var d = SmoteTestData.D;
        for (var i = 0; i < added.Count; i++)
        {
            var p = SmoteTestData.Position(added.Parent[i]);
            var nb = SmoteTestData.Position(added.Neighbor[i]);
            var label = added.LabelsHost[i];
            var lambda = added.Lambda[i];
            Assert.Equal(_data.Labels[p], label);
            var sameClass = _data.Labels[nb] == label;
            Assert.True(sameClass || !sameClassOnly, $"sample {i}: neighbour of another class");
            Assert.InRange(lambda, 0f, sameClass ? 0.99999994f : 0.49999997f);

            var xp = _data.Row(p);
            var xn = _data.Row(nb);
            for (var j = 0; j < d; j++)
            {
                var exact = (float)xp[j] + (lambda * ((float)xn[j] - xp[j]));
                Assert.Equal((byte)MathF.Round(exact), pixels[(i * d) + j]);
            }

            // Among the k nearest candidates: no more than k − 1 candidates strictly nearer.
            var toNeighbour = SmoteTestData.SquaredDistance(xp, xn);
            var nearer = 0;
            for (var j = 0; j < _data.Count; j++)
            {
                if (j != p && (_data.Labels[j] == label) == sameClass && SmoteTestData.SquaredDistance(xp, _data.Row(j)) < toNeighbour)
                {
                    nearer++;
                }
            }

            Assert.True(nearer < K, $"sample {i}: {nearer} candidates are nearer its parent than its neighbour");
            Assert.NotEqual(p, nb);
        }
    }

    // ---- the pieces ----

    [Fact]
    public void Nearest_neighbours_are_exact_with_ties_to_the_lower_index_in_any_chunking()
    {
        // Few distinct values, so that many distances tie.
        var rng = new SeededRandom(2, 3);
        const int n = 70, d = 6, k = 7;
        var bytes = Enumerable.Range(0, n * d).Select(_ => (byte)(rng.NextInt64(3) * 100)).ToArray();
        using var scope = torch.NewDisposeScope();
        var keys = torch.from_bytes(bytes, ScalarType.UInt8, [n, d]);
        var queryPositions = new long[] { 0, 5, 69, 33, 12 };
        var queries = keys.index_select(0, torch.tensor(queryPositions));

        var expected = new List<long>();
        foreach (var q in queryPositions)
        {
            expected.AddRange(Enumerable.Range(0, n).Where(j => j != q)
                .Select(j => (j: (long)j, dist: SmoteTestData.SquaredDistance(bytes.AsSpan((int)q * d, d), bytes.AsSpan(j * d, d))))
                .OrderBy(x => x.dist).ThenBy(x => x.j).Take(k).Select(x => x.j));
        }

        // The float32 screen (whose re-ranking cannot prove these ties and falls back), the exact path, and chunks
        // of one query row and blocks of a few key rows, all give the same.
        Assert.Equal(expected, NearestNeighbors.Search(keys, queries, k, queryPositions, screen: true));
        Assert.Equal(expected, NearestNeighbors.Search(keys, queries, k, queryPositions, screen: false));
        Assert.Equal(expected, NearestNeighbors.Search(keys, queries, k, queryPositions, blockBytes: 8 * d * 4, screen: true));
        Assert.Equal(expected, NearestNeighbors.Search(keys, queries, k, queryPositions, blockBytes: 8 * d * 4, screen: false));
        // Without self-exclusion each query finds itself, or the first row equal to it.
        var firstEqual = queryPositions.Select(q => (long)Enumerable.Range(0, n).First(j => bytes.AsSpan(j * d, d).SequenceEqual(bytes.AsSpan((int)q * d, d)))).ToArray();
        Assert.Equal(firstEqual, NearestNeighbors.Search(keys, queries, 1));
        Assert.NotEqual(queryPositions, firstEqual); // the data have duplicates

        // All rows equal: nothing can be proved from float32 distances, every row falls back to the exact path.
        var same = torch.zeros([40, 4], ScalarType.UInt8);
        var all = Enumerable.Range(0, 40).Select(i => (long)i).ToArray();
        var lowest = all.SelectMany(q => all.Where(j => j != q).Take(3)).ToArray();
        Assert.Equal(lowest, NearestNeighbors.Search(same, same, 3, all, screen: true));
        Assert.Equal(lowest, NearestNeighbors.Search(same, same, 3, all, screen: false));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(40)]
    public void Screened_and_exact_searches_agree_with_brute_force_on_images(int k)
    {
        // 28×28 random-ish images (a smooth pattern plus noise), as the screen meets them in practice.
        var rng = new SeededRandom(6, k);
        const int n = 300, d = 784;
        var bytes = new byte[n * d];
        for (var i = 0; i < n; i++)
        {
            var phase = rng.NextDouble() * 6;
            for (var j = 0; j < d; j++)
            {
                bytes[(i * d) + j] = (byte)Math.Clamp(128 + (90 * Math.Sin(phase + (j / 50.0))) + (40 * (rng.NextDouble() - 0.5)), 0, 255);
            }
        }

        using var scope = torch.NewDisposeScope();
        var keys = torch.from_bytes(bytes, ScalarType.UInt8, [n, d]);
        var self = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        var expected = new List<long>();
        for (var q = 0; q < n; q++)
        {
            expected.AddRange(Enumerable.Range(0, n).Where(j => j != q)
                .Select(j => (j: (long)j, dist: SmoteTestData.SquaredDistance(bytes.AsSpan(q * d, d), bytes.AsSpan(j * d, d))))
                .OrderBy(x => x.dist).ThenBy(x => x.j).Take(k).Select(x => x.j));
        }

        Assert.Equal(expected, NearestNeighbors.Search(keys, keys, k, self, screen: true));
        Assert.Equal(expected, NearestNeighbors.Search(keys, keys, k, self, screen: false));
        Assert.Equal(expected, NearestNeighbors.Search(keys, keys, k, self, blockBytes: 8 * d * 50, screen: true));
    }

    [Fact]
    public void Numpy_sum_is_reproduced_bit_for_bit()
    {
        var rng = new SeededRandom(4, 4);
        int[] lengths = [1, 5, 7, 8, 9, 16, 100, 127, 128, 129, 255, 1000, 8191, 8192, 8193, 20000, 50001];
        var arrays = lengths.Select(n =>
        {
            var k = 1 + rng.NextInt64(11);
            return Enumerable.Range(0, n).Select(_ => (double)rng.NextInt64(k + 1) / k).ToArray();
        }).ToArray();
        using var dir = new TempDir();
        dir.Write("a.bin", arrays.SelectMany(a => a.SelectMany(BitConverter.GetBytes)).ToArray());

        var stdout = Python.Run("""
            import sys
            import numpy as np
            a = np.fromfile(sys.argv[1], dtype=np.float64)
            start = 0
            for n in map(int, sys.argv[2].split(",")):
                print(np.sum(a[start:start + n].copy()).hex())
                start += n
            """, dir.File("a.bin"), string.Join(",", lengths));

        var expected = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ParseHex).ToArray();
        Assert.Equal(expected, arrays.Select(a => Adasyn.NumpySum(a)).ToArray());
    }

    private static double ParseHex(string hex)
    {
        // Python's float.hex(): [-]0x1.<13 hex digits>p<exp>, or 0x0.0p+0.
        var s = hex.Trim();
        var negative = s.StartsWith('-');
        s = s.TrimStart('-')[2..];
        var p = s.IndexOf('p', StringComparison.Ordinal);
        var exponent = int.Parse(s[(p + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = s[..p].Split('.');
        var value = (double)long.Parse(mantissa[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if (mantissa.Length > 1 && mantissa[1].Length > 0)
        {
            value += long.Parse(mantissa[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) / Math.Pow(16, mantissa[1].Length);
        }

        value = Math.ScaleB(value, exponent);
        return negative ? -value : value;
    }

    [Fact]
    public void Samples_depend_on_the_seed_only_not_on_the_thread_count()
    {
        var threads = torch.get_num_threads();
        var options = new BorderlineOptions { K = K, M = ImblearnReference.M, Kind = "borderline-2" };
        try
        {
            torch.set_num_threads(1);
            using var one = Generate(new BorderlineSmote(8, options), _data.Real, ImblearnReference.BalanceTargets);
            using var smoteOne = Generate(new Smote(8, new SmoteOptions { K = K }), _data.Real, ImblearnReference.BalanceTargets);
            torch.set_num_threads(2);
            using var two = Generate(new BorderlineSmote(8, options), _data.Real, ImblearnReference.BalanceTargets);
            using var smoteTwo = Generate(new Smote(8, new SmoteOptions { K = K }), _data.Real, ImblearnReference.BalanceTargets);
            using var other = Generate(new Smote(9, new SmoteOptions { K = K }), _data.Real, ImblearnReference.BalanceTargets);

            Assert.Equal(one.Images.ToArray<byte>(), two.Images.ToArray<byte>());
            Assert.Equal(one.Neighbor, two.Neighbor);
            Assert.Equal(smoteOne.Images.ToArray<byte>(), smoteTwo.Images.ToArray<byte>());
            Assert.Equal(smoteOne.Lambda, smoteTwo.Lambda);
            Assert.NotEqual(smoteOne.Parent, other.Parent);
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    [Fact]
    public void Bad_options_are_config_errors_that_name_the_key_and_too_small_classes_lower_k()
    {
        Assert.Contains("augment.smote.space", Assert.Throws<ConfigException>(() => new Smote(0, new SmoteOptions { Space = "latent" })).Message);
        Assert.Contains("augment.smote.k", Assert.Throws<ConfigException>(() => new Smote(0, new SmoteOptions { K = 0 })).Message);
        Assert.Contains("augment.borderline.kind", Assert.Throws<ConfigException>(() => new BorderlineSmote(0, new BorderlineOptions { Kind = "borderline-3" })).Message);
        Assert.Contains("augment.adasyn.k", Assert.Throws<ConfigException>(() => new Adasyn(0, new AdasynOptions { K = -1 })).Message);

        // Class 3 has 10 samples: k = 10 leaves it 9 neighbours, which it uses (imbalanced-learn would fail).
        using var epoch = new Smote(0, new SmoteOptions { K = 10 }).Generate(0, _data.Real, ImblearnReference.BalanceTargets, null!);
        Assert.Equal(new int?[] { null, 10, 10, 9, 10 }, epoch.SmoteK);
        Assert.Equal(70, epoch.Added.CountsOf(SampleSource.Smote, 5)[3]);
        // A class far from all others cannot be weighted by ADASYN (imbalanced-learn raises too).
        Assert.Throws<InvalidOperationException>(() => Generate(new Adasyn(0, new AdasynOptions { K = K }), _data.Real, ImblearnReference.BalanceTargets));
    }

    [Fact]
    public void The_registry_knows_the_smote_family()
    {
        Assert.Contains("smote", AugmentationStrategies.Names);
        Assert.Contains("borderline-smote", AugmentationStrategies.Names);
        Assert.Contains("adasyn", AugmentationStrategies.Names);
    }
}
