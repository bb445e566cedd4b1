using ImbalanceFair.Core.Models;

namespace ImbalanceFair.Core.Tests.Models;

public class PromptTokenizerTests
{
    [Fact]
    public void Builds_a_sorted_word_vocabulary_with_end_as_the_largest_id()
    {
        var tok = PromptTokenizer.Build(["Ankle boot", "T-shirt/top"], ["a photo of a {}.", "a {}"]);

        Assert.Equal(["-", ".", "/", "a", "ankle", "boot", "of", "photo", "shirt", "t", "top"], tok.Words.Order(StringComparer.Ordinal));
        Assert.Equal(13, tok.End);
        Assert.Equal(14, tok.VocabSize);
        // "a photo of a t - shirt / top ." is 10 tokens: context = 10 + start + end.
        Assert.Equal(12, tok.ContextLength);
    }

    [Fact]
    public void Encodes_start_words_end_then_padding()
    {
        var tok = PromptTokenizer.Build(["cat", "dog"], ["a {}."]);

        var ids = tok.Encode("a dog.");

        // Vocabulary: "." = 2, "a" = 3, "cat" = 4, "dog" = 5; end = 6.
        Assert.Equal(new long[] { 1, 3, 5, 2, 6 }, ids);
        Assert.Equal(ids.Max(), tok.End);
    }

    [Fact]
    public void Unknown_words_and_overlong_texts_are_errors()
    {
        var tok = PromptTokenizer.Build(["cat"], ["a {}"]);

        Assert.Throws<ArgumentException>(() => tok.Encode("a horse"));
        Assert.Throws<ArgumentException>(() => tok.Encode("a cat a cat"));
    }
}
