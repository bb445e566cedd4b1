using ImbalanceFair.Core.Augmentation.Diffusion;
using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Runs;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Augmentation.Diffusion;

/// <summary>generator.csv's near-copy and diversity measures on constructed cases; the generator's config keys.</summary>
public class GeneratorQualityAndConfigTests
{
    [Fact]
    public void Copies_of_training_images_are_near_copies_and_fresh_images_are_not()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(2);
        var train = torch.rand([60, 48]);
        var copies = train.narrow(0, 0, 10) + (torch.randn([10, 48]) * 0.001);
        var (share, nearest) = GeneratorQuality.NearCopies(copies, train);
        Assert.Equal(1.0, share);
        Assert.True(nearest < 0.01, $"nearest {nearest}");
        var fresh = torch.rand([10, 48]);
        var (freshShare, freshNearest) = GeneratorQuality.NearCopies(fresh, train);
        Assert.Equal(0.0, freshShare);
        Assert.True(freshNearest > 0.2, $"nearest {freshNearest}");
    }

    [Fact]
    public void Mean_pairwise_distance_is_the_rms_distance_over_distinct_pairs()
    {
        using var scope = torch.NewDisposeScope();
        // Three rows of 4 values: distances 1 (rows 0-1: every value differs by 1 → RMS 1), 2 (0-2) and 1 (1-2).
        var rows = torch.tensor(new float[] { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2 }, [3, 4]);
        Assert.Equal((1 + 2 + 1) / 3.0, GeneratorQuality.MeanPairwise(rows), 5);
        Assert.Equal(0.0, GeneratorQuality.MeanPairwise(torch.ones([5, 4])), 6);
    }

    [Fact]
    public void Measure_reports_counts_and_leaves_judge_columns_empty_without_a_judge()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(4);
        var train = torch.randint(0, 256, [12, 1, 4, 4], ScalarType.UInt8);
        long[] labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
        Tensor[] generated = [train.narrow(0, 0, 3).clone(), torch.empty([0, 1, 4, 4], ScalarType.UInt8)];
        var rows = GeneratorQuality.Measure(generated, train, labels, ["a", "b"], null, null);
        Assert.Equal(["0", "a", "3", "8", "", "", "1", "0", rows[0].Fields()[8]], rows[0].Fields());
        Assert.True(rows[0].Diversity > 0);
        Assert.Equal(["1", "b", "0", "4", "", "", "", "", ""], rows[1].Fields());
    }

    [Fact]
    public void The_generator_section_is_read_checked_and_written_only_with_source_generate()
    {
        var config = RunConfigReader.FromText("""
            name: g
            dataset: {name: shapes}
            augment:
              strategy: diffusion
              diffusion:
                source: generate
                generator: {train_on: pool, channels: 24, prediction: eps, guidance: 1.5, seed: 7}
            """);
        var g = config.Augment.Section<DiffusionOptions>().Generator;
        Assert.Equal("generate", config.Augment.Section<DiffusionOptions>().Source);
        Assert.Equal(("pool", 24, "eps", 1.5, 7L), (g.TrainOn, g.Channels, g.Prediction, g.Guidance, g.Seed));
        Assert.Equal(new GeneratorOptions().TrainSteps, g.TrainSteps);
        var yaml = RunConfigWriter.ToYaml(config);
        Assert.Contains("train_on: pool", yaml, StringComparison.Ordinal);
        Assert.Equal(g, RunConfigReader.FromText(yaml).Augment.Section<DiffusionOptions>().Generator);

        // With imported images the generator section is written (the full config) but is not part of the run's identity.
        var imported = RunConfigReader.FromText("name: g\ndataset: {name: shapes}\naugment: {strategy: diffusion, diffusion: {source: /tmp/x}}\n");
        var importedWithGenerator = RunConfigReader.FromText("name: g\ndataset: {name: shapes}\naugment: {strategy: diffusion, diffusion: {source: /tmp/x, generator: {channels: 24}}}\n");
        Assert.Contains("generator:", RunConfigWriter.ToYaml(imported), StringComparison.Ordinal);
        Assert.DoesNotContain("generator", RunConfigWriter.IdentityYaml(imported), StringComparison.Ordinal);
        Assert.Equal(RunConfigWriter.Hash12(imported), RunConfigWriter.Hash12(importedWithGenerator));
        Assert.NotEqual(RunConfigWriter.Hash12(config), RunConfigWriter.Hash12(config with
        {
            Augment = config.Augment.With(config.Augment.Section<DiffusionOptions>() with { Generator = g with { Channels = 32 } }),
        }));

        var bad = Assert.Throws<ConfigException>(() => RunConfigReader.FromText("name: g\ndataset: {name: shapes}\naugment: {strategy: diffusion, diffusion: {source: generate, generator: {channels: 12}}}\n"));
        Assert.Contains("channels must be a positive multiple of 8", bad.Message, StringComparison.Ordinal);
        Assert.Throws<ConfigException>(() => RunConfigReader.FromText("name: g\ndataset: {name: shapes}\naugment: {strategy: diffusion, diffusion: {source: generate, generator: {class_sampling: half}}}\n"));
    }
}
