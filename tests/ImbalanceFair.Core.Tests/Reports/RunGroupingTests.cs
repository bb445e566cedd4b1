using ImbalanceFair.Core.Reports;
using ImbalanceFair.Core.Runs;

namespace ImbalanceFair.Core.Tests.Reports;

public class RunGroupingTests
{
    private static RunConfig Config(string extra, string dataset = "{name: fashion-mnist}") => RunConfigReader.FromText($"""
        name: study
        dataset: {dataset}
        imbalance: {"{"}ratio: 100{"}"}
        augment: {"{"}strategy: none{"}"}
        {extra}
        """);

    [Fact]
    public void A_section_present_in_one_group_and_null_in_the_other_is_named_once_not_key_by_key_as_absent()
    {
        var variants = RunGrouping.Variants([Config("train: {optimizer: {lr: 0.001}}"), Config("train: {optimizer: {lr: 0.001}}", "{name: fashion-mnist, attribute: {kind: color, correlation: 0.95}}")]);

        Assert.Equal("dataset.attribute=null", variants[0]);
        Assert.Equal("dataset.attribute.correlation=0.95, dataset.attribute.kind=color", variants[1]);
    }

    [Fact]
    public void Keys_whose_values_differ_are_named_with_each_groups_value()
    {
        var variants = RunGrouping.Variants([Config("train: {optimizer: {lr: 0.001}}"), Config("train: {optimizer: {lr: 0.003}}")]);

        Assert.Equal(["train.optimizer.lr=0.001", "train.optimizer.lr=0.003"], variants);
    }
}
