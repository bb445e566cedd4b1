using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Torch.Serialization;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Tests.Models;

public class ClipModelTests
{
    private static ClipConfig OneLayer(string tower = "vit") => new()
    {
        ImageTower = tower, ImageSize = 28, PatchSize = 7, VisionWidth = 32, VisionLayers = 1, VisionHeads = 4,
        TextWidth = 24, TextLayers = 1, TextHeads = 2, EmbedDim = 16, VocabSize = 20, ContextLength = 9,
    };

    private static ClipModel Model(ClipConfig c) => new(c, [0.5], [0.25]);

    [Fact]
    public void Parameter_names_and_shapes_follow_huggingface_CLIPModel()
    {
        // The state_dict keys and shapes of transformers' CLIPModel (modeling_clip.py) for this configuration,
        // without the non-persistent position_ids buffers.
        var layer = new Func<string, int, int, (string, long[])[]>((p, w, mlp) =>
        [
            ($"{p}.self_attn.k_proj.weight", [w, w]), ($"{p}.self_attn.k_proj.bias", [w]),
            ($"{p}.self_attn.v_proj.weight", [w, w]), ($"{p}.self_attn.v_proj.bias", [w]),
            ($"{p}.self_attn.q_proj.weight", [w, w]), ($"{p}.self_attn.q_proj.bias", [w]),
            ($"{p}.self_attn.out_proj.weight", [w, w]), ($"{p}.self_attn.out_proj.bias", [w]),
            ($"{p}.layer_norm1.weight", [w]), ($"{p}.layer_norm1.bias", [w]),
            ($"{p}.mlp.fc1.weight", [mlp, w]), ($"{p}.mlp.fc1.bias", [mlp]),
            ($"{p}.mlp.fc2.weight", [w, mlp]), ($"{p}.mlp.fc2.bias", [w]),
            ($"{p}.layer_norm2.weight", [w]), ($"{p}.layer_norm2.bias", [w]),
        ]);
        var expected = new List<(string, long[])>
        {
            ("logit_scale", []),
            ("text_model.embeddings.token_embedding.weight", [20, 24]),
            ("text_model.embeddings.position_embedding.weight", [9, 24]),
        };
        expected.AddRange(layer("text_model.encoder.layers.0", 24, 96));
        expected.AddRange(
        [
            ("text_model.final_layer_norm.weight", [24]), ("text_model.final_layer_norm.bias", [24]),
            ("vision_model.embeddings.class_embedding", [32]),
            ("vision_model.embeddings.patch_embedding.weight", [32, 3, 7, 7]),
            ("vision_model.embeddings.position_embedding.weight", [17, 32]),
            ("vision_model.pre_layrnorm.weight", [32]), ("vision_model.pre_layrnorm.bias", [32]),
        ]);
        expected.AddRange(layer("vision_model.encoder.layers.0", 32, 128));
        expected.AddRange(
        [
            ("vision_model.post_layernorm.weight", [32]), ("vision_model.post_layernorm.bias", [32]),
            ("visual_projection.weight", [16, 32]), ("text_projection.weight", [16, 24]),
        ]);

        using var model = Model(OneLayer());
        var actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        Assert.Equal(expected.Select(e => e.Item1).Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in expected)
        {
            Assert.True(shape.SequenceEqual(actual[name]), $"{name}: expected [{string.Join(", ", shape)}], got [{string.Join(", ", actual[name])}]");
        }
    }

    [Fact]
    public void Logit_scale_starts_at_log_one_over_0_07_and_is_clamped_at_100()
    {
        using var model = Model(OneLayer());

        Assert.Equal(Math.Log(1 / 0.07), model.logit_scale.item(), 6);
        using (torch.no_grad())
        {
            model.logit_scale.fill_(10);
        }

        using var scale = model.Scale();
        Assert.Equal(100, scale.item(), 6);
    }

    [Theory]
    [InlineData("vit")]
    [InlineData("conv")]
    public void Encoders_give_one_embedding_per_image_and_per_prompt(string tower)
    {
        torch.manual_seed(0);
        using var model = Model(OneLayer(tower));
        using var scope = torch.NewDisposeScope();
        var grey = torch.rand([5, 1, 28, 28]);
        var ids = torch.tensor(new long[] { 1, 5, 6, 19, 0, 0, 0, 0, 0, 1, 7, 19, 0, 0, 0, 0, 0, 0 }, [2, 9]);

        var image = model.encode_image(grey);
        var text = model.encode_text(ids);

        Assert.Equal(new long[] { 5, 16 }, image.shape);
        Assert.Equal(new long[] { 2, 16 }, text.shape);
        Assert.True(image.isfinite().all().item() != 0);
    }

    [Fact]
    public void Text_is_pooled_at_the_end_token_and_ignores_padding_after_it()
    {
        torch.manual_seed(1);
        using var model = Model(OneLayer());
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new long[] { 1, 5, 6, 19, 0, 0, 0, 0, 0 }, [1, 9]);
        var b = torch.tensor(new long[] { 1, 5, 6, 19, 3, 4, 2, 8, 9 }, [1, 9]);
        var c = torch.tensor(new long[] { 1, 5, 7, 19, 0, 0, 0, 0, 0 }, [1, 9]);

        // Causal attention: what follows the end token cannot change the pooled embedding; what precedes it does.
        Assert.True(model.encode_text(a).allclose(model.encode_text(b), 1e-5, 1e-6));
        Assert.False(model.encode_text(a).allclose(model.encode_text(c), 1e-3, 1e-4));
    }

    [Fact]
    public void Grey_images_are_repeated_to_three_channels()
    {
        torch.manual_seed(2);
        using var model = Model(OneLayer());
        using var scope = torch.NewDisposeScope();
        var grey = torch.rand([2, 1, 28, 28]);

        Assert.True(model.encode_image(grey).allclose(model.encode_image(grey.expand(2, 3, 28, 28).contiguous()), 1e-6, 1e-6));
    }

    [Fact]
    public void Presets_build_for_the_embedded_datasets()
    {
        foreach (var name in ClipPresets.Names)
        {
            foreach (var size in new[] { 28, 32 })
            {
                if (name == "small-clip" && size == 32)
                {
                    Assert.Throws<ArgumentException>(() => ClipPresets.For(name, size, 30, 12));
                    continue;
                }

                using var model = Model(ClipPresets.For(name, size, 30, 12) with { });
                Assert.True(model.parameter_count() > 10_000);
            }
        }
    }

    [Fact]
    public void Init_from_a_safetensors_file_loads_by_name_and_rejects_other_sizes()
    {
        using var dir = new TempDir();
        torch.manual_seed(3);
        using var source = Model(OneLayer());
        SafeTensors.SaveStateDict(source, dir.File("clip.safetensors"));
        torch.manual_seed(4);
        using var target = Model(OneLayer());
        using var wider = Model(OneLayer() with { VisionWidth = 64 });

        ModelInit.LoadFile(target, dir.File("clip.safetensors"));

        Assert.Equal(source.visual_projection.weight.ToArray<float>(), target.visual_projection.weight.ToArray<float>());
        var e = Assert.Throws<ConfigException>(() => ModelInit.LoadFile(wider, dir.File("clip.safetensors")));
        Assert.Contains("size mismatch for vision_model.embeddings.class_embedding", e.Message, StringComparison.Ordinal);
        Assert.Throws<ConfigException>(() => ModelInit.LoadFile(target, dir.File("missing.safetensors")));
    }
}
