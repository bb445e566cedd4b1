using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ImbalanceFair.Core.Reports;

/// <summary>
/// report.html: one self-contained file, the chart libraries inlined (<see cref="ChartLibraries"/>), the charts of
/// <see cref="ReportCharts"/> drawn as SVG, then report.md's table as plain HTML. Its Content-Security-Policy lets it
/// load nothing (default-src 'none'): no fonts, images or scripts from the network, so it opens offline and cannot
/// leak that it was opened. 'unsafe-eval' is there because Vega compiles field accessors with new Function.
/// Each chart element gets data-rendered="true" (or data-error) once drawn, and a blocked load is recorded in
/// body's data-csp-violations, for headless checks.
/// </summary>
public static class ReportHtml
{
    public const string FileName = "report.html";

    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'";

    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
        .charts { display: flex; flex-wrap: wrap; gap: 2em; }
        .chart { min-height: 320px; }
        table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
        th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        th { background: #f3f3f3; }
        """;

    // Runs after the libraries; the spec object is JSON that System.Text.Json wrote with "<", ">" and "&" escaped,
    // so it cannot close the script element.
    private const string Embed = """
        document.addEventListener('securitypolicyviolation', e => {
          const b = document.body;
          b.dataset.cspViolations = String(Number(b.dataset.cspViolations || '0') + 1);
          b.dataset.cspBlocked = (b.dataset.cspBlocked ? b.dataset.cspBlocked + ' ' : '') + e.blockedURI;
        });
        Promise.allSettled(Object.entries(CHARTS).map(([id, spec]) => {
          const el = document.getElementById(id);
          return vegaEmbed(el, spec, { renderer: 'svg', actions: false, mode: 'vega-lite' })
            .then(() => { el.dataset.rendered = 'true'; })
            .catch(err => { el.dataset.error = String(err); el.textContent = 'This chart could not be drawn: ' + err; });
        })).then(() => { document.body.dataset.charts = 'done'; });
        """;

    public static string Text(ReportModel report) => Text(report, ChartLibraries.Scripts());

    public static string Text(ReportModel report, IReadOnlyList<string> libraryScripts)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(libraryScripts);
        var charts = ReportCharts.All(report);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"").Append(ContentSecurityPolicy).Append("\">\n")
            .Append("<title>imbfair report</title>\n<style>\n").Append(Style).Append("</style>\n");
        foreach (var script in libraryScripts)
        {
            html.Append("<script>\n").Append(script).Append("\n</script>\n");
        }

        html.Append("</head>\n<body>\n<h1>imbfair report</h1>\n<p>")
            .Append(Encode(string.Create(CultureInfo.InvariantCulture,
                $"{report.RunCount} finished runs in {report.Groups.Count} groups (runs whose resolved configs differ only by seed); {report.Skipped.Count} run directories skipped. Error bars: ± one sample standard deviation over seeds.")))
            .Append("</p>\n<div class=\"charts\">\n");
        foreach (var (id, title, _) in charts)
        {
            html.Append("<section><h2>").Append(Encode(title)).Append("</h2><div class=\"chart\" id=\"").Append(id).Append("\"></div></section>\n");
        }

        html.Append("</div>\n");
        AppendTable(html, report);
        AppendComparisons(html, report);
        AppendSkipped(html, report);
        AppendUnknownKeys(html, report);
        var specs = new JsonObject();
        foreach (var (id, _, spec) in charts)
        {
            specs[id] = spec;
        }

        html.Append("<script>\nconst CHARTS = ").Append(specs.ToJsonString(new JsonSerializerOptions { WriteIndented = false })).Append(";\n")
            .Append(Embed).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void AppendTable(StringBuilder html, ReportModel report)
    {
        html.Append("<h2>Results</h2>\n<p>Mean ± sample standard deviation over seeds; – where a metric does not apply. Full precision: report.csv.</p>\n<table id=\"report-table\">\n<thead><tr><th>setting</th><th>strategy</th><th>ρ</th><th>n</th>");
        foreach (var (_, title) in ReportMarkdown.TableMetrics)
        {
            html.Append("<th>").Append(Encode(title)).Append("</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var g in report.Groups)
        {
            html.Append("<tr><td>").Append(Encode(g.Group.Setting)).Append("</td><td>").Append(Encode(g.Group.Identity.Strategy))
                .Append("</td><td class=\"num\">").Append(ReportMarkdown.Ratio(g.Group.Identity.ImbalanceRatio))
                .Append("</td><td class=\"num\">").Append(g.Group.Runs.Count.ToString(CultureInfo.InvariantCulture)).Append("</td>");
            foreach (var (metric, _) in ReportMarkdown.TableMetrics)
            {
                html.Append("<td class=\"num\">").Append(Encode(ReportMarkdown.MeanStd(g[metric], 3))).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
    }

    private static void AppendComparisons(StringBuilder html, ReportModel report)
    {
        if (report.Comparisons.Count == 0)
        {
            return;
        }

        html.Append("<h2>Paired comparisons</h2>\n<p>").Append(Encode(ReportMarkdown.CompareExplanation)).Append("</p>\n<table id=\"compare-table\">\n<thead><tr>");
        foreach (var title in ReportMarkdown.CompareTitles)
        {
            html.Append("<th>").Append(Encode(title)).Append("</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in report.Comparisons)
        {
            html.Append("<tr>");
            foreach (var (cell, i) in ReportMarkdown.CompareCells(row).Select((c, i) => (c, i)))
            {
                html.Append(i is 0 or 2 or 3 or 4 ? "<td>" : "<td class=\"num\">").Append(Encode(cell)).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
    }

    private static void AppendSkipped(StringBuilder html, ReportModel report)
    {
        if (report.Skipped.Count == 0)
        {
            return;
        }

        html.Append("<h2>Skipped run directories</h2>\n<ul>\n");
        foreach (var s in report.Skipped)
        {
            html.Append("<li><code>").Append(Encode(s.Location)).Append("</code>: ").Append(Encode(s.Reason)).Append("</li>\n");
        }

        html.Append("</ul>\n");
    }

    private static void AppendUnknownKeys(StringBuilder html, ReportModel report)
    {
        if (report.RunsWithUnknownKeys.Count == 0)
        {
            return;
        }

        html.Append("<h2>Config keys unknown to this version</h2>\n<p>Read leniently (made by another version of imbfair); the keys are kept as text and still tell groups apart.</p>\n<ul>\n");
        foreach (var r in report.RunsWithUnknownKeys)
        {
            html.Append("<li><code>").Append(Encode(r.Location)).Append("</code>: ").Append(Encode(string.Join(", ", r.UnknownConfigKeys))).Append("</li>\n");
        }

        html.Append("</ul>\n");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
