using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Tests.Augmentation;
using ImbalanceFair.Core.Training;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Metrics;

[Collection(TrainedShapesCollection.Name)]
public class RobustAccuracyTests(TrainedShapesFixture fixture)
{
    private readonly ShapesModel _shapes = fixture.Shapes;

    [Theory]
    [InlineData("pgd", "linf", 8.0 / 255)]
    [InlineData("pgd", "l2", 0.5)]
    [InlineData("fgsm", "linf", 8.0 / 255)]
    public void Robust_accuracy_is_at_most_clean_accuracy_overall_and_per_class(string name, string norm, double eps)
    {
        var test = _shapes.Data.Test;
        torch.manual_seed(1);

        var result = RobustAccuracy.Evaluate(_shapes.Classifier, test.Images, test.Labels, new EvalAttackOptions { Name = name, Norm = norm, Eps = eps });

        var clean = Evaluation.Predict(_shapes.Classifier, test.Images, test.Labels);
        var cleanRecall = Accuracy.PerClassRecall(clean.Labels, clean.Predicted, 6);
        Assert.Equal(clean.Predicted, result.CleanPredicted);
        Assert.True(result.CleanOverall > 0.5, $"the fixture model should be far above chance (clean {result.CleanOverall:P0})");
        Assert.True(result.Overall < result.CleanOverall, $"{name}/{norm}: robust {result.Overall:P1} should fall below clean {result.CleanOverall:P1}");
        for (var c = 0; c < 6; c++)
        {
            Assert.True(result.PerClass[c] <= cleanRecall[c], $"class {c}: robust {result.PerClass[c]:P1} > clean {cleanRecall[c]:P1}");
        }

        Assert.Equal(result.PerClass.Min(), result.WorstClass);
        Assert.Equal(result.RobustCorrect.Count(r => r) / (double)result.Count, result.Overall);
        Assert.All(Enumerable.Range(0, result.Count), i => Assert.Equal(result.RobustCorrect[i], result.CleanPredicted[i] == result.Labels[i] && result.AdversarialPredicted[i] == result.Labels[i]));
    }

    [Theory]
    [InlineData("pgd", "linf")]
    [InlineData("pgd", "l2")]
    [InlineData("fgsm", "linf")]
    [InlineData("fgsm", "l2")]
    public void At_eps_zero_robust_accuracy_equals_clean_accuracy(string name, string norm)
    {
        var test = _shapes.Data.Test;

        var result = RobustAccuracy.Evaluate(_shapes.Classifier, test.Images, test.Labels, new EvalAttackOptions { Name = name, Norm = norm, Eps = 0 }, batchSize: 100);

        var clean = Evaluation.Predict(_shapes.Classifier, test.Images, test.Labels);
        Assert.Equal(clean.Predicted, result.AdversarialPredicted);
        Assert.Equal(clean.Labels.Zip(clean.Predicted).Count(p => p.First == p.Second) / (double)clean.Count, result.Overall);
        Assert.Equal(Accuracy.PerClassRecall(clean.Labels, clean.Predicted, 6), result.PerClass);
    }

    [Fact]
    public void Eval_attack_defaults_follow_torchattacks()
    {
        var o = new EvalAttackOptions();

        Assert.Equal(("pgd", 8.0 / 255, 2.0 / 255, 10, "linf", true), (o.Name, o.Eps, o.StepSize, o.Steps, o.Norm, o.RandomStart));
        Assert.Equal(0.025, new EvalAttackOptions { Eps = 0.1 }.StepSize, 15);
        Assert.Equal(0.01, new EvalAttackOptions { Eps = 0.1, Alpha = 0.01 }.StepSize);
        Assert.Throws<ArgumentException>(() => new EvalAttackOptions { Name = "cw" }.Validate());
        Assert.Throws<ArgumentException>(() => new EvalAttackOptions { Norm = "l1" }.Validate());
        Assert.Throws<ArgumentException>(() => new EvalAttackOptions { Steps = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new EvalAttackOptions { Eps = double.NaN }.Validate());
    }
}
