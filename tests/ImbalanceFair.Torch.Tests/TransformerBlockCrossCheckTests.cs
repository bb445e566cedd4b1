using ImbalanceFair.Tests.Shared;
using System.Globalization;
using ImbalanceFair.Torch.Serialization;
using ImbalanceFair.Torch.Tests.Support;
using Xunit.Abstractions;

namespace ImbalanceFair.Torch.Tests;

/// <summary>
/// One pre-LN transformer block (LayerNorm → MultiheadAttention → residual → LayerNorm → Linear → GELU →
/// Linear → residual) built from the bridge, against the same block built from torch.nn in Python: the
/// weights, input and upstream gradient travel through our safetensors writer, Python's output and
/// gradients come back through our reader, and every one must agree to 1e-5.
/// </summary>
public sealed class TransformerBlockCrossCheckTests(ITestOutputHelper output) : IDisposable
{
    private const long Width = 16;
    private const long Heads = 4;
    private const long Hidden = 64;
    private const long Seq = 5;
    private const long Batch = 3;
    private const double Tolerance = 1e-5;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-block-");

    public void Dispose() => _dir.Delete(recursive: true);

    private sealed class Mlp : nn.Module<Tensor, Tensor>
    {
        private readonly string _activation;

        public Mlp(long width, long hidden, string activation)
        {
            _activation = activation;
            c_fc = RegisterModule("c_fc", new nn.Linear(width, hidden));
            c_proj = RegisterModule("c_proj", new nn.Linear(hidden, width));
        }

        public nn.Linear c_fc { get; }

        public nn.Linear c_proj { get; }

        public override Tensor forward(Tensor input)
        {
            using var scope = torch.NewDisposeScope();
            var h = c_fc.forward(input);
            var a = _activation switch
            {
                "gelu" => nn.functional.gelu(h),
                "gelu_tanh" => nn.functional.gelu(h, "tanh"),
                "quick_gelu" => nn.functional.quick_gelu(h),
                _ => throw new ArgumentException(_activation),
            };
            return c_proj.forward(a).MoveToOuterDisposeScope();
        }
    }

    private sealed class Block : nn.Module
    {
        public Block(long width, long heads, long hidden, string activation)
        {
            ln_1 = RegisterModule("ln_1", new nn.LayerNorm(width));
            attn = RegisterModule("attn", new nn.MultiheadAttention(width, heads));
            ln_2 = RegisterModule("ln_2", new nn.LayerNorm(width));
            mlp = RegisterModule("mlp", new Mlp(width, hidden, activation));
        }

        public nn.LayerNorm ln_1 { get; }

        public nn.MultiheadAttention attn { get; }

        public nn.LayerNorm ln_2 { get; }

        public Mlp mlp { get; }

        public Tensor forward(Tensor x, Tensor? mask, bool causal)
        {
            using var scope = torch.NewDisposeScope();
            var a = ln_1.forward(x);
            var h = x + attn.forward(a, a, a, mask, causal);
            var y = h + mlp.forward(ln_2.forward(h));
            return y.MoveToOuterDisposeScope();
        }
    }

    private const string Script = """
        import torch.nn as nn
        import torch.nn.functional as F

        inputs, meta = st_load(sys.argv[1])
        E, H, HID = int(meta["width"]), int(meta["heads"]), int(meta["hidden"])
        kind, activation = meta["mask"], meta["activation"]

        class Mlp(nn.Module):
            def __init__(self):
                super().__init__()
                self.c_fc = nn.Linear(E, HID)
                self.c_proj = nn.Linear(HID, E)

            def forward(self, x):
                h = self.c_fc(x)
                if activation == "gelu":
                    h = F.gelu(h)
                elif activation == "gelu_tanh":
                    h = F.gelu(h, approximate="tanh")
                elif activation == "quick_gelu":
                    h = h * torch.sigmoid(1.702 * h)
                else:
                    raise ValueError(activation)
                return self.c_proj(h)

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.ln_1 = nn.LayerNorm(E)
                self.attn = nn.MultiheadAttention(E, H, batch_first=True)
                self.ln_2 = nn.LayerNorm(E)
                self.mlp = Mlp()

        block = Block()
        block.load_state_dict({k[len("param."):]: v for k, v in inputs.items() if k.startswith("param.")}, strict=True)
        block.train()

        x = inputs["input.x"].clone().requires_grad_(True)
        B, L, _ = x.shape
        # torch.nn.MultiheadAttention masks are the opposite of scaled_dot_product_attention's: True = do NOT attend.
        if kind == "causal":
            attn_mask = torch.triu(torch.ones(L, L, dtype=torch.bool), 1)
        elif kind == "padding":
            allowed = inputs["input.mask"]  # [B, 1, L, L], True = attend
            attn_mask = (~allowed).expand(B, H, L, L).reshape(B * H, L, L)
        elif kind == "additive":
            attn_mask = inputs["input.mask"]  # [L, L] float, added to the scores
        else:
            raise ValueError(kind)

        a = block.ln_1(x)
        h = x + block.attn(a, a, a, need_weights=False, attn_mask=attn_mask)[0]
        y = h + block.mlp(block.ln_2(h))
        y.backward(inputs["input.grad_y"])

        out = {"y": y.detach(), "grad.x": x.grad}
        for name, p in block.named_parameters():
            out["grad." + name] = p.grad
        st_save(sys.argv[2], out, {"torch": torch.__version__, "threads": str(torch.get_num_threads())})
        """;

    public static TheoryData<string, string> Cases() => new()
    {
        { "causal", "gelu" },
        { "padding", "quick_gelu" },
        { "additive", "gelu_tanh" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_backward_match_pytorch(string maskKind, string activation)
    {
        var previousThreads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            Run(maskKind, activation);
        }
        finally
        {
            torch.set_num_threads(previousThreads);
        }
    }

    private void Run(string maskKind, string activation)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(20240611);
        using var block = new Block(Width, Heads, Hidden, activation);
        using (torch.no_grad())
        {
            // Non-trivial affine and bias terms, so that every gradient is exercised.
            foreach (var (name, p) in block.named_parameters())
            {
                if (name.EndsWith("bias", StringComparison.Ordinal))
                {
                    p.uniform_(-0.5, 0.5);
                }
                else if (name.StartsWith("ln_", StringComparison.Ordinal))
                {
                    p.uniform_(0.5, 1.5);
                }
            }
        }

        var x = torch.randn([Batch, Seq, Width]);
        var gradY = torch.randn([Batch, Seq, Width]);
        Tensor? mask = null;
        var causal = false;
        switch (maskKind)
        {
            case "causal":
                causal = true;
                break;
            case "padding":
                // Causal, and batch b ignores its last b keys (True = attend, as scaled_dot_product_attention).
                var lower = torch.ones([Seq, Seq]).tril().gt(0);
                var keys = torch.arange(Seq).unsqueeze(0).lt(torch.tensor(new long[] { Seq, Seq - 1, Seq - 2 }).unsqueeze(1));
                mask = lower.unsqueeze(0).logical_and(keys.unsqueeze(1)).unsqueeze(1);
                Assert.Equal(new long[] { Batch, 1, Seq, Seq }, mask.shape);
                break;
            case "additive":
                mask = torch.randn([Seq, Seq]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(maskKind), maskKind, null);
        }

        var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["input.x"] = x,
            ["input.grad_y"] = gradY,
        };
        if (mask is not null)
        {
            inputs["input.mask"] = mask;
        }

        foreach (var (name, t) in block.state_dict())
        {
            inputs["param." + name] = t;
        }

        var inputsPath = Path.Combine(_dir.FullName, "inputs.safetensors");
        var outputsPath = Path.Combine(_dir.FullName, "outputs.safetensors");
        SafeTensors.Save(inputsPath, inputs, new Dictionary<string, string>
        {
            ["width"] = Width.ToString(CultureInfo.InvariantCulture),
            ["heads"] = Heads.ToString(CultureInfo.InvariantCulture),
            ["hidden"] = Hidden.ToString(CultureInfo.InvariantCulture),
            ["mask"] = maskKind,
            ["activation"] = activation,
        });

        // The bridge's forward and backward.
        x.requires_grad_();
        var y = block.forward(x, mask, causal);
        y.backward(gradY);
        var ours = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["y"] = y, ["grad.x"] = x.grad! };
        foreach (var (name, p) in block.named_parameters())
        {
            ours["grad." + name] = p.grad ?? throw new InvalidOperationException($"{name} received no gradient");
        }

        // PyTorch's, from the file we wrote.
        Python.Run(PySafeTensors.Prelude + Script, inputsPath, outputsPath);
        using var theirs = SafeTensors.Load(outputsPath);
        Assert.Equal("1", theirs.Metadata["threads"]);
        Assert.Equal(ours.Keys.Order(StringComparer.Ordinal), theirs.Keys.Order(StringComparer.Ordinal));

        output.WriteLine($"mask={maskKind} activation={activation} bridge libtorch {torch.version}, python torch {theirs.Metadata["torch"]}, threads {torch.get_num_threads()}");
        var worst = 0.0;
        var failures = new List<string>();
        foreach (var (name, mine) in ours)
        {
            var other = theirs[name];
            Assert.Equal(other.shape, mine.shape);
            var diff = (mine - other).abs().max().item();
            var scale = other.abs().max().item();
            output.WriteLine($"  {name,-28} max |diff| = {diff:E2}   (max |value| {scale:F3})");
            worst = Math.Max(worst, diff);
            Assert.True(scale > 0, $"{name} is all zeros: the check would prove nothing");
            if (!(diff <= Tolerance))
            {
                failures.Add($"{name}: max |diff| {diff:E3} > {Tolerance:E0}");
            }
        }

        output.WriteLine($"  worst max |diff| = {worst:E2}");
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }
}
