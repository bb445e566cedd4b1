using System.Text.Json;
using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Tests.Shared;

namespace ImbalanceFair.Core.Tests.Augmentation;

/// <summary>
/// A tail class of 3 images and one of a single image, over-sampled with k = 5: what imbalanced-learn 0.10 does with
/// k set to n_c − 1 = 2 for the 3-image class (it fails with k = 5), read off its own code path.
/// </summary>
public sealed class TinyClassReference
{
    public const int K = 5;
    public const int M = 10;
    public const int Tiny = 2;
    public const int Single = 3;

    public static readonly int[] Counts = [60, 25, 3, 1];

    /// <summary>Class 1 is left alone; classes 2 and 3 are grown to 60.</summary>
    public static readonly long[] Targets = [60, 25, 60, 60];

    private const string Script = ImblearnReference.Prelude + """
        folder, n, d, tiny, k_eff, k, m = sys.argv[1], *map(int, sys.argv[2:8])
        X = np.fromfile(folder + "/x.bin", dtype=np.uint8).reshape(n, d).astype(np.float64)
        y = np.fromfile(folder + "/y.bin", dtype=np.int64)
        strategy = {tiny: 60}

        def added(yr):
            return int((yr == tiny).sum() - (y == tiny).sum())

        out = {}
        try:
            SMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=0).fit_resample(X, y)
            out["fails_with_k"] = False
        except ValueError:
            out["fails_with_k"] = True
        _, yr = SMOTE(sampling_strategy=strategy, k_neighbors=k_eff, random_state=0).fit_resample(X, y)
        out["smote"] = added(yr)
        b = BorderlineSMOTE(sampling_strategy=strategy, k_neighbors=k_eff, m_neighbors=m, kind="borderline-1", random_state=0)
        _, yr = b.fit_resample(X, y)
        out["borderline"] = added(yr)
        out["danger"] = b._in_danger_noise(b.nn_m_, X[y == tiny], tiny, y, kind="danger").tolist()
        with mock.patch.object(np, "repeat", recording_repeat):
            _, yr = ADASYN(sampling_strategy=strategy, n_neighbors=k_eff, random_state=0).fit_resample(X, y)
        out["adasyn"] = added(yr)
        out["allocation"] = allocations[0]
        print(json.dumps(out))
        """;

    public TinyClassReference()
    {
        Data = SmoteTestData.Blobs(Counts, separated: [], spread: 30, noise: 40, seed: 7);
        using var dir = new TempDir();
        dir.Write("x.bin", Data.Pixels);
        dir.Write("y.bin", Data.Labels.SelectMany(BitConverter.GetBytes).ToArray());
        var stdout = Python.Run(Script, dir.Path, $"{Data.Count}", $"{SmoteTestData.D}", $"{Tiny}", $"{Counts[Tiny] - 1}", $"{K}", $"{M}");
        Output = JsonDocument.Parse(stdout).RootElement.Clone();
    }

    public SmoteTestData Data { get; }

    public JsonElement Output { get; }

    public long Added(string key) => Output.GetProperty(key).GetInt64();
}

public class SmoteTinyClassTests(TinyClassReference reference) : IClassFixture<TinyClassReference>
{
    private const int Tiny = TinyClassReference.Tiny;
    private const int Single = TinyClassReference.Single;
    private readonly SmoteTestData _data = reference.Data;

    private EpochAugmentation Generate(IAugmentationStrategy strategy) => strategy.Generate(0, _data.Real, TinyClassReference.Targets, null!);

    private static long[] Counts(AddedSamples added) => added.CountsOf(SampleSource.Smote, TinyClassReference.Counts.Length);

    [Fact]
    public void Imbalanced_learn_fails_with_k_but_our_smote_uses_n_c_minus_1_as_it_does_with_k_set_so()
    {
        Assert.True(reference.Output.GetProperty("fails_with_k").GetBoolean());
        using var epoch = Generate(new Smote(4, new SmoteOptions { K = TinyClassReference.K }));

        Assert.Equal(reference.Added("smote"), Counts(epoch.Added)[Tiny]);
        Assert.Equal(new int?[] { null, null, 2, 0 }, epoch.SmoteK);
        CheckTinyClassSamples(epoch.Added);
        CheckCopies(epoch.Added);
    }

    [Fact]
    public void Borderline_smote_lowers_k_for_the_tiny_class_as_imbalanced_learn_does_with_k_set_so()
    {
        var expectedDanger = reference.Output.GetProperty("danger").EnumerateArray().Select(x => x.GetBoolean()).ToArray();
        using var rows = _data.Real.Images.reshape(_data.Count, -1);
        Assert.Equal(expectedDanger, BorderlineSmote.InDanger(_data.Real, rows, Tiny, TinyClassReference.M));
        Assert.Contains(true, expectedDanger);

        using var epoch = Generate(new BorderlineSmote(4, new BorderlineOptions { K = TinyClassReference.K, M = TinyClassReference.M }));

        Assert.Equal(reference.Added("borderline"), Counts(epoch.Added)[Tiny]);
        Assert.Equal(2, epoch.SmoteK![Tiny]);
        CheckTinyClassSamples(epoch.Added);
    }

    [Fact]
    public void Adasyn_weights_and_grows_the_tiny_class_with_k_eff_as_imbalanced_learn_with_n_neighbors_set_so()
    {
        using var epoch = Generate(new Adasyn(4, new AdasynOptions { K = TinyClassReference.K }));

        Assert.Equal(reference.Added("adasyn"), Counts(epoch.Added)[Tiny]);
        var expected = reference.Output.GetProperty("allocation").EnumerateArray().Select(x => x.GetInt64()).ToArray();
        var perParent = _data.Real.IndicesOf(Tiny).Select(p => (long)epoch.Added.Parent.Count(x => SmoteTestData.Position(x) == p)).ToArray();
        Assert.Equal(expected, perParent);
        Assert.Equal(new int?[] { null, null, 2, 0 }, epoch.SmoteK);
        CheckTinyClassSamples(epoch.Added);
        CheckCopies(epoch.Added);
    }

    [Fact]
    public void Whole_set_neighbours_are_capped_by_the_training_set_size()
    {
        // m = 500 > n − 1 = 88: borderline's danger rule runs with m = 88 instead of failing.
        using var epoch = Generate(new BorderlineSmote(4, new BorderlineOptions { K = 3, M = 500 }));
        using var rows = _data.Real.Images.reshape(_data.Count, -1);

        var danger = BorderlineSmote.InDanger(_data.Real, rows, Tiny, _data.Count - 1);
        Assert.Equal(danger.Any(x => x) ? 60 - 3 : 0, Counts(epoch.Added)[Tiny]);
    }

    /// <summary>Class 2's samples: parent and neighbour are two different images of it.</summary>
    private void CheckTinyClassSamples(AddedSamples added)
    {
        var tiny = Enumerable.Range(0, added.Count).Where(i => added.LabelsHost[i] == Tiny).ToList();
        Assert.NotEmpty(tiny);
        Assert.All(tiny, i =>
        {
            var p = SmoteTestData.Position(added.Parent[i]);
            var nb = SmoteTestData.Position(added.Neighbor[i]);
            Assert.Equal(Tiny, _data.Labels[p]);
            Assert.Equal(Tiny, _data.Labels[nb]);
            Assert.NotEqual(p, nb);
        });
    }

    /// <summary>Class 3 has one image: its 59 samples are exact copies (λ = 0, neighbour = parent).</summary>
    private void CheckCopies(AddedSamples added)
    {
        var single = _data.Real.IndicesOf(Single).Single();
        var copies = Enumerable.Range(0, added.Count).Where(i => added.LabelsHost[i] == Single).ToList();
        Assert.Equal(59, copies.Count);
        var pixels = added.Images.ToArray<byte>();
        var d = SmoteTestData.D;
        Assert.All(copies, i =>
        {
            Assert.Equal(single, SmoteTestData.Position(added.Parent[i]));
            Assert.Equal(added.Parent[i], added.Neighbor[i]);
            Assert.Equal(0f, added.Lambda[i]);
            Assert.Equal(_data.Row(single).ToArray(), pixels.AsSpan(i * d, d).ToArray());
        });
    }
}
