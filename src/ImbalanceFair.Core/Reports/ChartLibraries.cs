using System.Text.RegularExpressions;

namespace ImbalanceFair.Core.Reports;

/// <summary>
/// vega, vega-lite and vega-embed as embedded at build time from the pinned npm packages (Reports/web/package.json;
/// the Core project fails the build without them), ready to inline into report.html's script elements.
/// </summary>
public static partial class ChartLibraries
{
    public static IReadOnlyList<string> Files { get; } = ["vega.min.js", "vega-lite.min.js", "vega-embed.min.js"];

    /// <summary>The three libraries in load order, each safe to put between &lt;script&gt; and &lt;/script&gt;.</summary>
    public static IReadOnlyList<string> Scripts() => Files.Select(f => ForScriptElement(Read(f))).ToList();

    private static string Read(string file)
    {
        using var stream = typeof(ChartLibraries).Assembly.GetManifestResourceStream("imbfair.report." + file)
            ?? throw new InvalidOperationException($"{file} is not embedded in {typeof(ChartLibraries).Assembly.GetName().Name}; rebuild after `npm ci` in src/ImbalanceFair.Core/Reports/web");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// A script element ends at the first "&lt;/script", whatever JavaScript context it is in, so that sequence is
    /// written "&lt;\/script", which means the same inside strings, templates and regular expressions. Escaping every
    /// "&lt;/" instead would break regular expressions such as <c>/&lt;/g</c>, which the libraries contain.
    /// "&lt;!--" would switch the HTML parser into its escaped-script state; the libraries have none, and a new
    /// version that does is refused rather than inlined wrongly.
    /// </summary>
    public static string ForScriptElement(string javaScript)
    {
        ArgumentNullException.ThrowIfNull(javaScript);
        if (javaScript.Contains("<!--", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("a chart library contains \"<!--\", which cannot be inlined into a script element unchanged");
        }

        return ScriptEnd().Replace(javaScript, m => "<\\/" + m.Value[2..]);
    }

    [GeneratedRegex("</script", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ScriptEnd();
}
