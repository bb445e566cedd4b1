using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Models;

/// <summary>LoRA adapters on CLIP's projections: gradients (finite differences), merging, and what stays frozen.</summary>
public class ClipLoraTests
{
    private static readonly ClipConfig s_config = new()
    {
        ImageSize = 28, PatchSize = 7, VisionWidth = 16, VisionLayers = 2, VisionHeads = 2, VisionHiddenAct = "gelu",
        TextWidth = 12, TextLayers = 2, TextHeads = 2, EmbedDim = 8, VocabSize = 20, ContextLength = 6, EosTokenId = 19,
    };

    private static readonly LoraOptions s_all = new() { Rank = 2, Alpha = 3, TargetNames = [.. LoraOptions.Targets] };

    private static Tensor Logits(ClipModel model, Tensor pixels, Tensor ids)
    {
        using var scope = torch.NewDisposeScope();
        var img = nn.functional.normalize(model.encode_image(pixels), dim: 1);
        var txt = nn.functional.normalize(model.encode_text(ids), dim: 1);
        return (model.Scale() * img.matmul(txt.t())).MoveToOuterDisposeScope();
    }

    private static (Tensor Pixels, Tensor Ids) Inputs(ScalarType type)
    {
        var pixels = torch.rand([3, 1, 28, 28]).to(type);
        var ids = torch.tensor(new long[] { 0, 5, 6, 19, 19, 19, 0, 7, 19, 3, 4, 19 }, [2, 6]);
        return (pixels, ids);
    }

    private static void RandomiseB(ClipLora lora)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in lora.named_parameters().Where(p => p.name.EndsWith("lora_B", StringComparison.Ordinal)))
        {
            p.normal_(0, 0.3);
        }
    }

    [Fact]
    public void Adapter_gradients_match_finite_differences()
    {
        torch.manual_seed(4);
        using var model = new ClipModel(s_config, [0.5], [0.25]);
        using var lora = new ClipLora(model, s_all);
        model.to(ScalarType.Float64);
        lora.to(ScalarType.Float64);
        RandomiseB(lora);
        using var scope = torch.NewDisposeScope();
        var (pixels, ids) = Inputs(ScalarType.Float64);
        var weights = torch.randn_like(Logits(model, pixels, ids));
        double Loss()
        {
            using var s = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            return (Logits(model, pixels, ids) * weights).sum().item();
        }

        (Logits(model, pixels, ids) * weights).sum().backward();

        Assert.All(model.parameters(), p => Assert.Null(p.grad));
        var checkedCount = 0;
        foreach (var (name, p) in lora.named_parameters().Where((_, i) => i % 5 == 0))
        {
            var analytic = p.grad!.ToArray<double>();
            var values = p.ToArray<double>();
            foreach (var k in new[] { 0, values.Length / 2, values.Length - 1 })
            {
                double At(double delta)
                {
                    var moved = (double[])values.Clone();
                    moved[k] += delta;
                    using (torch.no_grad())
                    {
                        using var t = torch.from_array<double>(moved, p.shape);
                        p.copy_(t);
                    }

                    return Loss();
                }

                const double h = 1e-6;
                var numeric = (At(h) - At(-h)) / (2 * h);
                At(0);
                Assert.True(Math.Abs(numeric - analytic[k]) <= 1e-6 + 1e-5 * Math.Abs(numeric), $"{name}[{k}]: autograd {analytic[k]:G8}, finite difference {numeric:G8}");
                checkedCount++;
            }
        }

        Assert.True(checkedCount >= 12);
    }

    [Fact]
    public void Merged_weights_give_the_logits_of_the_adapters_and_only_adapters_train()
    {
        torch.manual_seed(5);
        using var model = new ClipModel(s_config, [0.5], [0.25]);
        using var scope = torch.NewDisposeScope();
        var (pixels, ids) = Inputs(ScalarType.Float32);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var plain = Logits(model, pixels, ids).detach();
        using var lora = new ClipLora(model, new LoraOptions { Rank = 4, Alpha = 8, TargetNames = ["q_proj", "v_proj", "fc2"] });

        Assert.Equal(2 * 2 * 3, lora.Count);
        Assert.True(Logits(model, pixels, ids).allclose(plain, 1e-6, 1e-6)); // B = 0: attaching changes nothing
        using var optimizer = new optim.AdamW(lora.parameters(), lr: 1e-2);
        Assert.Equal(lora.Count * 2, lora.parameters().Count());
        var labels = torch.tensor(new long[] { 0, 1, 0 });
        for (var step = 0; step < 3; step++)
        {
            optimizer.zero_grad();
            using var s = torch.NewDisposeScope();
            nn.functional.cross_entropy(Logits(model, pixels, ids), labels).backward();
            optimizer.step();
        }

        Assert.All(model.state_dict(), kv => Assert.True(kv.Value.allclose(before[kv.Key], 0, 0), $"{kv.Key} changed"));
        var adapted = Logits(model, pixels, ids).detach();
        Assert.False(adapted.allclose(plain, 1e-4, 1e-4));

        lora.Merge();

        Assert.Equal(0, lora.Count);
        var merged = Logits(model, pixels, ids);
        using var diff = (merged - adapted).abs().max();
        Assert.True(diff.item() < 1e-5, $"merged logits differ from the adapters' by {diff.item():G3}");
    }
}
