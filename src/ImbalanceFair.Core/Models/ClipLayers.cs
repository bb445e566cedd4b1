using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Models;

/// <summary>HF CLIPAttention: separate q/k/v/out projections, scaled-dot-product attention, optional causal mask.</summary>
public sealed class ClipAttention : nn.Module
{
    private readonly int _heads;

    public ClipAttention(int width, int heads, int layers)
    {
        _heads = heads;
        q_proj = RegisterModule("q_proj", new nn.Linear(width, width));
        k_proj = RegisterModule("k_proj", new nn.Linear(width, width));
        v_proj = RegisterModule("v_proj", new nn.Linear(width, width));
        out_proj = RegisterModule("out_proj", new nn.Linear(width, width));
        // HF CLIPPreTrainedModel._init_weights (factor 1).
        var inStd = Math.Pow(width, -0.5) * Math.Pow(2 * layers, -0.5);
        var outStd = Math.Pow(width, -0.5);
        using var noGrad = torch.no_grad();
        foreach (var p in new[] { q_proj, k_proj, v_proj })
        {
            p.weight.normal_(0, inStd);
            p.bias!.zero_();
        }

        out_proj.weight.normal_(0, outStd);
        out_proj.bias!.zero_();
    }

    public nn.Linear q_proj { get; }

    public nn.Linear k_proj { get; }

    public nn.Linear v_proj { get; }

    public nn.Linear out_proj { get; }

    /// <summary>LoRA adapters by projection name (<see cref="ClipLora"/>); not parameters of this module.</summary>
    public Dictionary<string, LoraAdapter> Lora { get; } = new(StringComparer.Ordinal);

    public Tensor forward(Tensor x, bool causal)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.size(0), l = x.size(1), w = x.size(2);
        Tensor Heads(string name, nn.Linear proj) => Project(Lora, name, proj, x).view(b, l, _heads, w / _heads).transpose(1, 2);
        var attended = nn.functional.scaled_dot_product_attention(Heads("q_proj", q_proj), Heads("k_proj", k_proj), Heads("v_proj", v_proj), isCausal: causal);
        return Project(Lora, "out_proj", out_proj, attended.transpose(1, 2).reshape(b, l, w)).MoveToOuterDisposeScope();
    }

    internal static Tensor Project(Dictionary<string, LoraAdapter> lora, string name, nn.Linear proj, Tensor x) =>
        lora.Count > 0 && lora.TryGetValue(name, out var adapter) ? adapter.forward(x) : proj.forward(x);
}

/// <summary>HF CLIPMLP: fc1 → hidden_act → fc2.</summary>
public sealed class ClipMlp : nn.Module
{
    private readonly string _act;

    public ClipMlp(int width, int hidden, int layers, string act = "quick_gelu")
    {
        _act = act;
        fc1 = RegisterModule("fc1", new nn.Linear(width, hidden));
        fc2 = RegisterModule("fc2", new nn.Linear(hidden, width));
        using var noGrad = torch.no_grad();
        fc1.weight.normal_(0, Math.Pow(2 * width, -0.5));
        fc2.weight.normal_(0, Math.Pow(width, -0.5) * Math.Pow(2 * layers, -0.5));
        fc1.bias!.zero_();
        fc2.bias!.zero_();
    }

    public nn.Linear fc1 { get; }

    public nn.Linear fc2 { get; }

    /// <summary>LoRA adapters by projection name (<see cref="ClipLora"/>); not parameters of this module.</summary>
    public Dictionary<string, LoraAdapter> Lora { get; } = new(StringComparer.Ordinal);

    /// <summary>HF's ACT2FN entries for CLIP: gelu_new and gelu_pytorch_tanh are both the tanh approximation.</summary>
    public static Tensor Activate(Tensor x, string act) => act switch
    {
        "quick_gelu" => nn.functional.quick_gelu(x),
        "gelu" => nn.functional.gelu(x),
        "gelu_new" or "gelu_pytorch_tanh" => nn.functional.gelu(x, "tanh"),
        _ => throw new ArgumentException($"hidden_act '{act}' is not supported (supported: {string.Join(", ", ClipConfig.Activations)})", nameof(act)),
    };

    public Tensor forward(Tensor x)
    {
        using var h = ClipAttention.Project(Lora, "fc1", fc1, x);
        using var a = Activate(h, _act);
        return ClipAttention.Project(Lora, "fc2", fc2, a);
    }
}

/// <summary>HF CLIPEncoderLayer (pre-LN): x + attn(ln1(x)), then x + mlp(ln2(x)).</summary>
public sealed class ClipEncoderLayer : nn.Module
{
    public ClipEncoderLayer(int width, int heads, int intermediate, int layers, double eps, string act)
    {
        self_attn = RegisterModule("self_attn", new ClipAttention(width, heads, layers));
        layer_norm1 = RegisterModule("layer_norm1", new nn.LayerNorm(width, eps));
        mlp = RegisterModule("mlp", new ClipMlp(width, intermediate, layers, act));
        layer_norm2 = RegisterModule("layer_norm2", new nn.LayerNorm(width, eps));
    }

    public ClipAttention self_attn { get; }

    public nn.LayerNorm layer_norm1 { get; }

    public ClipMlp mlp { get; }

    public nn.LayerNorm layer_norm2 { get; }

    public Tensor forward(Tensor x, bool causal)
    {
        using var scope = torch.NewDisposeScope();
        var h = x + self_attn.forward(layer_norm1.forward(x), causal);
        return (h + mlp.forward(layer_norm2.forward(h))).MoveToOuterDisposeScope();
    }
}

/// <summary>HF CLIPEncoder: a stack named encoder.layers.N.</summary>
public sealed class ClipEncoder : nn.Module
{
    public ClipEncoder(int width, int heads, int intermediate, int layers, double eps, string act)
    {
        this.layers = RegisterModule("layers", new nn.ModuleList<ClipEncoderLayer>(
            Enumerable.Range(0, layers).Select(_ => new ClipEncoderLayer(width, heads, intermediate, layers, eps, act)).ToList()));
    }

    public nn.ModuleList<ClipEncoderLayer> layers { get; }

    public Tensor forward(Tensor x, bool causal)
    {
        var h = x.alias();
        foreach (var layer in layers.Items)
        {
            var next = layer.forward(h, causal);
            h.Dispose();
            h = next;
        }

        return h;
    }
}
