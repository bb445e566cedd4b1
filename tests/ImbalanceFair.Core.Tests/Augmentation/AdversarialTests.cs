using ImbalanceFair.Core.Attacks;
using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Training;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Augmentation;

[Collection(TrainedShapesCollection.Name)]
public class AdversarialTests(TrainedShapesFixture fixture)
{
    private readonly ShapesModel _shapes = fixture.Shapes;

    private static AdversarialOptions OptionsFor(string norm) => norm == "linf"
        ? new AdversarialOptions { Norm = "linf" }
        : new AdversarialOptions { Norm = "l2", Eps = 0.5, Alpha = 0.1 };

    /// <summary>Per added sample, the perturbation in [0, 1] units against its parent: (L∞, L2) norms.</summary>
    private static (double linf, double l2)[] Perturbations(AddedSamples added, RealTrainingData real)
    {
        var pixels = added.Images.ToArray<byte>();
        var per = pixels.Length / added.Count;
        var result = new (double, double)[added.Count];
        for (var i = 0; i < added.Count; i++)
        {
            var position = Array.IndexOf(real.OriginalIndices, added.Parent[i]);
            var source = real.Images.select(0, position).ToArray<byte>();
            double max = 0, sum = 0;
            for (var j = 0; j < per; j++)
            {
                var d = (pixels[(i * per) + j] - source[j]) / 255.0;
                max = Math.Max(max, Math.Abs(d));
                sum += d * d;
            }

            result[i] = (max, Math.Sqrt(sum));
        }

        return result;
    }

    [Theory]
    [InlineData("pgd", "linf")]
    [InlineData("pgd", "l2")]
    [InlineData("fgsm", "linf")]
    [InlineData("fgsm", "l2")]
    public void Stored_copies_stay_within_eps_of_their_parent_and_keep_its_label(string strategy, string norm)
    {
        var real = _shapes.LongTailed(60, 30, 12, 6, 3, 2);
        var targets = new AugmentTarget().For(real.Counts, _shapes.Descriptor.Classes);
        var options = OptionsFor(norm);
        torch.manual_seed(5);

        using var epoch = new AdversarialAugmentation(strategy, options, seed: 1, batchSize: 100).Generate(0, real, targets, _shapes.Classifier);
        var added = epoch.Added;

        Assert.Equal(new long[] { 0, 30, 48, 54, 57, 58 }, added.CountsOf(SampleSource.Adversarial, 6));
        Assert.All(added.Source, s => Assert.Equal(SampleSource.Adversarial, s));
        for (var i = 0; i < added.Count; i++)
        {
            var position = Array.IndexOf(real.OriginalIndices, added.Parent[i]);
            Assert.True(position >= 0, $"sample {i}: parent {added.Parent[i]} is not a real training sample");
            Assert.Equal(real.LabelsHost[position], added.LabelsHost[i]);
        }

        var sizes = Perturbations(added, real);
        var bound = norm == "linf" ? sizes.Max(s => s.linf) : sizes.Max(s => s.l2);
        Assert.True(bound <= options.Eps + 1e-6, $"largest {norm} perturbation {bound} exceeds eps {options.Eps}");
        Assert.True(sizes.Average(s => s.l2) > options.Eps / 4, $"the copies barely moved (mean L2 {sizes.Average(s => s.l2)})");
    }

    [Theory]
    [InlineData("linf", false)]
    [InlineData("linf", true)]
    [InlineData("l2", false)]
    [InlineData("l2", true)]
    public void The_float_attack_respects_per_sample_budgets_and_the_pixel_range(string norm, bool fgsm)
    {
        var real = _shapes.LongTailed(8, 8, 8, 8, 8, 8);
        var n = real.Count;
        var scale = norm == "linf" ? 1.0 / 255 : 0.1;
        var eps = Enumerable.Range(0, n).Select(i => (float)(((i % 4) + 1) * 2 * scale)).ToArray();
        var attackNorm = AttackNorms.Parse(norm, "norm");
        torch.manual_seed(2);
        using var scope = torch.NewDisposeScope();
        var x = real.Images.to(ScalarType.Float32) / 255.0;
        var e = torch.tensor(eps);
        using var target = new AttackTarget(_shapes.Classifier);

        var adv = fgsm
            ? Attack.Fgsm(target.Logits, x, real.Labels, e, attackNorm)
            : Attack.Pgd(target.Logits, x, real.Labels, e, e / 4, 10, attackNorm, randomStart: true);

        Assert.True(adv.min().item() >= 0.0);
        Assert.True(adv.max().item() <= 1.0);
        var delta = (adv - x).flatten(1);
        var sizes = (norm == "linf" ? delta.abs().max(1).values : delta.norm(2, [1])).ToArray<float>();
        for (var i = 0; i < n; i++)
        {
            Assert.True(sizes[i] <= eps[i] * (1 + 1e-5) + 1e-7, $"sample {i}: {norm} {sizes[i]} > eps {eps[i]}");
        }

        // The budget is used: most samples reach (close to) their ball's surface.
        Assert.True(sizes.Where((s, i) => s >= 0.9 * eps[i]).Count() >= n / 2, $"{norm} sizes {string.Join(", ", sizes)}");
    }

    [Theory]
    [InlineData("pgd", "linf")]
    [InlineData("pgd", "l2")]
    [InlineData("fgsm", "linf")]
    [InlineData("fgsm", "l2")]
    public void Perturbed_copies_have_a_higher_loss_than_their_clean_sources(string strategy, string norm)
    {
        var real = _shapes.LongTailed(60, 30, 12, 6, 3, 2);
        var targets = new AugmentTarget().For(real.Counts, _shapes.Descriptor.Classes);
        torch.manual_seed(6);

        using var epoch = new AdversarialAugmentation(strategy, OptionsFor(norm), seed: 1).Generate(0, real, targets, _shapes.Classifier);
        var added = epoch.Added;
        using var scope = torch.NewDisposeScope();
        var positions = added.Parent.Select(p => (long)Array.IndexOf(real.OriginalIndices, p)).ToArray();
        var idx = torch.tensor(positions);
        var clean = _shapes.Losses(real.Images.index_select(0, idx), real.Labels.index_select(0, idx));
        var perturbed = _shapes.Losses(added.Images, added.Labels);

        Assert.True(clean.Average() < 1.0, $"the model should fit its training images (mean clean loss {clean.Average():F3})");
        Assert.True(perturbed.Average() > clean.Average() * 1.2, $"{strategy}/{norm}: mean loss {clean.Average():F4} clean vs {perturbed.Average():F4} perturbed");
        var raised = perturbed.Zip(clean).Count(p => p.First >= p.Second);
        Assert.True(raised >= 0.9 * clean.Length, $"{strategy}/{norm}: only {raised} of {clean.Length} samples have a higher loss");
    }

    [Fact]
    public void RobustLt_budgets_follow_the_formula_and_average_to_eps()
    {
        long[] counts = [500, 200, 50, 10, 3];
        const double eps = 8.0 / 255;
        const double alpha = 0.3;

        var budgets = RobustLtBudgets.For(counts, eps, alpha);

        double n = counts.Sum(), nMax = counts.Max();
        var tau = alpha / counts.Sum(c => c / n * Math.Sqrt(Math.Log(nMax / c)));
        for (var c = 0; c < counts.Length; c++)
        {
            Assert.Equal(((1 - alpha) * eps) + (tau * Math.Sqrt(Math.Log(nMax / counts[c])) * eps), budgets[c], 12);
        }

        Assert.Equal(eps, counts.Select((m, c) => m / n * budgets[c]).Sum(), 12);
        Assert.Equal((1 - alpha) * eps, budgets[0], 12);
        Assert.True(budgets.Zip(budgets.Skip(1)).All(p => p.First < p.Second), "rarer classes get larger budgets");
        Assert.Equal(0.3, RobustLtBudgets.DefaultAlpha);
        Assert.Equal(Enumerable.Repeat(eps, 3), RobustLtBudgets.For([40, 40, 40], eps));
        Assert.Equal(eps, RobustLtBudgets.For([100, 7, 0], eps).Zip(new long[] { 100, 7, 0 }).Sum(p => p.Second / 107.0 * p.First), 12);
    }

    [Fact]
    public void With_robustlt_each_class_is_perturbed_within_its_own_budget_and_rare_classes_beyond_eps()
    {
        var real = _shapes.LongTailed(100, 40, 12, 6, 3, 2);
        var targets = new AugmentTarget().For(real.Counts, _shapes.Descriptor.Classes);
        var options = new AdversarialOptions { EpsPerClass = "robustlt" };
        var strategy = new AdversarialAugmentation("pgd", options, seed: 4);
        var budgets = strategy.ClassBudgets(real.Counts);
        Assert.Equal(RobustLtBudgets.For(real.Counts, options.Eps), budgets);
        torch.manual_seed(7);

        using var epoch = strategy.Generate(0, real, targets, _shapes.Classifier);

        var sizes = Perturbations(epoch.Added, real);
        for (var c = 1; c < 6; c++)
        {
            var mine = sizes.Where((_, i) => epoch.Added.LabelsHost[i] == c).Max(s => s.linf);
            Assert.True(mine <= budgets[c] + 1e-6, $"class {c}: {mine} > its budget {budgets[c]}");
        }

        var rarest = sizes.Where((_, i) => epoch.Added.LabelsHost[i] == 5).Max(s => s.linf);
        Assert.True(budgets[5] > options.Eps && rarest > options.Eps, $"the rarest class's budget {budgets[5]} (used {rarest}) should exceed eps {options.Eps}");
    }

    [Fact]
    public void Online_regeneration_attacks_the_current_weights_and_once_keeps_the_first_result()
    {
        using var shapes = new ShapesModel(trainEpochs: 0, perClass: 30);
        var real = shapes.LongTailed(30, 10, 4);
        var targets = new AugmentTarget().For(real.Counts, ["a", "b", "c"]);
        var online = new AdversarialOptions { RandomStart = false };
        var pgd = new AdversarialAugmentation("pgd", online, seed: 2);
        Assert.True(pgd.RegeneratesEachEpoch);
        Assert.False(new AdversarialAugmentation("pgd", online with { Regenerate = "once" }, seed: 2).RegeneratesEachEpoch);

        byte[] Images(IAugmentationStrategy s, int epoch)
        {
            using var e = s.Generate(epoch, real, targets, shapes.Classifier);
            return e.Added.Images.ToArray<byte>();
        }

        using var onlineSource = new AugmentedTrainingSource(pgd, real, targets);
        using var onceSource = new AugmentedTrainingSource(new AdversarialAugmentation("pgd", online with { Regenerate = "once" }, seed: 2), real, targets);
        var first = Images(pgd, 0);
        Assert.Equal(first, Images(pgd, 0));
        using (onlineSource.ForEpoch(0, shapes.Classifier))
        using (onceSource.ForEpoch(0, shapes.Classifier))
        {
        }

        var onceFirst = onceSource.Latest!.Added;
        Assert.Equal(first, onlineSource.Latest!.Added.Images.ToArray<byte>());
        Assert.Equal(first, onceFirst.Images.ToArray<byte>());
        var parents = onlineSource.Latest.Added.Parent;

        // A training step's worth of change to the weights.
        using (torch.no_grad())
        {
            torch.manual_seed(11);
            foreach (var p in shapes.Classifier.TrainableParameters())
            {
                using var noise = torch.randn_like(p) * 0.05;
                p.add_(noise);
            }
        }

        using (onlineSource.ForEpoch(1, shapes.Classifier))
        using (onceSource.ForEpoch(1, shapes.Classifier))
        {
        }

        var second = onlineSource.Latest!.Added.Images.ToArray<byte>();
        Assert.Equal(parents, onlineSource.Latest.Added.Parent);
        var changed = first.Zip(second).Count(p => p.First != p.Second);
        Assert.True(changed > first.Length / 20, $"only {changed} of {first.Length} pixels changed with the weights");
        Assert.Same(onceFirst, onceSource.Latest!.Added);
        Assert.Equal(first, onceSource.Latest.Added.Images.ToArray<byte>());
        Assert.Equal(second, Images(pgd, 1));
    }

    [Fact]
    public void An_attack_leaves_the_model_mode_parameters_and_gradients_as_it_found_them()
    {
        using var shapes = new ShapesModel(trainEpochs: 0, perClass: 20);
        var real = shapes.LongTailed(20, 5);
        var classifier = shapes.Classifier;
        var parameters = classifier.TrainableParameters();
        classifier.Train(true);
        using var scope = torch.NewDisposeScope();

        // Gradients left over from a training step must survive the attack untouched.
        var loss = nn.functional.cross_entropy(classifier.Logits(real.Images.to(ScalarType.Float32) / 255.0), real.Labels);
        loss.backward();
        var gradsBefore = parameters.Select(p => p.grad?.clone()).ToArray();
        var valuesBefore = parameters.Select(p => p.detach().clone()).ToArray();
        Assert.Contains(gradsBefore, g => g is not null);

        using (var epoch = new AdversarialAugmentation("pgd", new AdversarialOptions(), seed: 0).Generate(0, real, [20, 20], classifier))
        {
            Assert.Equal(15, epoch.Added.Count);
        }

        Assert.True(classifier.Training);
        Assert.True(classifier.Model.training);
        for (var i = 0; i < parameters.Count; i++)
        {
            Assert.True(parameters[i].requires_grad, $"parameter {i} no longer requires grad");
            Assert.True(parameters[i].detach().allclose(valuesBefore[i], 0, 0), $"parameter {i} changed");
            var g = parameters[i].grad;
            Assert.Equal(gradsBefore[i] is null, g is null);
            if (g is not null)
            {
                Assert.True(g.allclose(gradsBefore[i]!, 0, 0), $"the gradient of parameter {i} changed");
            }
        }

        classifier.Train(false);
        using (new AttackTarget(classifier))
        {
        }

        Assert.False(classifier.Training);
    }

    /// <summary>Counts the calls a trainer makes into a strategy.</summary>
    private sealed class Counting(IAugmentationStrategy inner) : IAugmentationStrategy
    {
        public List<int> Epochs { get; } = [];

        public string Name => inner.Name;

        public bool RegeneratesEachEpoch => inner.RegeneratesEachEpoch;

        public EpochAugmentation Generate(int epoch, RealTrainingData real, long[] targets, ClipClassifier model)
        {
            Epochs.Add(epoch);
            return inner.Generate(epoch, real, targets, model);
        }
    }

    [Theory]
    [InlineData("pgd", "epoch")]
    [InlineData("pgd", "once")]
    [InlineData("fgsm", "epoch")]
    [InlineData("m2m", "epoch")]
    public void A_trainer_runs_with_the_strategy_in_the_loop(string name, string regenerate)
    {
        using var shapes = new ShapesModel(trainEpochs: 0, perClass: 40);
        var real = shapes.LongTailed(40, 20, 10, 5, 3, 2);
        var targets = new AugmentTarget().For(real.Counts, shapes.Descriptor.Classes);
        var options = new AugmentOptions { Strategy = name }.With(new AdversarialOptions { Regenerate = regenerate });
        var ctx = new AugmentContext(0, Device.CPU, shapes.Descriptor, 3, Serilog.Core.Logger.None);
        var strategy = new Counting(AugmentationStrategies.Create(options, ctx));
        using var source = new AugmentedTrainingSource(strategy, real, targets);
        var train = new TrainOptions { Epochs = 3, BatchSize = 32, Schedule = new ScheduleOptions { WarmupSteps = 5 } };

        var result = new Trainer(shapes.Classifier, source, null, train, seed: 0).Run();

        Assert.Equal(regenerate == "epoch" ? [0, 1, 2] : [0], strategy.Epochs);
        Assert.Equal(3, result.State.CompletedEpochs);
        Assert.All(result.State.Log, row => Assert.True(double.IsFinite(row.Loss)));
        Assert.Equal(targets.Sum() - real.Count, source.Latest!.Added.Count);
        Assert.All(shapes.Classifier.TrainableParameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void The_registry_builds_the_adversarial_strategies_and_rejects_bad_options()
    {
        var ctx = new AugmentContext(0, Device.CPU, _shapes.Descriptor, 1, Serilog.Core.Logger.None);

        Assert.Equal("fgsm", AugmentationStrategies.Create(new AugmentOptions { Strategy = "fgsm" }, ctx).Name);
        Assert.Equal("pgd", AugmentationStrategies.Create(new AugmentOptions { Strategy = "pgd" }, ctx).Name);
        Assert.Equal("m2m", AugmentationStrategies.Create(new AugmentOptions { Strategy = "m2m" }, ctx).Name);
        Assert.Contains("linf", Assert.Throws<ArgumentException>(() => new AdversarialAugmentation("pgd", new AdversarialOptions { Norm = "l1" }, 0)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new AdversarialAugmentation("pgd", new AdversarialOptions { Regenerate = "never" }, 0));
        Assert.Throws<ArgumentException>(() => new AdversarialAugmentation("pgd", new AdversarialOptions { EpsPerClass = "inverse" }, 0));
        Assert.Throws<ArgumentException>(() => new AdversarialAugmentation("pgd", new AdversarialOptions { Eps = -1 }, 0));
        Assert.Throws<ArgumentException>(() => new AdversarialAugmentation("cw", new AdversarialOptions(), 0));
    }

    [Fact]
    public void Eps_zero_copies_are_exact_duplicates()
    {
        var real = _shapes.LongTailed(10, 4);
        using var epoch = new AdversarialAugmentation("pgd", new AdversarialOptions { Eps = 0 }, seed: 3).Generate(0, real, [10, 10], _shapes.Classifier);

        Assert.All(Perturbations(epoch.Added, real), s => Assert.Equal(0, s.linf));
    }
}
