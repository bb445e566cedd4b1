using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Runs;
using ImbalanceFair.Core.Models;

namespace ImbalanceFair.Core.Tests.Config;

/// <summary>train.mode: lora and train.lora: read, written back, in the run hash only for lora runs, checked.</summary>
public class LoraConfigTests
{
    [Fact]
    public void Lora_options_round_trip_and_only_lora_runs_carry_them()
    {
        var lora = RunConfigReader.FromText("train: {mode: lora, lora: {rank: 4, alpha: 8, targets: [q_proj, fc1], towers: [vision]}}");
        var plain = RunConfigReader.FromText("train: {mode: text-head}");
        var yaml = RunConfigWriter.ToYaml(lora);

        Assert.Equal(TrainMode.Lora, lora.Train.Mode);
        Assert.Equal((4, 8.0), (lora.Train.Lora.Rank, lora.Train.Lora.Alpha));
        Assert.Equal(["q_proj", "fc1"], lora.Train.Lora.TargetNames);
        Assert.Equal(["vision"], lora.Train.Lora.TowerNames);
        Assert.Equal(yaml, RunConfigWriter.ToYaml(RunConfigReader.FromText(yaml)));
        Assert.Contains("  lora:\n", yaml, StringComparison.Ordinal);
        Assert.NotEqual(RunConfigWriter.Hash12(lora), RunConfigWriter.Hash12(RunConfigReader.FromText(yaml.Replace("rank: 4", "rank: 2", StringComparison.Ordinal))));
        var otherLora = plain with { Train = plain.Train with { Lora = new LoraOptions { Rank = 2 } } };
        Assert.Equal(RunConfigWriter.Hash12(plain), RunConfigWriter.Hash12(otherLora)); // train.lora does not apply to text-head
    }

    [Theory]
    [InlineData("train: {mode: lora, lora: {targets: [q_proj, w_proj]}}", "train.lora.targets")]
    [InlineData("train: {mode: lora, lora: {towers: []}}", "train.lora.towers")]
    [InlineData("train: {mode: lora, lora: {rank: 0}}", "rank")]
    public void Bad_lora_options_are_config_errors(string yaml, string key)
    {
        var e = Assert.Throws<ConfigException>(() => RunConfigReader.FromText(yaml));

        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }
}
