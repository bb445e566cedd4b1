using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Runs;
using ImbalanceFair.Core.Sweeps;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Tests.Shared;

namespace ImbalanceFair.Core.Tests.Sweeps;

/// <summary>Reading sweep files and expanding them into trials (DESIGN §9a): order, values as override text, strictness.</summary>
public sealed class SweepFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-sweepfile-");

    private SweepDefinition Parse(string body) =>
        SweepFileReader.Parse($"name: s\nbase: {Path.Combine(Repo.Root, "configs", "ci-shapes.yaml")}\n{body}", Path.Combine(_dir.FullName, "s.yaml"));

    [Fact]
    public void Trials_follow_the_grid_with_the_last_key_fastest_and_variants_slowest()
    {
        var trials = SweepTrials.Expand(Parse("""
            set: {train.epochs: 2}
            grid:
              imbalance.ratio: [10, 100]
              seed: [0, 1, 2]
            variants:
              - {augment.strategy: none}
              - {augment.strategy: pgd, augment.adversarial.steps: 2}
            """));

        Assert.Equal(12, trials.Count);
        Assert.Equal(Enumerable.Range(0, 12), trials.Select(t => t.Index));
        Assert.Equal("train.epochs=2 imbalance.ratio=10 seed=0 augment.strategy=none", trials[0].OverridesText);
        Assert.Equal("train.epochs=2 imbalance.ratio=10 seed=1 augment.strategy=none", trials[1].OverridesText);
        Assert.Equal("train.epochs=2 imbalance.ratio=100 seed=0 augment.strategy=none", trials[3].OverridesText);
        Assert.Equal("train.epochs=2 imbalance.ratio=10 seed=0 augment.strategy=pgd augment.adversarial.steps=2", trials[6].OverridesText);
        Assert.Equal("train.epochs=2 imbalance.ratio=100 seed=2 augment.strategy=pgd augment.adversarial.steps=2", trials[11].OverridesText);
    }

    [Fact]
    public void Trials_that_differ_only_in_keys_that_do_not_apply_are_one_experiment_run_once()
    {
        var file = Path.Combine(_dir.FullName, "dup.yaml");
        File.WriteAllText(file, $"""
            name: dup
            base: {Path.Combine(Repo.Root, "configs", "ci-shapes.yaml")}
            set: {"{"}output.dir: {Path.Combine(_dir.FullName, "runs")}, dataset.name: {Path.Combine(Repo.Root, "datasets", "shapes.yaml")}{"}"}
            grid:
              augment.strategy: [none, smote]
              augment.smote.k: [3, 5]
            """);

        var plan = SweepPlan.Load(file);

        Assert.Equal(4, plan.Trials.Count);
        Assert.Equal([null, 0, null, null], plan.Trials.Select(t => t.DuplicateOf));
        Assert.Equal(plan.Trials[0].RunDir, plan.Trials[1].RunDir);
        Assert.NotEqual(plan.Trials[2].RunDir, plan.Trials[3].RunDir);
        Assert.Equal([0, 2, 3], plan.Distinct.Select(t => t.Index));
        Assert.Equal("0,2-3%4", SlurmScripts.ArrayRange([.. plan.Distinct.Select(t => t.Index)], 4));
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "runs")));
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2, 3 }, "0-3")]
    [InlineData(new[] { 0, 2, 3, 4, 7 }, "0,2-4,7")]
    [InlineData(new[] { 5 }, "5")]
    public void The_slurm_array_lists_the_given_indices_with_runs_compacted(int[] indices, string expected)
    {
        Assert.Equal(expected, SlurmScripts.ArrayRange(indices, null));
    }

    [Fact]
    public void Appending_a_variant_keeps_every_existing_index()
    {
        var one = SweepTrials.Expand(Parse("grid: {seed: [0, 1]}\nvariants: [{augment.strategy: none}]"));
        var two = SweepTrials.Expand(Parse("grid: {seed: [0, 1]}\nvariants: [{augment.strategy: none}, {augment.strategy: smote}]"));

        Assert.Equal(one.Select(t => t.OverridesText), two.Take(one.Count).Select(t => t.OverridesText));
    }

    [Fact]
    public void No_grid_and_no_variants_is_one_trial_of_the_base_config()
    {
        var trials = SweepTrials.Expand(Parse("set: {seed: 4}"));

        Assert.Equal("seed=4", Assert.Single(trials).OverridesText);
    }

    [Fact]
    public void Values_become_override_text_that_reads_back_as_the_same_yaml()
    {
        var trials = SweepTrials.Expand(Parse("""
            grid:
              augment.target: [balance, {ratio: 2}]
              imbalance.order: [[c, b, a]]
              augment.adversarial.eps: [8/255, "4/255"]
            """));

        Assert.Equal("augment.target=balance imbalance.order=[c, b, a] augment.adversarial.eps=8/255", trials[0].OverridesText);
        Assert.Equal("augment.target=balance imbalance.order=[c, b, a] augment.adversarial.eps=\"4/255\"", trials[1].OverridesText);
        Assert.Equal("augment.target={ratio: 2} imbalance.order=[c, b, a] augment.adversarial.eps=8/255", trials[2].OverridesText);
        var config = RunConfigReader.Load(Path.Combine(Repo.Root, "configs", "ci-shapes.yaml"), trials[3].Overrides.Select(o => o.ToString()).ToList());
        Assert.Equal(2, config.Augment.Target.Ratio);
        Assert.Equal(["c", "b", "a"], config.Imbalance.ExplicitOrder!);
        Assert.Equal(4.0 / 255, config.Augment.Section<AdversarialOptions>().Eps, 12);
    }

    [Theory]
    [InlineData("grid: {seeds: [0]}", "s.yaml:3: grid: 'seeds' is not a config key. Did you mean 'seed'?")]
    [InlineData("set: {train.epoch: 3}", "s.yaml:3: set: 'train.epoch' is not a config key. Did you mean 'train.epochs'?")]
    [InlineData("variants: [{augment.stratgy: pgd}]", "variants[0]: 'augment.stratgy' is not a config key. Did you mean 'augment.strategy'?")]
    [InlineData("variants: {augment.strategy: pgd}", "s.yaml:3: variants: expected a list")]
    [InlineData("grid: [seed]", "s.yaml:3: grid: expected a mapping")]
    [InlineData("grid: {seed: []}", "'seed' needs a non-empty list")]
    [InlineData("sets: {seed: 1}", "s.yaml:3: unknown key 'sets'. Did you mean 'set'?")]
    [InlineData("set: {name: other}", "'name' is set by the sweep")]
    public void Mistakes_name_the_file_line_and_the_nearest_key(string body, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Parse(body));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_base_is_an_error_that_says_where_it_looked()
    {
        var e = Assert.Throws<ConfigException>(() => SweepFileReader.Parse("name: s\nbase: nowhere.yaml\n", Path.Combine(_dir.FullName, "s.yaml")));

        Assert.Contains("s.yaml:2: base: 'nowhere.yaml' does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_dir.FullName, "nowhere.yaml"), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_sweeps_read_and_the_study_has_every_strategy_but_diffusion()
    {
        var study = SweepFileReader.Load(Path.Combine(Repo.Root, "configs", "sweeps", "fmnist-ratio.yaml"));
        var strategies = study.Grid.Single(a => a.Key == "augment.strategy").Values;

        Assert.Equal(Core.Augmentation.AugmentationStrategies.Names.Where(n => n != "diffusion").Order(), strategies.Order());
        Assert.Equal(["10", "50", "100", "200"], study.Grid.Single(a => a.Key == "imbalance.ratio").Values);
        Assert.Equal(108, SweepTrials.Expand(study).Count);
        Assert.Equal(4, SweepTrials.Expand(SweepFileReader.Load(Path.Combine(Repo.Root, "configs", "sweeps", "ci-tiny.yaml"))).Count);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
