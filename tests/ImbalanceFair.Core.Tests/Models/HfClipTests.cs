using System.Text.Json;
using System.Text.Json.Nodes;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Tests.Shared;
using ImbalanceFair.Torch;
using ImbalanceFair.Torch.Serialization;

namespace ImbalanceFair.Core.Tests.Models;

/// <summary>
/// Hugging Face CLIP directories written by tests/Fixtures/hf_clip.py (an independent PyTorch re-implementation of
/// transformers' CLIPModel and CLIPImageProcessor): imbfair's embeddings and logits agree with its reference, and
/// every bad directory is a config error naming the file and the fix.
/// </summary>
public class HfClipTests
{
    private static string Fixture(TempDir dir, object options)
    {
        Python.Run(File.ReadAllText(Path.Combine(Repo.Root, "tests", "Fixtures", "hf_clip.py")), dir.Path, JsonSerializer.Serialize(options));
        return dir.File("model");
    }

    [Theory]
    [InlineData("gelu", "real", false, true, new[] { 3, 32, 32 })] // native size, first-eos pooling
    [InlineData("quick_gelu", "legacy", true, false, new[] { 1, 28, 28 })] // grey, upscaled; argmax pooling; shards; CLIP's default statistics
    [InlineData("gelu_new", "real", false, true, new[] { 3, 40, 52 })] // downscaled, non-square: resize then centre crop
    public void Embeddings_and_logits_match_the_pytorch_reference(string act, string eos, bool sharded, bool preprocessor, int[] image)
    {
        using var dir = new TempDir();
        var modelDir = Fixture(dir, new { seed = 3, hidden_act = act, eos, sharded, preprocessor, image, batch = 3 });
        var hf = HfClipDirectory.Open(modelDir);
        using var model = hf.CreateModel();
        using var reference = SafeTensors.Load(dir.File("reference.safetensors"));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();

        var img = model.encode_image(reference["pixels"]);
        var txt = model.encode_text(reference["ids"]);
        var logits = model.Scale() * nn.functional.normalize(img, dim: 1).matmul(nn.functional.normalize(txt, dim: 1).t());

        AssertClose(reference["image_embeds"], img, "image embeddings");
        AssertClose(reference["text_embeds"], txt, "text embeddings");
        AssertClose(reference["logits_per_image"], logits, "logits");
    }

    [Fact]
    public void Sizes_come_from_config_json()
    {
        using var dir = new TempDir();
        var hf = HfClipDirectory.Open(Fixture(dir, new { eos = "real", preprocessor = false }));

        Assert.Equal((32, 8, 32, 56, 2, 4), (hf.Config.ImageSize, hf.Config.PatchSize, hf.Config.VisionWidth, hf.Config.VisionMlp, hf.Config.VisionLayers, hf.Config.VisionHeads));
        Assert.Equal((24, 40, 2, 2, 12, 20), (hf.Config.TextWidth, hf.Config.TextMlp, hf.Config.TextLayers, hf.Config.TextHeads, hf.Config.ContextLength, hf.Config.EmbedDim));
        Assert.Equal(2.6592, hf.Config.LogitScaleInit);
        Assert.Equal(ClipPreprocess.OpenAiMean, hf.Preprocess.Mean);
        Assert.Equal((32, 32, 32), (hf.Preprocess.ShortestEdge, hf.Preprocess.CropHeight, hf.Preprocess.CropWidth));
        using var model = hf.CreateModel(loadWeights: false);
        var shapes = ClipStateShapes.For(hf.Config);
        var own = model.state_dict();
        Assert.Equal(shapes.Keys.Order(StringComparer.Ordinal), own.Keys.Order(StringComparer.Ordinal));
        Assert.All(shapes, kv => Assert.Equal(kv.Value, own[kv.Key].shape));
    }

    [Fact]
    public void A_saved_directory_loads_back_with_identical_outputs()
    {
        using var dir = new TempDir();
        var hf = HfClipDirectory.Open(Fixture(dir, new { eos = "real", hidden_act = "gelu", image = new[] { 1, 20, 24 } }));
        using var model = hf.CreateModel();
        using var reference = SafeTensors.Load(dir.File("reference.safetensors"));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (var p in model.parameters())
        {
            p.add_(torch.randn_like(p).mul_(0.01));
        }

        HfClipExport.Save(model, hf, dir.File("saved"));
        var back = HfClipDirectory.Open(dir.File("saved"));
        using var loaded = back.CreateModel();

        Assert.Equal(hf.Config, back.Config);
        Assert.Equal((hf.Preprocess.ShortestEdge, hf.Preprocess.CropHeight, hf.Preprocess.CropWidth, hf.Preprocess.Resample),
            (back.Preprocess.ShortestEdge, back.Preprocess.CropHeight, back.Preprocess.CropWidth, back.Preprocess.Resample));
        Assert.Equal(hf.Preprocess.Mean, back.Preprocess.Mean);
        Assert.Equal(hf.Preprocess.Std, back.Preprocess.Std);
        Assert.Equal(0, (model.encode_image(reference["pixels"]) - loaded.encode_image(reference["pixels"])).abs().max().item());
        Assert.Equal(0, (model.encode_text(reference["ids"]) - loaded.encode_text(reference["ids"])).abs().max().item());
        Assert.Equal("pt", SafeTensors.ReadHeader(dir.File("saved/model.safetensors")).Metadata["format"]);
    }

    [Fact]
    public void Pgd_through_the_in_model_resize_stays_in_the_eps_ball_of_the_native_pixels()
    {
        using var dir = new TempDir();
        var hf = HfClipDirectory.Open(Fixture(dir, new { eos = "real" }));
        using var model = hf.CreateModel();
        using var reference = SafeTensors.Load(dir.File("reference.safetensors"));
        using var scope = torch.NewDisposeScope();
        var classText = nn.functional.normalize(model.encode_text(reference["ids"]), dim: 1).detach();
        Tensor Logits(Tensor x) => nn.functional.normalize(model.encode_image(x), dim: 1).matmul(classText.t()) * model.Scale();
        torch.manual_seed(9);
        var x = torch.rand([4, 1, 20, 20]);
        var labels = torch.tensor(new long[] { 0, 1, 2, 3 });
        const double eps = 8 / 255.0;

        var adv = ImbalanceFair.Core.Attacks.Attack.Pgd(Logits, x, labels, torch.full([4], eps), torch.full([4], eps / 4), 5,
            ImbalanceFair.Core.Attacks.AttackNorm.Linf, randomStart: false);

        Assert.Equal(x.shape, adv.shape);
        var moved = (adv - x).abs().max().item();
        Assert.InRange(moved, eps / 2, eps + 1e-6); // the gradient reached the 20 px input through the 32 px resize
        Assert.True(adv.min().item() >= 0 && adv.max().item() <= 1);
        using var noGrad = torch.no_grad();
        using var before = nn.functional.cross_entropy(Logits(x), labels);
        using var after = nn.functional.cross_entropy(Logits(adv), labels);
        Assert.True(after.item() > before.item(), $"PGD did not raise the loss ({before.item():G4} → {after.item():G4})");
    }

    [Fact]
    public void Resize_follows_huggingface_output_size_rule()
    {
        var p = new ClipPreprocess { ShortestEdge = 224, CropHeight = 224, CropWidth = 224 };

        Assert.Equal((224L, 224L), p.ResizedSize(28, 28));
        Assert.Equal((297L, 224L), p.ResizedSize(480, 361)); // int(224 * 480 / 361) = int(297.8)
        Assert.Equal((224L, 336L), p.ResizedSize(32, 48));
    }

    public static TheoryData<string, string, string> BadDirectories => new()
    {
        { "model_type", "config.json", "not 'clip'" },
        { "patch", "config.json", "does not divide" },
        { "bin_only", "pytorch_model.bin", "save_pretrained" },
        { "truncated", "model.safetensors", "download the checkpoint again" },
        { "misshaped", "model.safetensors", "config.json implies" },
        { "vocab", "vocab.json", "beyond the" },
        { "no_config", "config.json", "huggingface-cli download" },
        { "no_tokenizer", "tokenizer", "huggingface-cli download" },
        { "crop", "preprocessor_config.json", "crop" },
        { "bad_json", "config.json", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadDirectories))]
    public void A_bad_directory_is_a_config_error_naming_the_file_and_the_fix(string damage, string file, string fix)
    {
        using var dir = new TempDir();
        var model = Fixture(dir, new { eos = "real" });
        string P(string name) => Path.Combine(model, name);
        JsonNode Config() => JsonNode.Parse(File.ReadAllText(P("config.json")))!;
        switch (damage)
        {
            case "model_type":
                File.WriteAllText(P("config.json"), Config().AsObject().Also(c => c["model_type"] = "siglip").ToJsonString());
                break;
            case "patch":
                File.WriteAllText(P("config.json"), Config().Also(c => c["vision_config"]!["patch_size"] = 7).ToJsonString());
                break;
            case "bin_only":
                File.Move(P("model.safetensors"), P("pytorch_model.bin"));
                break;
            case "truncated":
                using (var s = File.Open(P("model.safetensors"), FileMode.Open))
                {
                    s.SetLength(s.Length - 100);
                }

                break;
            case "misshaped":
                File.WriteAllText(P("config.json"), Config().Also(c => c["projection_dim"] = 16).ToJsonString());
                break;
            case "vocab":
                File.WriteAllText(P("config.json"), Config().Also(c => c["text_config"]!["vocab_size"] = 100).ToJsonString());
                break;
            case "no_config":
                File.Delete(P("config.json"));
                break;
            case "no_tokenizer":
                File.Delete(P("vocab.json"));
                break;
            case "crop":
                var proc = JsonNode.Parse(File.ReadAllText(P("preprocessor_config.json")))!;
                proc["crop_size"] = new JsonObject { ["height"] = 24, ["width"] = 24 };
                File.WriteAllText(P("preprocessor_config.json"), proc.ToJsonString());
                break;
            case "bad_json":
                File.WriteAllText(P("config.json"), "{\"model_type\": \"clip\",");
                break;
        }

        var e = Assert.Throws<ConfigException>(() => HfClipDirectory.Open(model));
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Contains(fix, e.Message, StringComparison.Ordinal);
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var diff = (expected - actual).abs().max();
        var worst = diff.item();
        Assert.True(worst < 1e-4, $"{what}: largest difference {worst:G3} from the PyTorch reference (tolerance 1e-4)");
    }
}

internal static class JsonNodeExtensions
{
    public static T Also<T>(this T node, Action<T> change)
        where T : JsonNode
    {
        change(node);
        return node;
    }
}
