using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Runs;
using ImbalanceFair.Core.Tests.Support;

namespace ImbalanceFair.Core.Tests.Config;

public class RunConfigTests
{
    private static RunConfig Load(string yaml, params string[] overrides)
    {
        using var dir = new TempDir();
        return RunConfigReader.Load(dir.Write("cfg.yaml", yaml), overrides);
    }

    private static ConfigException Fails(string yaml, params string[] overrides)
    {
        using var dir = new TempDir();
        var path = dir.Write("cfg.yaml", yaml);
        return Assert.Throws<ConfigException>(() => RunConfigReader.Load(path, overrides));
    }

    [Fact]
    public void Every_key_has_a_default_and_the_resolved_config_reads_back_identically()
    {
        var defaults = Load("");
        var yaml = RunConfigWriter.ToYaml(defaults);

        Assert.Equal(yaml, RunConfigWriter.ToYaml(RunConfigReader.FromText(yaml)));
        Assert.Contains("  ratio: 100\n", yaml, StringComparison.Ordinal);
        Assert.Contains("  attribute: null\n", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void A_full_config_round_trips_through_the_writer()
    {
        var config = Load("""
            name: lt-test
            seed: 3
            dataset: {name: shapes, attribute: {kind: color, correlation: 0.9}, val_fraction: 0.2}
            imbalance: {profile: step, ratio: 50, n_max: 400, order: [circle, square]}
            augment: {strategy: oversample, target: {counts: {circle: 10, ring: 20}}, adversarial: {eps: 4/255}}
            train: {mode: linear-probe, loss: focal, gamma: 1.5, epochs: 3, optimizer: {name: sgd, lr: 0.1}}
            eval: {attack: {name: fgsm, eps: 2/255}, bootstrap: 10}
            """);
        var yaml = RunConfigWriter.ToYaml(config);

        Assert.Equal(yaml, RunConfigWriter.ToYaml(RunConfigReader.FromText(yaml)));
        Assert.Equal(4.0 / 255, config.Augment.Section<AdversarialOptions>().Eps, 15);
        Assert.Equal(["circle", "square"], config.Imbalance.ExplicitOrder!);
        Assert.Equal(20, config.Augment.Target.Counts["ring"]);
        Assert.Equal(1.5, config.Train.LossOptions.Gamma);
    }

    [Fact]
    public void Overrides_use_the_same_dotted_keys_and_win_over_the_file()
    {
        var config = Load("train: {epochs: 10}\n", "train.epochs=2", "seed=7", "augment.adversarial.eps=8/255", "dataset.attribute={kind: color}");

        Assert.Equal(2, config.Train.Epochs);
        Assert.Equal(7, config.Seed);
        Assert.Equal(8.0 / 255, config.Augment.Section<AdversarialOptions>().Eps, 15);
        Assert.Equal(0.95, config.Dataset.Attribute!.Correlation);
    }

    [Fact]
    public void A_misspelt_key_names_the_file_line_and_the_nearest_key()
    {
        var e = Fails("name: x\nimbalance:\n  ratoi: 10\n");

        Assert.Contains("cfg.yaml:3", e.Message, StringComparison.Ordinal);
        Assert.Contains("imbalance.ratoi", e.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'imbalance.ratio'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_at_the_wrong_level_is_found_elsewhere()
    {
        var e = Fails("", "train.lr=3e-4");

        Assert.Contains("command-line override 'train.lr=3e-4'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'train.optimizer.lr'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("imbalance: {ratio: -5}\n", "imbalance.ratio: must be ≥ 1", "cfg.yaml:1")]
    [InlineData("train: {epochs: many}\n", "train.epochs: expected a whole number, got 'many'", "cfg.yaml:1")]
    [InlineData("train:\n  batch_size: 0\n", "train.batch_size: must be between 1 and 1000000, not 0", "cfg.yaml:2")]
    [InlineData("augment: {strategy: smoot}\n", "augment.strategy: 'smoot' is not one of", "cfg.yaml:1")]
    [InlineData("dataset: {val_fraction: 1}\n", "dataset.val_fraction: must be ≥ 0 and < 1", "cfg.yaml:1")]
    [InlineData("device: tpu\n", "device: must be auto, cpu, cuda or cuda:N", "cfg.yaml:1")]
    [InlineData("train: {optimizer: {lr: 0}}\n", "train.optimizer.lr: must be > 0", "cfg.yaml:1")]
    [InlineData("augment: {target: {ratio: 2, counts: {a: 1}}}\n", "either {ratio: r} or {counts", "cfg.yaml:1")]
    public void Wrong_values_name_the_key_the_place_and_the_rule(string yaml, string expected, string where)
    {
        var e = Fails(yaml);

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains(where, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_override_is_named_as_such()
    {
        var e = Fails("", "imbalance.ratio=-1");

        Assert.Contains("command-line override 'imbalance.ratio=-1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("must be ≥ 1", e.Message, StringComparison.Ordinal);
        Assert.Throws<ConfigException>(() => Load("", "no-equals-sign"));
    }

    [Fact]
    public void The_run_hash_ignores_output_and_device()
    {
        var a = Load("name: x\n");
        var b = Load("name: x\noutput: {dir: elsewhere}\ndevice: cpu\n");
        var c = Load("name: x\nseed: 1\n");

        Assert.Equal(RunConfigWriter.Hash12(a), RunConfigWriter.Hash12(b));
        Assert.NotEqual(RunConfigWriter.Hash12(a), RunConfigWriter.Hash12(c));
        Assert.Matches("^[0-9a-f]{12}$", RunConfigWriter.Hash12(a));
    }

    [Theory]
    [InlineData("augment: {strategy: none, smote: {k: 7}}", "augment: {strategy: none}")]
    [InlineData("augment: {strategy: none, target: {ratio: 2}}", "augment: {strategy: none}")]
    [InlineData("augment: {strategy: pgd, smote: {k: 7}, m2m: {steps: 3}, diffusion: {source: x}}", "augment: {strategy: pgd}")]
    [InlineData("augment: {strategy: fgsm, adversarial: {steps: 3, alpha: 0.1, random_start: false}}", "augment: {strategy: fgsm}")]
    [InlineData("augment: {strategy: diffusion, diffusion: {source: /d, ffr_epochs: 3}}", "augment: {strategy: diffusion, diffusion: {source: /d}}")]
    [InlineData("train: {loss: ce, tau: 2, gamma: 0, beta: 0.5}", "train: {loss: ce}")]
    [InlineData("train: {loss: focal, tau: 2}", "train: {loss: focal}")]
    [InlineData("train: {optimizer: {name: adamw, momentum: 0.5}}", "train: {}")]
    [InlineData("train: {optimizer: {name: sgd, beta1: 0.5, eps: 1.0}}", "train: {optimizer: {name: sgd}}")]
    [InlineData("eval: {attack: {name: fgsm, steps: 40, alpha: 0.1}}", "eval: {attack: {name: fgsm}}")]
    [InlineData("dataset: {attribute: {kind: manifest, correlation: 0.5}}", "dataset: {attribute: {kind: manifest}}")]
    [InlineData("imbalance: {profile: none, ratio: 7}", "imbalance: {profile: none}")]
    public void Keys_that_do_not_apply_to_the_experiment_leave_its_hash_unchanged(string with, string without)
    {
        var a = Load("name: x\n" + with + "\n");
        var b = Load("name: x\n" + without + "\n");

        Assert.Equal(RunConfigWriter.Hash12(b), RunConfigWriter.Hash12(a));
        Assert.NotEqual(RunConfigWriter.ToYaml(b), RunConfigWriter.ToYaml(a));
    }

    [Theory]
    [InlineData("augment: {strategy: smote, smote: {k: 7}}", "augment: {strategy: smote}")]
    [InlineData("augment: {strategy: pgd, adversarial: {steps: 3}}", "augment: {strategy: pgd}")]
    [InlineData("augment: {strategy: fgsm, adversarial: {eps: 0.1}}", "augment: {strategy: fgsm}")]
    [InlineData("augment: {strategy: oversample, target: {ratio: 2}}", "augment: {strategy: oversample}")]
    [InlineData("augment: {strategy: diffusion, diffusion: {source: /d, mode: ffr, ffr_epochs: 3}}", "augment: {strategy: diffusion, diffusion: {source: /d, mode: ffr}}")]
    [InlineData("train: {loss: focal, gamma: 3}", "train: {loss: focal}")]
    [InlineData("train: {optimizer: {name: sgd, momentum: 0.5}}", "train: {optimizer: {name: sgd}}")]
    [InlineData("eval: {attack: {name: pgd, steps: 40}}", "eval: {attack: {name: pgd}}")]
    [InlineData("augment: {strategy: smote}", "augment: {strategy: none}")]
    public void Keys_that_apply_change_the_hash(string with, string without)
    {
        Assert.NotEqual(RunConfigWriter.Hash12(Load("name: x\n" + without + "\n")), RunConfigWriter.Hash12(Load("name: x\n" + with + "\n")));
    }

    [Fact]
    public void The_hash_is_sha256_of_the_applying_keys_with_the_schema_version()
    {
        var config = Load("name: x\naugment: {strategy: smote, smote: {k: 3}}\n");
        var yaml = RunConfigWriter.ToYaml(config);

        // The hashed text is the resolved YAML less every line of a key that does not apply: computed here from the
        // written file by hand, independently of the writer's tree.
        Assert.StartsWith($"hash_schema: {RunConfigWriter.HashSchema}\n", yaml, StringComparison.Ordinal);
        var kept = new List<string>();
        var skipIndent = -1;
        foreach (var line in yaml.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var indent = line.Length - line.TrimStart().Length;
            if (skipIndent >= 0 && indent > skipIndent)
            {
                continue;
            }

            skipIndent = -1;
            var key = line.Trim().Split(':')[0];
            var inert = (indent == 0 && key is "device" or "output")
                || (indent == 2 && key is "borderline" or "adasyn" or "diffusion" or "adversarial" or "m2m")
                || (indent == 2 && key is "tau" or "gamma" or "beta" or "lora")
                || (indent == 4 && key is "momentum");
            if (inert)
            {
                skipIndent = indent;
                continue;
            }

            kept.Add(line);
        }

        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", kept) + "\n")))[..12];
        Assert.Equal(expected, RunConfigWriter.Hash12(config));
    }

    [Fact]
    public void A_resolved_config_reads_back_to_the_same_config_and_hash()
    {
        var config = Load("name: x\naugment: {strategy: fgsm, smote: {k: 9}}\ntrain: {loss: focal, tau: 3}\n");
        var again = RunConfigReader.FromText(RunConfigWriter.ToYaml(config));

        Assert.Equal(RunConfigWriter.ToYaml(config), RunConfigWriter.ToYaml(again));
        Assert.Equal(RunConfigWriter.Hash12(config), RunConfigWriter.Hash12(again));
        Assert.Equal(9, again.Augment.Section<SmoteOptions>().K);
    }

    [Fact]
    public void A_config_from_a_newer_hash_schema_is_refused()
    {
        var e = Fails($"hash_schema: {RunConfigWriter.HashSchema + 1}\n");

        Assert.Contains("hash_schema", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_syntax_errors_name_the_line()
    {
        var e = Fails("name: x\ntrain: [epochs: 3\n");

        Assert.Contains("YAML syntax error", e.Message, StringComparison.Ordinal);
        Assert.Contains("cfg.yaml:", e.Message, StringComparison.Ordinal);
    }
}
