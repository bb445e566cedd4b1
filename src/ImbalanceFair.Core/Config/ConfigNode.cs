using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ImbalanceFair.Core.Config;

/// <summary>
/// One key of the canonical resolved config: a scalar (already in YAML syntax) or a mapping. <see cref="Applies"/>
/// false marks a key that is written into <c>config.resolved.yaml</c> but does not change the experiment (another
/// strategy's section, the focal loss's gamma under cross-entropy, ...), so the run hash leaves it out (DESIGN §6).
/// </summary>
public sealed partial record ConfigNode(string Key, string? Scalar, IReadOnlyList<ConfigNode>? Children, bool Applies = true)
{
    public static ConfigNode S(string key, string value) => new(key, value, null);

    public static ConfigNode M(string key, params IEnumerable<ConfigNode> children) => new(key, null, [.. children]);

    /// <summary>This node, kept in the written config but left out of the run hash unless <paramref name="applies"/>.</summary>
    public ConfigNode When(bool applies) => applies ? this : this with { Applies = false };

    public static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

    public static string Bool(bool v) => v ? "true" : "false";

    public static string Null => "null";

    public static string OrNull(string? s) => s is null ? Null : Str(s);

    public static string OrNull(double? v) => v is { } x ? Num(x) : Null;

    public static string OrNull(long? v) => v is { } x ? Num(x) : Null;

    public static string List(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(Str)) + "]";

    /// <summary>Plain when YAML reads it back as the same string, else JSON-quoted (valid YAML).</summary>
    public static string Str(string s) =>
        PlainSafe().IsMatch(s) && s is not ("null" or "true" or "false" or "yes" or "no" or "on" or "off" or "~")
            && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? s
            : JsonSerializer.Serialize(s);

    /// <summary>Block YAML of <paramref name="nodes"/>; with <paramref name="applyingOnly"/>, only what changes the experiment.</summary>
    public static string Emit(IEnumerable<ConfigNode> nodes, bool applyingOnly = false)
    {
        var sb = new StringBuilder();
        Emit(sb, nodes, 0, applyingOnly);
        return sb.ToString();
    }

    /// <summary>Every dotted key under <paramref name="nodes"/> (for "did you mean" across levels).</summary>
    public static IEnumerable<string> DottedKeys(IEnumerable<ConfigNode> nodes, string prefix = "")
    {
        foreach (var n in nodes)
        {
            yield return prefix + n.Key;
            foreach (var k in n.Children is null ? [] : DottedKeys(n.Children, prefix + n.Key + "."))
            {
                yield return k;
            }
        }
    }

    private static void Emit(StringBuilder sb, IEnumerable<ConfigNode> nodes, int indent, bool applyingOnly)
    {
        foreach (var n in nodes.Where(n => n.Applies || !applyingOnly))
        {
            sb.Append(' ', indent).Append(Str(n.Key)).Append(':');
            if (n.Children is null)
            {
                sb.Append(' ').Append(n.Scalar).Append('\n');
            }
            else if (n.Children.Count == 0)
            {
                sb.Append(" {}\n");
            }
            else
            {
                sb.Append('\n');
                Emit(sb, n.Children, indent + 2, applyingOnly);
            }
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_./-]*$")]
    private static partial Regex PlainSafe();
}
