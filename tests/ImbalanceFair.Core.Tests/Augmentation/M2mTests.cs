using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Augmentation;

[Collection(TrainedShapesCollection.Name)]
public class M2mTests(TrainedShapesFixture fixture)
{
    private readonly ShapesModel _shapes = fixture.Shapes;

    [Fact]
    public void Seed_class_probabilities_follow_one_minus_beta_to_the_count_gap()
    {
        long[] counts = [500, 300, 100, 5];
        const double beta = 0.999;

        var p = M2mAugmentation.SeedClassProbabilities(counts, 3, beta);

        var w = counts.Select(n => 1 - Math.Pow(beta, Math.Max(n - 5, 0))).ToArray();
        for (var c = 0; c < 4; c++)
        {
            Assert.Equal(w[c] / w.Sum(), p[c], 12);
        }

        Assert.Equal(0, p[3]);
        Assert.Equal(new double[] { 1, 0, 0, 0 }, M2mAugmentation.SeedClassProbabilities(counts, 1, beta));
        Assert.Equal(new double[4], M2mAugmentation.SeedClassProbabilities(counts, 0, beta));
        var p2 = M2mAugmentation.SeedClassProbabilities(counts, 2, 0.99);
        Assert.Equal((1 - Math.Pow(0.99, 400)) / ((1 - Math.Pow(0.99, 400)) + (1 - Math.Pow(0.99, 200))), p2[0], 12);
    }

    [Fact]
    public void Seed_classes_and_images_are_drawn_with_those_probabilities()
    {
        var real = AugmentationTestData.LongTailed(500, 300, 100, 5);
        long[] targets = [500, 500, 500, 20_005];
        var p = M2mAugmentation.SeedClassProbabilities(real.Counts, 3, 0.999);

        var plan = M2mAugmentation.Plan(real, targets, seed: 3, epoch: 0, beta: 0.999);

        Assert.Equal(200 + 400 + 20_000, plan.Length);
        var forRarest = plan.Where(s => s.Target == 3).ToArray();
        var frequencies = ClassCounts.Of(forRarest.Select(s => (long)s.SeedClass), 4).Select(n => n / (double)forRarest.Length).ToArray();
        for (var c = 0; c < 4; c++)
        {
            var sigma = Math.Sqrt(p[c] * (1 - p[c]) / forRarest.Length);
            Assert.True(Math.Abs(frequencies[c] - p[c]) <= (4 * sigma) + 1e-9, $"class {c}: drawn {frequencies[c]:F4}, expected {p[c]:F4} (4 sigma = {4 * sigma:F4})");
        }

        Assert.All(plan, s =>
        {
            Assert.Equal(s.SeedClass, real.LabelsHost[s.Seed]);
            Assert.True(real.Counts[s.SeedClass] > real.Counts[s.Target], "the seed comes from a larger class");
            Assert.Equal(s.Target, real.LabelsHost[s.Fallback]);
        });

        // Seed images are uniform within the seed class: every image of class 2 is used about equally often.
        var uses = forRarest.Where(s => s.SeedClass == 2).GroupBy(s => s.Seed).Select(g => g.Count()).ToArray();
        Assert.True(uses.Length > 95, $"only {uses.Length} of class 2's 100 images were used as seeds");

        // The draws depend on the seed and the epoch, and only on them.
        Assert.Equal(plan, M2mAugmentation.Plan(real, targets, seed: 3, epoch: 0, beta: 0.999));
        Assert.NotEqual(plan.Select(s => s.Seed), M2mAugmentation.Plan(real, targets, seed: 3, epoch: 1, beta: 0.999).Select(s => s.Seed));
    }

    [Fact]
    public void Accepted_translations_reach_gamma_and_rejected_ones_fall_back_to_counted_duplicates()
    {
        var real = _shapes.LongTailed(120, 120, 60, 20, 8, 4);
        var targets = new AugmentTarget().For(real.Counts, _shapes.Descriptor.Classes);
        var options = new M2mOptions { Gamma = 0.6, StepSize = 0.5, Steps = 10 };
        var m2m = new M2mAugmentation(options, seed: 1, batchSize: 100);
        Assert.True(m2m.RegeneratesEachEpoch);

        using var epoch = m2m.Generate(0, real, targets, _shapes.Classifier);
        var added = epoch.Added;

        var need = real.Counts.Select((n, c) => targets[c] - n).ToArray();
        var m2mCounts = added.CountsOf(SampleSource.M2m, 6);
        var duplicateCounts = added.CountsOf(SampleSource.Oversample, 6);
        Assert.Equal(need, m2mCounts.Zip(duplicateCounts, (a, b) => a + b).ToArray());
        Assert.Equal(added.Count, m2mCounts.Sum() + duplicateCounts.Sum());
        Assert.Equal(m2mCounts, m2m.LastOutcome!.Value.Accepted);
        Assert.True(m2mCounts.Sum() > 0 && duplicateCounts.Sum() > 0, $"accepted {m2mCounts.Sum()}, duplicates {duplicateCounts.Sum()}: the test needs both");

        var probabilities = _shapes.Probabilities(added.Images, added.Labels);
        var pixels = added.Images.ToArray<byte>();
        var per = pixels.Length / added.Count;
        for (var i = 0; i < added.Count; i++)
        {
            var position = Array.IndexOf(real.OriginalIndices, added.Parent[i]);
            var parentClass = real.LabelsHost[position];
            if (added.Source[i] == SampleSource.M2m)
            {
                Assert.True(probabilities[i] >= options.Gamma, $"accepted sample {i} has p(target) {probabilities[i]:F3} < gamma");
                Assert.True(real.Counts[parentClass] > real.Counts[added.LabelsHost[i]], $"sample {i}: seed of class {parentClass} is not from a larger class");
            }
            else
            {
                Assert.Equal(added.LabelsHost[i], parentClass);
                Assert.Equal(real.Images.select(0, position).ToArray<byte>(), pixels.AsSpan(i * per, per).ToArray());
            }
        }
    }

    [Fact]
    public void Gamma_decides_between_all_translations_and_all_duplicates()
    {
        var real = _shapes.LongTailed(60, 30, 10);
        long[] targets = [70, 60, 60];

        using (var all = new M2mAugmentation(new M2mOptions { Gamma = 0 }, seed: 2).Generate(0, real, targets, _shapes.Classifier))
        {
            // Class 0 is the largest: nothing to translate from, so its 10 are duplicates whatever gamma says.
            Assert.Equal(new long[] { 10, 0, 0 }, all.Added.CountsOf(SampleSource.Oversample, 3));
            Assert.Equal(new long[] { 0, 30, 50 }, all.Added.CountsOf(SampleSource.M2m, 3));
        }

        using var none = new M2mAugmentation(new M2mOptions { Gamma = 1 }, seed: 2).Generate(0, real, targets, _shapes.Classifier);
        var probabilities = _shapes.Probabilities(none.Added.Images, none.Added.Labels);
        Assert.All(Enumerable.Range(0, none.Added.Count).Where(i => none.Added.Source[i] == SampleSource.M2m), i => Assert.Equal(1.0, probabilities[i]));
        Assert.True(none.Added.CountsOf(SampleSource.Oversample, 3).Sum() > 60, "with gamma 1 nearly every translation is rejected");
        Assert.Equal(real.Counts.Select((n, c) => targets[c] - n).Sum(), none.Added.Count);
    }

    [Fact]
    public void Translation_moves_seeds_towards_the_target_class_and_the_lambda_term_away_from_their_own()
    {
        var real = _shapes.LongTailed(60, 8);
        long[] targets = [60, 60];

        // Mean softmax probability of the target class and of the seed's class, on the seeds and on the translations.
        (double target, double seed, double targetAfter, double seedAfter) Probabilities(M2mOptions options)
        {
            using var epoch = new M2mAugmentation(options with { Gamma = 0 }, seed: 4).Generate(0, real, targets, _shapes.Classifier);
            var added = epoch.Added;
            Assert.All(added.Source, s => Assert.Equal(SampleSource.M2m, s));
            using var scope = torch.NewDisposeScope();
            var seeds = real.Images.index_select(0, torch.tensor(added.Parent.Select(p => (long)Array.IndexOf(real.OriginalIndices, p)).ToArray()));
            var seedLabels = torch.zeros_like(added.Labels);
            return (_shapes.Probabilities(seeds, added.Labels).Average(), _shapes.Probabilities(seeds, seedLabels).Average(),
                _shapes.Probabilities(added.Images, added.Labels).Average(), _shapes.Probabilities(added.Images, seedLabels).Average());
        }

        var ceOnly = Probabilities(new M2mOptions { Lambda = 0, StepSize = 0.2 });
        Assert.True(ceOnly.targetAfter > ceOnly.target + 0.1, $"lambda 0: mean p(target) {ceOnly.target:F3} on the seeds, {ceOnly.targetAfter:F3} after translation");

        var paper = Probabilities(new M2mOptions());
        Assert.True(paper.seedAfter < paper.seed - 0.1, $"lambda 0.5: mean p(seed class) {paper.seed:F3} on the seeds, {paper.seedAfter:F3} after translation");
    }
}
