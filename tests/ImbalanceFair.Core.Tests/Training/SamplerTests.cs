using ImbalanceFair.Core.Training.Sampling;

namespace ImbalanceFair.Core.Tests.Training;

public class SamplerTests
{
    private static readonly string[] AllSamplers = ["instance", "class-balanced"];

    /// <summary>Very imbalanced labels, shuffled: 20000, 2000, 200, 20, 2 samples of classes 0–4; class 5 is absent.</summary>
    private static long[] LongTail()
    {
        long[] perClass = [20000, 2000, 200, 20, 2, 0];
        var labels = perClass.SelectMany((n, c) => Enumerable.Repeat((long)c, (int)n)).ToArray();
        new ImbalanceFair.Core.Data.SeededRandom(99).Shuffle(labels.AsSpan());
        return labels;
    }

    [Fact]
    public void Registry_lists_the_samplers_and_rejects_unknown_names_with_the_list()
    {
        Assert.Equal(AllSamplers, Samplers.Names);
        foreach (var name in AllSamplers)
        {
            Assert.Equal(name, Samplers.Create(name, [0, 1, 1], 2, 0).Name);
        }

        var e = Assert.Throws<ArgumentException>(() => Samplers.Create("square-root", [0, 1], 2, 0));
        Assert.Contains("'square-root'", e.Message, StringComparison.Ordinal);
        Assert.Contains("instance, class-balanced", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("instance")]
    [InlineData("class-balanced")]
    public void Order_depends_only_on_seed_and_epoch(string name)
    {
        var labels = LongTail();
        var sampler = Samplers.Create(name, labels, 6, 42);
        var resumed = Samplers.Create(name, labels, 6, 42);

        // Same seed and epoch: the same order, from a fresh sampler (resume) and regardless of call order.
        var epoch3 = sampler.EpochOrder(3);
        _ = sampler.EpochOrder(0);
        Assert.Equal(epoch3, sampler.EpochOrder(3));
        Assert.Equal(epoch3, resumed.EpochOrder(3));

        // Different epochs, and a different seed, give different orders.
        var orders = Enumerable.Range(0, 5).Select(sampler.EpochOrder).ToList();
        for (var i = 0; i < orders.Count; i++)
        {
            Assert.Equal(labels.Length, orders[i].Length);
            for (var j = i + 1; j < orders.Count; j++)
            {
                Assert.NotEqual(orders[i], orders[j]);
            }
        }

        Assert.NotEqual(epoch3, Samplers.Create(name, labels, 6, 43).EpochOrder(3));
    }

    [Fact]
    public void Instance_sampler_gives_a_permutation_every_epoch()
    {
        var labels = LongTail();
        var sampler = Samplers.Create("instance", labels, 6, 1);
        Assert.Equal(labels.Length, sampler.EpochSize);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var order = sampler.EpochOrder(epoch);
            Assert.Equal(Enumerable.Range(0, labels.Length).Select(i => (long)i), order.Order());
            Assert.NotEqual(Enumerable.Range(0, labels.Length).Select(i => (long)i), order);
        }
    }

    [Fact]
    public void Class_balanced_sampler_draws_classes_uniformly_and_instances_uniformly_within_them()
    {
        var labels = LongTail();
        var n = labels.Length;
        var sampler = (ClassBalancedSampler)Samplers.Create("class-balanced", labels, 6, 5);
        Assert.Equal(n, sampler.EpochSize);
        Assert.Equal([0, 1, 2, 3, 4], sampler.PresentClasses);

        var draws = sampler.EpochDraws(0);
        Assert.Equal(n, draws.Length);
        Assert.Equal(draws.Select(d => d.Index), sampler.EpochOrder(0));

        // Each draw's instance belongs to the class drawn; the absent class is never drawn.
        Assert.All(draws, d => Assert.Equal(d.Class, labels[d.Index]));

        // Class frequencies: Binomial(N, 1/5) each, so within 4.5 standard deviations
        // (√(22222·0.2·0.8) ≈ 59.6) of N/5 ≈ 4444 — against 20000 vs 2 under instance sampling.
        var perClass = draws.GroupBy(d => d.Class).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal([0, 1, 2, 3, 4], perClass.Keys.Order());
        var sd = Math.Sqrt(n * 0.2 * 0.8);
        foreach (var (c, count) in perClass)
        {
            Assert.True(Math.Abs(count - (n / 5.0)) <= 4.5 * sd, $"class {c}: {count} draws, expected {n / 5.0:F0} ± {4.5 * sd:F0}");
        }

        // Within a class, each of its m instances: Binomial(draws of the class, 1/m).
        foreach (var c in new[] { 2, 3, 4 })
        {
            var members = Enumerable.Range(0, n).Where(i => labels[i] == c).Select(i => (long)i).ToArray();
            var k = perClass[c];
            var hits = draws.Where(d => d.Class == c).GroupBy(d => d.Index).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(members, hits.Keys.Order());
            var p = 1.0 / members.Length;
            var sdWithin = Math.Sqrt(k * p * (1 - p));
            Assert.All(hits.Values, h => Assert.True(Math.Abs(h - (k * p)) <= 4.5 * sdWithin, $"class {c}: an instance drawn {h} times, expected {k * p:F0} ± {4.5 * sdWithin:F0}"));
        }
    }

    [Fact]
    public void Class_balanced_sampler_draws_with_replacement()
    {
        // Two samples of class 1 among 1000: an epoch of 1000 draws takes them ~500 times between them.
        var labels = Enumerable.Repeat(0L, 998).Concat([1L, 1L]).ToArray();
        var order = Samplers.Create("class-balanced", labels, 2, 0).EpochOrder(0);
        Assert.InRange(order.Count(i => i >= 998), 400, 600);
    }

    [Theory]
    [InlineData("instance")]
    [InlineData("class-balanced")]
    public void Bad_inputs_are_rejected_and_an_empty_set_gives_an_empty_epoch(string name)
    {
        Assert.Throws<ArgumentException>(() => Samplers.Create(name, [0, 2], 2, 0));
        Assert.Throws<ArgumentException>(() => Samplers.Create(name, [-1], 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Samplers.Create(name, [0], 2, 0).EpochOrder(-1));
        Assert.Empty(Samplers.Create(name, [], 2, 0).EpochOrder(0));
    }
}
