using System.Text.Json;
using System.Text.Json.Nodes;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Tests.Shared;

namespace ImbalanceFair.Core.Tests.Models;

/// <summary>
/// CLIP's BPE tokenizer on a made-up vocabulary (tests/Fixtures/hf_clip.py) against tests/Fixtures/hf_clip.py tokenize, an
/// independent Python implementation of CLIPTokenizer's rules (Python's str.lower, unicodedata and the regex module).
/// </summary>
public class ClipBpeTokenizerTests
{
    private static readonly string[] s_tricky =
    [
        "a photo of a cat.",
        "A PHOTO of the Ankle-Boot!!!",
        "T-shirt/top, it's the dog's; they're 'quoted' and ''s",
        "numbers 123 4567 3.14 1,000 ½ ²",
        "  repeated    spaces\tand\ttabs\nand\r\nnewlines  ",
        "café naïve ÉCOLE Ångström e\u0301 İstanbul ΟΔΟΣ",
        "日本語のテキスト 中文 한국어",
        "emoji 😀👍🏽 and math 𝒳𝔸 and ﬁ ligature",
        "control\u0000chars\u200b\u0007 zero\ufeffwidth \ufffd",
        "<|endoftext|> special <|startoftext|>inside!<|endoftext|>x <|ENDOFTEXT|>",
        "'S 'T 'RE 'VE 'M 'LL 'D and ' s",
        "",
        string.Join(' ', Enumerable.Repeat("photo of a cat", 30)),
    ];

    private static string Model(TempDir dir)
    {
        Python.Run(File.ReadAllText(Path.Combine(Repo.Root, "tests", "Fixtures", "hf_clip.py")), dir.Path, "{}");
        return dir.File("model");
    }

    private static long[][] Reference(string model, int context, IReadOnlyList<string> texts, TempDir dir)
    {
        var input = dir.Write("texts.json", JsonSerializer.Serialize(texts));
        var output = Python.Run(File.ReadAllText(Path.Combine(Repo.Root, "tests", "Fixtures", "hf_clip.py")), "tokenize", model, context.ToString(System.Globalization.CultureInfo.InvariantCulture), input);
        return JsonSerializer.Deserialize<long[][]>(output)!;
    }

    [Fact]
    public void Ids_match_the_independent_python_implementation_on_tricky_strings()
    {
        using var dir = new TempDir();
        var model = Model(dir);
        var tokenizer = ClipBpeTokenizer.Load(model, 24);
        var expected = Reference(model, 24, s_tricky, dir);

        for (var i = 0; i < s_tricky.Length; i++)
        {
            Assert.True(expected[i].SequenceEqual(tokenizer.Encode(s_tricky[i])),
                $"'{s_tricky[i]}': expected [{string.Join(", ", expected[i])}], got [{string.Join(", ", tokenizer.Encode(s_tricky[i]))}]");
        }
    }

    [Fact]
    public void Merges_apply_by_rank_with_the_end_of_word_suffix()
    {
        using var dir = new TempDir();
        var tokenizer = ClipBpeTokenizer.Load(Model(dir), 77);

        Assert.Equal(["a</w>", "photo</w>", "of</w>", "a</w>", "cat</w>", ".</w>"], tokenizer.Tokenize("A photo of a CAT."));
        // "photos" has no merge for its end, so it stops at the merges of "phot": p h → ph, ph o → pho, pho t → phot.
        Assert.Equal(["phot", "o", "s</w>"], tokenizer.Tokenize("photos"));
        // The pattern takes digits one at a time, so the merges of "123" never apply.
        Assert.Equal(["1</w>", "2</w>", "3</w>"], tokenizer.Tokenize("123"));
        Assert.Equal(["'s</w>", "dog</w>"], tokenizer.Tokenize("'s dog"));
    }

    [Fact]
    public void A_long_text_is_cut_before_the_end_token_and_a_short_one_padded_with_it()
    {
        using var dir = new TempDir();
        var tokenizer = ClipBpeTokenizer.Load(Model(dir), 8);

        var longIds = tokenizer.Encode(string.Join(' ', Enumerable.Repeat("cat", 20)));
        var shortIds = tokenizer.Encode("cat");

        Assert.Equal(8, longIds.Length);
        Assert.Equal(tokenizer.Start, longIds[0]);
        Assert.Equal(tokenizer.End, longIds[^1]);
        Assert.DoesNotContain((long)tokenizer.End, longIds[..^1]);
        Assert.Equal([tokenizer.Start, longIds[1], tokenizer.End, tokenizer.End, tokenizer.End, tokenizer.End, tokenizer.End, tokenizer.End], shortIds);
    }

    [Fact]
    public void Tokenizer_json_gives_the_same_ids_as_vocab_and_merges()
    {
        using var dir = new TempDir();
        var model = Model(dir);
        var fromFiles = ClipBpeTokenizer.Load(model, 24);
        var merges = File.ReadAllText(Path.Combine(model, "merges.txt")).Trim().Split('\n').Skip(1).ToArray();
        var json = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["vocab"] = JsonNode.Parse(File.ReadAllText(Path.Combine(model, "vocab.json"))),
                ["merges"] = new JsonArray([.. merges.Select(m => (JsonNode)new JsonArray([.. m.Split(' ').Select(s => (JsonNode)JsonValue.Create(s)!)]))]),
            },
        };
        var other = Directory.CreateDirectory(dir.File("json")).FullName;
        File.WriteAllText(Path.Combine(other, "tokenizer.json"), json.ToJsonString());
        var fromJson = ClipBpeTokenizer.Load(other, 24);

        Assert.All(s_tricky, t => Assert.Equal(fromFiles.Encode(t), fromJson.Encode(t)));
    }
}
