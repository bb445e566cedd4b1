using System.Globalization;
using System.Text;
using System.Text.Json;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Models;

/// <summary>
/// CLIP's byte-level BPE tokenizer, as Hugging Face's CLIPTokenizer without ftfy: its BasicTokenizer clean-up
/// (control characters dropped, whitespace to spaces, spaces around CJK ideographs, NFC, lower case, accents kept),
/// CLIP's pre-tokenizer pattern (special tokens | 's 't 're 've 'm 'll 'd | letters+ | one digit | other non-space+),
/// UTF-8 bytes mapped to printable characters, BPE merges by rank with the `&lt;/w&gt;` end-of-word suffix, then
/// <c>&lt;|startoftext|&gt; … &lt;|endoftext|&gt;</c> padded with &lt;|endoftext|&gt; to the context length; a longer
/// text is cut so the end token stays. A token outside the vocabulary becomes &lt;|endoftext|&gt; (HF's unk).
/// Microsoft.ML.Tokenizers' BpeTokenizer was evaluated and not used: it has no byte-level mapping under a
/// Unicode-aware pre-tokenizer, so CLIP's splits of non-ASCII text could not be reproduced.
/// </summary>
public sealed class ClipBpeTokenizer : ITextTokenizer
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";

    // HF reads at most this many merges (CLIP's 49152-token vocabulary less bytes and specials).
    private const int MaxMerges = 49152 - 256 - 2;

    private static readonly string[] s_contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];
    private static readonly char[] s_byteChars = ByteChars();

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<(string, string), int> _ranks;
    private readonly Dictionary<string, string[]> _cache = new(StringComparer.Ordinal);

    private ClipBpeTokenizer(Dictionary<string, int> vocab, List<(string, string)> merges, int contextLength, string source)
    {
        _vocab = vocab;
        _ranks = new Dictionary<(string, string), int>();
        for (var i = 0; i < merges.Count; i++)
        {
            _ranks.TryAdd(merges[i], i);
        }

        Start = vocab.TryGetValue(StartOfText, out var s) ? s : throw new ConfigException($"{source}: the vocabulary has no {StartOfText}");
        End = vocab.TryGetValue(EndOfText, out var e) ? e : throw new ConfigException($"{source}: the vocabulary has no {EndOfText}");
        ContextLength = contextLength >= 2 ? contextLength : throw new ArgumentOutOfRangeException(nameof(contextLength), "a context holds at least the start and end tokens");
    }

    public int Start { get; }

    public int End { get; }

    public int ContextLength { get; }

    public int VocabSize => _vocab.Count;

    /// <summary>The largest id of the vocabulary (it must fit the model's token embedding).</summary>
    public int MaxId => _vocab.Values.Max();

    /// <summary>From a directory's vocab.json + merges.txt, or else its tokenizer.json.</summary>
    public static ClipBpeTokenizer Load(string directory, int contextLength)
    {
        var vocabPath = Path.Combine(directory, HfClipDirectory.VocabFile);
        var mergesPath = Path.Combine(directory, HfClipDirectory.MergesFile);
        if (File.Exists(vocabPath) && File.Exists(mergesPath))
        {
            using var vocab = HfClipConfig.ReadJson(vocabPath, "download the checkpoint again");
            // merges.txt: a "#version" line that HF always skips, then "left right" per line.
            var lines = File.ReadAllText(mergesPath).Trim().Split('\n').Skip(1).Take(MaxMerges);
            return new ClipBpeTokenizer(Vocab(vocabPath, vocab.RootElement), [.. lines.Select(l => Merge(mergesPath, l))], contextLength, vocabPath);
        }

        var jsonPath = Path.Combine(directory, HfClipDirectory.TokenizerFile);
        if (!File.Exists(jsonPath))
        {
            throw new ConfigException($"model.arch: {directory} has no tokenizer ({HfClipDirectory.VocabFile} + {HfClipDirectory.MergesFile}, or {HfClipDirectory.TokenizerFile}); {HfClipDirectory.DownloadHint(directory)}");
        }

        using var doc = HfClipConfig.ReadJson(jsonPath, "download the checkpoint again");
        if (!doc.RootElement.TryGetProperty("model", out var model) || !model.TryGetProperty("vocab", out var v) || !model.TryGetProperty("merges", out var m)
            || m.ValueKind != JsonValueKind.Array)
        {
            throw new ConfigException($"{jsonPath}: has no model.vocab and model.merges; it is not a BPE tokenizer.json");
        }

        // tokenizers writes merges as "left right" strings, or (since 0.20) as [left, right] pairs.
        var merges = m.EnumerateArray().Take(MaxMerges).Select(e => e.ValueKind switch
        {
            JsonValueKind.String => Merge(jsonPath, e.GetString()!),
            JsonValueKind.Array when e.GetArrayLength() == 2 => (e[0].GetString() ?? string.Empty, e[1].GetString() ?? string.Empty),
            _ => throw new ConfigException($"{jsonPath}: the merge {e.GetRawText()} is neither \"left right\" nor [left, right]"),
        }).ToList();
        return new ClipBpeTokenizer(Vocab(jsonPath, v), merges, contextLength, jsonPath);
    }

    /// <summary>The BPE tokens of a text (no start/end tokens).</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        foreach (var piece in SplitSpecial(text).SelectMany(chunk => chunk is StartOfText or EndOfText ? [chunk] : PreTokenize(Normalise(chunk))))
        {
            if (piece is StartOfText or EndOfText)
            {
                tokens.Add(piece);
                continue;
            }

            var mapped = new StringBuilder();
            foreach (var b in Encoding.UTF8.GetBytes(piece))
            {
                mapped.Append(s_byteChars[b]);
            }

            tokens.AddRange(Bpe(mapped.ToString()));
        }

        return tokens;
    }

    /// <summary>[start, ids…, end, end…] of length <see cref="ContextLength"/>; a long text is cut before the end token.</summary>
    public long[] Encode(string text)
    {
        var ids = Tokenize(text).Select(t => _vocab.TryGetValue(t, out var id) ? id : End).Take(ContextLength - 2);
        var row = new long[ContextLength];
        Array.Fill(row, End);
        row[0] = Start;
        var i = 1;
        foreach (var id in ids)
        {
            row[i++] = id;
        }

        return row;
    }

    /// <summary>[texts, context] int64 ids.</summary>
    public Tensor EncodeBatch(IReadOnlyList<string> texts, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return torch.from_array<long>(texts.SelectMany(Encode).ToArray(), [texts.Count, ContextLength], device);
    }

    // As HF's PreTrainedTokenizer.tokenize: the special tokens, written exactly, are split out before anything else.
    private static IEnumerable<string> SplitSpecial(string text)
    {
        var at = 0;
        while (at < text.Length)
        {
            var (next, special) = new[] { StartOfText, EndOfText }.Select(s => (text.IndexOf(s, at, StringComparison.Ordinal), s))
                .Where(x => x.Item1 >= 0).DefaultIfEmpty((text.Length, string.Empty)).MinBy(x => x.Item1);
            if (next > at)
            {
                yield return text[at..next];
            }

            if (special.Length > 0)
            {
                yield return special;
            }

            at = next + special.Length;
        }
    }

    // HF BasicTokenizer(do_lower_case, strip_accents=False, do_split_on_punc=False, tokenize_chinese_chars), joined by spaces.
    internal static string Normalise(string text)
    {
        var cleaned = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            var v = rune.Value;
            var category = Rune.GetUnicodeCategory(rune);
            if (v is ' ' or '\t' or '\n' or '\r' || category == UnicodeCategory.SpaceSeparator)
            {
                cleaned.Append(' ');
            }
            else if (v is 0 or 0xFFFD || IsOther(category))
            {
                continue;
            }
            else if (IsCjk(v))
            {
                cleaned.Append(' ').Append(rune.ToString()).Append(' ');
            }
            else
            {
                cleaned.Append(rune.ToString());
            }
        }

        var words = cleaned.ToString().Normalize(NormalizationForm.FormC).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', words.Select(Lower));
    }

    // Python's str.lower(): full case mapping where it differs from .NET's simple one (İ, final sigma).
    private static string Lower(string word)
    {
        var lower = word.ToLowerInvariant();
        if (!word.Contains('\u0130', StringComparison.Ordinal) && !word.Contains('Σ', StringComparison.Ordinal))
        {
            return lower;
        }

        var sb = new StringBuilder();
        for (var i = 0; i < word.Length; i++)
        {
            sb.Append(word[i] switch
            {
                '\u0130' => "i\u0307",
                'Σ' => FinalSigma(word, i) ? "ς" : "σ",
                _ => lower[i].ToString(),
            });
        }

        return sb.ToString();
    }

    // Unicode's Final_Sigma condition (case-ignorable characters between are skipped).
    private static bool FinalSigma(string word, int at)
    {
        static bool Cased(char c) => char.IsLetter(c) && (char.IsUpper(c) || char.IsLower(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.TitlecaseLetter);
        static bool Ignorable(char c) => CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol || c is '\'' or '.' or ':' or '\u00B7' or '\u2019';
        var before = at - 1;
        while (before >= 0 && Ignorable(word[before]))
        {
            before--;
        }

        var after = at + 1;
        while (after < word.Length && Ignorable(word[after]))
        {
            after++;
        }

        return before >= 0 && Cased(word[before]) && !(after < word.Length && Cased(word[after]));
    }

    // CLIP's pattern, alternatives tried in order at each position as the regex does:
    // <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+ (case-insensitive).
    internal static IEnumerable<string> PreTokenize(string text)
    {
        var runes = text.EnumerateRunes().ToArray();
        var i = 0;
        while (i < runes.Length)
        {
            var rest = string.Concat(runes.Skip(i).Take(16).Select(r => r.ToString()));
            var literal = new[] { StartOfText, EndOfText }.Concat(s_contractions)
                .FirstOrDefault(s => rest.StartsWith(s, StringComparison.OrdinalIgnoreCase));
            if (literal is not null)
            {
                yield return rest[..literal.Length];
                i += literal.EnumerateRunes().Count();
                continue;
            }

            var kind = Kind(runes[i]);
            if (kind == 's')
            {
                i++;
                continue;
            }

            var start = i;
            i++;
            if (kind != 'n')
            {
                while (i < runes.Length && Kind(runes[i]) == kind)
                {
                    i++;
                }
            }

            yield return string.Concat(runes[start..i].Select(r => r.ToString()));
        }
    }

    private static char Kind(Rune r) =>
        Rune.IsLetter(r) ? 'l' : Rune.IsNumber(r) ? 'n' : Rune.IsWhiteSpace(r) ? 's' : 'o';

    private string[] Bpe(string token)
    {
        if (_cache.TryGetValue(token, out var cached))
        {
            return cached;
        }

        var word = token[..^1].Select(c => c.ToString()).Append(token[^1] + "</w>").ToList();
        while (word.Count > 1)
        {
            var best = -1;
            var bestRank = int.MaxValue;
            for (var j = 0; j + 1 < word.Count; j++)
            {
                if (_ranks.TryGetValue((word[j], word[j + 1]), out var rank) && rank < bestRank)
                {
                    (best, bestRank) = (j, rank);
                }
            }

            if (best < 0)
            {
                break;
            }

            var (first, second) = (word[best], word[best + 1]);
            var merged = new List<string>(word.Count);
            for (var j = 0; j < word.Count; j++)
            {
                if (j + 1 < word.Count && word[j] == first && word[j + 1] == second)
                {
                    merged.Add(first + second);
                    j++;
                }
                else
                {
                    merged.Add(word[j]);
                }
            }

            word = merged;
        }

        var result = word.ToArray();
        if (_cache.Count < 100_000)
        {
            _cache[token] = result;
        }

        return result;
    }

    private static bool IsOther(UnicodeCategory c) => c is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
        or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;

    private static bool IsCjk(int cp) =>
        cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);

    // GPT-2 / CLIP's reversible map of the 256 bytes to printable characters.
    private static char[] ByteChars()
    {
        var map = new char[256];
        var extra = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is (>= '!' and <= '~') or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + extra++);
        }

        return map;
    }

    private static (string, string) Merge(string path, string line)
    {
        var parts = line.TrimEnd('\r').Split(' ');
        return parts.Length == 2 ? (parts[0], parts[1]) : throw new ConfigException($"{path}: the merge line '{line}' is not two symbols separated by a space");
    }

    internal static Dictionary<string, int> Vocab(string path, JsonElement vocab)
    {
        if (vocab.ValueKind != JsonValueKind.Object)
        {
            throw new ConfigException($"{path}: the vocabulary is not a JSON object of token → id");
        }

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.EnumerateObject())
        {
            ids[entry.Name] = entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt32(out var id) && id >= 0 ? id
                : throw new ConfigException($"{path}: the id of '{entry.Name}' is {entry.Value.GetRawText()}, not a non-negative integer");
        }

        return ids;
    }
}
