using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ImbalanceFair.Core.Config;

/// <summary>
/// A YAML mapping read strictly: typed getters that name the file, line and key on error, and a check
/// that rejects keys nobody asked for (with the nearest valid key), as nanoGPT's configurator does.
/// </summary>
public sealed class YamlObject
{
    private readonly YamlMappingNode _node;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly YamlOrigins _origins;

    private YamlObject(YamlMappingNode node, string file, string path, YamlOrigins? origins = null)
    {
        _node = node;
        File = file;
        Path = path;
        _origins = origins ?? new YamlOrigins();
    }

    /// <summary>A strict reader over an existing mapping (e.g. a file with command-line overrides grafted in).</summary>
    public static YamlObject Over(YamlMappingNode node, string file, YamlOrigins origins) => new(node, file, string.Empty, origins);

    public string File { get; }

    /// <summary>The dotted path of this mapping in its document ("" for the root).</summary>
    public string Path { get; }

    public static YamlObject Load(string file)
    {
        if (!System.IO.File.Exists(file))
        {
            throw new ConfigException($"{file}: file not found");
        }

        return Parse(System.IO.File.ReadAllText(file), file);
    }

    public static YamlObject Parse(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(text);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{file}:{e.Start.Line}: YAML syntax error: {e.InnerException?.Message ?? e.Message}", e);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return new YamlObject(new YamlMappingNode(), file, string.Empty);
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode map)
        {
            throw new ConfigException($"{file}:{stream.Documents[0].RootNode.Start.Line}: expected a mapping of keys at the top level");
        }

        return new YamlObject(map, file, string.Empty);
    }

    public IEnumerable<string> Keys => _node.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? string.Empty);

    public bool Has(string key)
    {
        _known.Add(key);
        return Find(key) is { } n && !IsNull(n);
    }

    public string Where(string key) => Find(key) is { } n ? Origin(n) : Origin(_node);

    private string Origin(YamlNode n) => _origins.Overrides.TryGetValue(n, out var text) ? $"command-line override '{text}'" : $"{File}:{n.Start.Line}";

    public string Dotted(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public string? GetString(string key, string? fallback = null)
    {
        var node = Get(key);
        return node switch
        {
            null => fallback,
            YamlScalarNode s => s.Value,
            _ => throw Error(key, "expected a single value"),
        };
    }

    public string RequireString(string key) => GetString(key) ?? throw Missing(key);

    public long? GetInt(string key)
    {
        var text = GetString(key);
        if (text is null)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            return v;
        }

        throw Error(key, $"expected a whole number, got '{text}'");
    }

    public double? GetDouble(string key)
    {
        var text = GetString(key);
        return text is null ? null : ParseNumber(text) ?? throw Error(key, $"expected a number, got '{text}'");
    }

    public bool? GetBool(string key)
    {
        var text = GetString(key);
        return text switch
        {
            null => null,
            "true" or "True" or "yes" => true,
            "false" or "False" or "no" => false,
            _ => throw Error(key, $"expected true or false, got '{text}'"),
        };
    }

    public IReadOnlyList<string>? GetStringList(string key)
    {
        var node = Get(key);
        return node switch
        {
            null => null,
            YamlSequenceNode seq => seq.Children.Select((c, i) => c is YamlScalarNode s ? s.Value ?? string.Empty
                : throw new ConfigException($"{File}:{c.Start.Line}: {Dotted(key)}[{i}]: expected a single value")).ToList(),
            _ => throw Error(key, "expected a list"),
        };
    }

    public IReadOnlyList<double>? GetNumberList(string key) =>
        GetStringList(key)?.Select(s => ParseNumber(s) ?? throw Error(key, $"expected numbers, got '{s}'")).ToList();

    public YamlObject? GetObject(string key)
    {
        var node = Get(key);
        return node switch
        {
            null => null,
            YamlMappingNode map => new YamlObject(map, File, Dotted(key), _origins),
            _ => throw Error(key, "expected a mapping of keys"),
        };
    }

    /// <summary>The raw node, for values that may take several shapes (a number or a mapping, say).</summary>
    public YamlNode? GetNode(string key) => Get(key);

    /// <summary>Declares the valid keys up front, so a misspelt key is reported before a "missing" one.</summary>
    public YamlObject Allow(params string[] keys)
    {
        foreach (var k in keys)
        {
            _known.Add(k);
        }

        RejectUnknownKeys();
        return this;
    }

    /// <summary>Throws for every key of this mapping that no getter asked for, naming the nearest valid key.</summary>
    public void RejectUnknownKeys()
    {
        foreach (var (k, _) in _node.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? string.Empty;
            if (!_known.Contains(name) && _origins.Unknown is { } unknown)
            {
                var entry = $"{Dotted(name)}={CanonicalText(_node.Children[k])}";
                if (!unknown.Contains(entry))
                {
                    unknown.Add(entry);
                }
            }
            else if (!_known.Contains(name))
            {
                throw new ConfigException(
                    $"{Origin(k)}: unknown key '{Dotted(name)}'.{Suggest(name)} Valid keys here: {string.Join(", ", _known.Order(StringComparer.Ordinal))}");
            }
        }
    }

    /// <summary>A deterministic text of this mapping (keys sorted, flow style), for content keys and hashes.</summary>
    public string Canonical() => CanonicalText(_node);

    private static string CanonicalText(YamlNode node) => node switch
    {
        YamlMappingNode m => "{" + string.Join(",", m.Children
            .Select(kv => (key: (kv.Key as YamlScalarNode)?.Value ?? string.Empty, value: kv.Value))
            .OrderBy(kv => kv.key, StringComparer.Ordinal)
            .Select(kv => $"{System.Text.Json.JsonSerializer.Serialize(kv.key)}:{CanonicalText(kv.value)}")) + "}",
        YamlSequenceNode seq => "[" + string.Join(",", seq.Children.Select(CanonicalText)) + "]",
        YamlScalarNode s => System.Text.Json.JsonSerializer.Serialize(s.Value),
        _ => "null",
    };

    public ConfigException Error(string key, string problem) => new($"{Where(key)}: {Dotted(key)}: {problem}");

    private ConfigException Missing(string key) => new($"{Origin(_node)}: {Dotted(key)}: required key is missing");

    /// <summary>
    /// A key elsewhere in the document with exactly this last name (train.lr → train.optimizer.lr, even though the sibling
    /// train.lora is close in spelling), else the nearest sibling key, else the nearest last name anywhere.
    /// </summary>
    private string Suggest(string name)
    {
        // Of the keys with this name elsewhere, the one sharing the longest leading path with where it was written
        // (train.lr → train.optimizer.lr, not augment.diffusion.generator.lr).
        var here = Dotted(name);
        var elsewhere = _origins.AllKeys.Where(k => k.EndsWith("." + name, StringComparison.Ordinal) || k == name)
            .OrderByDescending(k => k.Zip(here).TakeWhile(p => p.First == p.Second).Count()).ToList();
        if (elsewhere.Count > 0)
        {
            return $" Did you mean '{elsewhere[0]}'?";
        }

        return NearestKey.Find(name, _known) is { } near
            ? $" Did you mean '{Dotted(near)}'?"
            : NearestKey.Suggestion(name, _origins.AllKeys.Select(k => k[(k.LastIndexOf('.') + 1)..]).Distinct());
    }

    /// <summary>Numbers as a person writes them, fractions included: 0.1, 1e-3, 8/255.</summary>
    public static double? ParseNumber(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var num = ParseNumber(text[..slash]);
            var den = ParseNumber(text[(slash + 1)..]);
            return num is not null && den is not null and not 0 ? num / den : null;
        }

        return double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;
    }

    private YamlNode? Get(string key)
    {
        _known.Add(key);
        var node = Find(key);
        return node is null || IsNull(node) ? null : node;
    }

    private YamlNode? Find(string key) => _node.Children.TryGetValue(new YamlScalarNode(key), out var n) ? n : null;

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: not ScalarStyle.SingleQuoted and not ScalarStyle.DoubleQuoted } s && (s.Value is null or "null" or "~" or "");
}

/// <summary>
/// What a strict reader knows about a document beyond its text: the nodes that came from command-line overrides
/// (errors name the override instead of a line) and every valid dotted key (for suggestions across levels).
/// </summary>
public sealed class YamlOrigins
{
    public Dictionary<YamlNode, string> Overrides { get; } = new(ReferenceEqualityComparer.Instance);

    public IReadOnlyList<string> AllKeys { get; init; } = [];

    /// <summary>
    /// Null: strict (an unknown key is an error). A list: lenient, for reading configs written by other versions of
    /// imbfair (reports of old runs): unknown keys are collected here as <c>dotted.key=value</c> and otherwise ignored.
    /// </summary>
    public List<string>? Unknown { get; init; }
}
