using ImbalanceFair.Core.Config;
using ImbalanceFair.Torch;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Models;

/// <summary>What <c>train.lora</c> asks for: the rank, alpha (the update is scaled by alpha / rank), which projections, which towers.</summary>
public sealed record LoraOptions
{
    public static IReadOnlyCollection<string> Targets { get; } = ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"];

    public static IReadOnlyCollection<string> Towers { get; } = ["vision", "text"];

    public int Rank { get; init; } = 8;

    public double Alpha { get; init; } = 16;

    public IReadOnlyList<string> TargetNames { get; init; } = ["q_proj", "v_proj"];

    public IReadOnlyList<string> TowerNames { get; init; } = ["vision", "text"];

    /// <summary>The <c>train.lora</c> mapping; defaults when absent.</summary>
    public static LoraOptions Read(YamlObject? y)
    {
        var d = new LoraOptions();
        if (y is null)
        {
            return d;
        }

        y.Allow("rank", "alpha", "targets", "towers");
        IReadOnlyList<string> Names(string key, IReadOnlyList<string> fallback, IReadOnlyCollection<string> known)
        {
            var names = y.GetStringList(key) ?? fallback;
            var bad = names.Where(n => !known.Contains(n)).ToList();
            return names.Count > 0 && bad.Count == 0 ? names
                : throw new ConfigException($"train.lora.{key}: expected a non-empty list of {string.Join(", ", known)}{(bad.Count > 0 ? $", got '{bad[0]}'" : string.Empty)}");
        }

        return new LoraOptions
        {
            Rank = ConfigValues.Int32(y, "rank", d.Rank, 1, 4096),
            Alpha = ConfigValues.Num(y, "alpha", d.Alpha, 0, double.MaxValue, minExclusive: true),
            TargetNames = Names("targets", d.TargetNames, Targets),
            TowerNames = Names("towers", d.TowerNames, Towers),
        };
    }

    public ConfigNode Write() =>
        M("lora", S("rank", Num(Rank)), S("alpha", Num(Alpha)), S("targets", List(TargetNames)), S("towers", List(TowerNames)));
}

/// <summary>
/// A low-rank adapter beside one frozen projection W (PEFT's LoRA): y = W x + b + (alpha / r) · B A x, with
/// A [r, in] Kaiming-uniform and B [out, r] zero, so an attached adapter starts as the identity change.
/// </summary>
public sealed class LoraAdapter : nn.Module
{
    public LoraAdapter(nn.Linear target, int rank, double alpha)
    {
        ArgumentNullException.ThrowIfNull(target);
        Target = target;
        Scale = alpha / rank;
        var (outFeatures, inFeatures) = (target.weight.size(0), target.weight.size(1));
        lora_A = RegisterParameter("lora_A", torch.empty([rank, inFeatures]).uniform_(-1 / Math.Sqrt(inFeatures), 1 / Math.Sqrt(inFeatures)));
        lora_B = RegisterParameter("lora_B", torch.zeros([outFeatures, rank]));
    }

    public nn.Linear Target { get; }

    public double Scale { get; }

    public Tensor lora_A { get; }

    public Tensor lora_B { get; }

    /// <summary>The adapted projection of <paramref name="x"/>.</summary>
    public Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var low = nn.functional.linear(nn.functional.linear(x, lora_A), lora_B);
        return (Target.forward(x) + low * Scale).MoveToOuterDisposeScope();
    }

    /// <summary>Folds the update into W (W += scale · B A) in place.</summary>
    public void MergeInto()
    {
        using var noGrad = torch.no_grad();
        using var delta = lora_B.matmul(lora_A);
        Target.weight.add_(delta, Scale);
    }
}

/// <summary>
/// LoRA on a CLIP: adapters on the named projections of the named towers' encoder layers, everything else frozen
/// (requires_grad off), so an optimizer over <see cref="nn.Module.parameters"/> of this object holds state only for
/// the adapters. The adapters are not parameters of the <see cref="ClipModel"/> (its state_dict keeps Hugging Face's
/// names); <see cref="Merge"/> folds them into the weights and detaches them.
/// </summary>
public sealed class ClipLora : nn.Module
{
    private readonly List<(Dictionary<string, LoraAdapter> Slots, string Name, LoraAdapter Adapter)> _attached = [];

    public ClipLora(ClipModel model, LoraOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (model.vision_model is not ClipVisionTransformer vision)
        {
            throw new ArgumentException("LoRA needs the ViT image tower (HF CLIP's), not the convolutional one", nameof(model));
        }

        if (options.Rank < 1)
        {
            throw new ArgumentException($"train.lora.rank must be at least 1, not {options.Rank}", nameof(options));
        }

        var unknown = options.TargetNames.Except(LoraOptions.Targets).Concat(options.TowerNames.Except(LoraOptions.Towers)).ToList();
        if (unknown.Count > 0 || options.TargetNames.Count == 0 || options.TowerNames.Count == 0)
        {
            throw new ArgumentException(
                $"train.lora: targets must be some of {string.Join(", ", LoraOptions.Targets)} and towers some of {string.Join(", ", LoraOptions.Towers)} (got {string.Join(", ", unknown)})", nameof(options));
        }

        foreach (var p in model.parameters())
        {
            p.requires_grad = false;
        }

        Model = model;
        var device = model.logit_scale.device;
        foreach (var tower in options.TowerNames.Distinct())
        {
            var encoder = tower == "vision" ? vision.encoder : model.text_model.encoder;
            for (var i = 0; i < encoder.layers.Items.Count; i++)
            {
                var layer = encoder.layers.Items[i];
                foreach (var target in options.TargetNames.Distinct())
                {
                    var (slots, linear) = target switch
                    {
                        "fc1" => (layer.mlp.Lora, layer.mlp.fc1),
                        "fc2" => (layer.mlp.Lora, layer.mlp.fc2),
                        "q_proj" => (layer.self_attn.Lora, layer.self_attn.q_proj),
                        "k_proj" => (layer.self_attn.Lora, layer.self_attn.k_proj),
                        "v_proj" => (layer.self_attn.Lora, layer.self_attn.v_proj),
                        _ => (layer.self_attn.Lora, layer.self_attn.out_proj),
                    };
                    var adapter = new LoraAdapter(linear, options.Rank, options.Alpha);
                    adapter.to(device);
                    RegisterModule($"{tower}_{i}_{target}", adapter);
                    slots[target] = adapter;
                    _attached.Add((slots, target, adapter));
                }
            }
        }
    }

    public ClipModel Model { get; }

    public int Count => _attached.Count;

    /// <summary>Folds every adapter into its projection and detaches it: the model then computes what it computed with them.</summary>
    public void Merge()
    {
        foreach (var (slots, name, adapter) in _attached)
        {
            adapter.MergeInto();
            slots.Remove(name);
        }

        _attached.Clear();
    }

    /// <summary>Detaches the adapters without merging (the model is back to its own weights).</summary>
    public void Detach()
    {
        foreach (var (slots, name, _) in _attached)
        {
            slots.Remove(name);
        }

        _attached.Clear();
    }
}
