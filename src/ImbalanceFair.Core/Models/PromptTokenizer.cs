using System.Text.RegularExpressions;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Models;

/// <summary>
/// A word-level tokenizer over the dataset's class names and prompt templates (no model hub, no BPE files):
/// lower-cased words and single punctuation marks, sorted for a deterministic vocabulary. Ids: 0 padding,
/// 1 start-of-text, words from 2, and end-of-text the largest id, so the text tower pools at argmax(ids) as
/// CLIP does.
/// </summary>
public sealed partial class PromptTokenizer : ITextTokenizer
{
    public const int Pad = 0;
    public const int Start = 1;

    private readonly Dictionary<string, int> _ids;

    private PromptTokenizer(IReadOnlyList<string> words, int contextLength)
    {
        _ids = words.Select((w, i) => (w, i)).ToDictionary(x => x.w, x => x.i + 2, StringComparer.Ordinal);
        ContextLength = contextLength;
    }

    public int End => _ids.Count + 2;

    public int VocabSize => _ids.Count + 3;

    public int ContextLength { get; }

    public IReadOnlyCollection<string> Words => _ids.Keys;

    /// <summary>The vocabulary of every template filled with every class name; context fits the longest prompt.</summary>
    public static PromptTokenizer Build(IReadOnlyList<string> classNames, IReadOnlyList<string> templates)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(templates);
        var prompts = Prompts(classNames, templates).SelectMany(p => p).ToList();
        var words = prompts.SelectMany(Split).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var longest = prompts.Max(p => Split(p).Count());
        return new PromptTokenizer(words, longest + 2);
    }

    /// <summary>prompts[c][t] = template t filled with class c's name.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Prompts(IReadOnlyList<string> classNames, IReadOnlyList<string> templates) =>
        classNames.Select(c => (IReadOnlyList<string>)templates.Select(t => t.Replace("{}", c, StringComparison.Ordinal)).ToList()).ToList();

    public static IEnumerable<string> Split(string text) =>
        TokenPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value);

    public long[] Encode(string text)
    {
        var ids = new long[ContextLength];
        ids[0] = Start;
        var i = 1;
        foreach (var word in Split(text))
        {
            if (!_ids.TryGetValue(word, out var id))
            {
                throw new ArgumentException($"'{word}' is not in the prompt vocabulary (built from the dataset's class names and templates)", nameof(text));
            }

            if (i >= ContextLength - 1)
            {
                throw new ArgumentException($"'{text}' is longer than the context of {ContextLength} tokens", nameof(text));
            }

            ids[i++] = id;
        }

        ids[i] = End;
        return ids;
    }

    /// <summary>[texts, context] int64 ids.</summary>
    public Tensor EncodeBatch(IReadOnlyList<string> texts, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var flat = texts.SelectMany(Encode).ToArray();
        return torch.from_array<long>(flat, [texts.Count, ContextLength], device);
    }

    [GeneratedRegex(@"[a-z0-9]+|[^\sa-z0-9]")]
    private static partial Regex TokenPattern();
}
