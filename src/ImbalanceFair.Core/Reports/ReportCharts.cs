using System.Text.Json.Nodes;

namespace ImbalanceFair.Core.Reports;

/// <summary>
/// The Vega-Lite specs of report.html, keyed by the id of the element each is drawn into, with the data inline.
/// A series (one colour) is a <b>method</b>: the strategy, its loss when not ce, and the group's augment.* keys that
/// tell it apart (diffusion's mode=mix / mode=ffr). When the groups span several <b>settings</b> (everything else
/// that differs: dataset, attribute, arch, train mode, epochs, other keys), each setting is its own panel, one
/// above the other, with the same colours, so one chart never mixes a coloured run with a plain one.
/// Error bars span mean ± one sample standard deviation over seeds (none for a single seed).
/// </summary>
public static class ReportCharts
{
    public static IReadOnlyList<(string Id, string Title, JsonObject Spec)> All(ReportModel report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var labels = Labels(report);
        return
        [
            ("chart-worst-group", "Worst-group accuracy against ρ", AgainstRatio(report, labels, "worst_group_accuracy", "worst-group accuracy")),
            ("chart-balanced", "Balanced accuracy against ρ", AgainstRatio(report, labels, "balanced_accuracy", "balanced accuracy")),
            ("chart-per-class", "Per-class accuracy against training images", PerClass(report, labels)),
            ("chart-alignment-gap", "Alignment gap per strategy", AlignmentGap(report, labels)),
        ];
    }

    /// <summary>A group's colour (method) and panel (setting; empty when the report has one).</summary>
    internal sealed record ChartLabel(string Method, string Panel);

    /// <summary>Method and panel of every group (see the class summary); panels name only what differs between them.</summary>
    internal static IReadOnlyDictionary<GroupStats, ChartLabel> Labels(ReportModel report)
    {
        ArgumentNullException.ThrowIfNull(report);
        static IEnumerable<(string Key, string Text)> Parts(RunGroup g) => g.VariantParts.Select(p => (Key: p.Split('=')[0], Text: p));
        static string Short(string part)
        {
            // augment.diffusion.mode=mix → mode=mix: the strategy already says which section.
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = part[..eq];
            return key[(key.LastIndexOf('.') + 1)..] + part[eq..];
        }

        var settings = report.Groups.ToDictionary(g => g, g =>
        {
            var i = g.Group.Identity;
            string[] identity = [$"name={i.Name}", $"dataset={i.Dataset}", $"arch={i.Arch}", $"train_mode={i.TrainMode}", $"epochs={i.Epochs}"];
            return identity.Concat(Parts(g.Group).Where(p => !p.Key.StartsWith("augment.", StringComparison.Ordinal)).Select(p => p.Text)).ToArray();
        });
        // Only the parts that are not the same in every group's setting.
        var shared = settings.Values.Skip(1).Aggregate(new HashSet<string>(settings.Values.FirstOrDefault() ?? [], StringComparer.Ordinal),
            (common, parts) => { common.IntersectWith(parts); return common; });
        return report.Groups.ToDictionary(g => g, g =>
        {
            var i = g.Group.Identity;
            var method = string.Join(" · ", new[] { i.Strategy }
                .Concat(i.Loss == "ce" ? [] : [i.Loss])
                .Concat(Parts(g.Group).Where(p => p.Key.StartsWith("augment.", StringComparison.Ordinal) && !p.Text.EndsWith("=null", StringComparison.Ordinal))
                    .Select(p => Short(p.Text))));
            return new ChartLabel(method, string.Join(", ", settings[g].Where(p => !shared.Contains(p))));
        });
    }

    /// <summary>The spec with its data; faceted into one panel per setting (one column, shared scales) when there are several.</summary>
    private static JsonObject Chart(JsonArray values, JsonObject spec)
    {
        var panels = values.Select(v => (string?)v!["panel"]).Distinct(StringComparer.Ordinal).Count();
        if (panels <= 1)
        {
            spec["data"] = new JsonObject { ["values"] = values };
            return spec;
        }

        return new JsonObject
        {
            ["data"] = new JsonObject { ["values"] = values },
            ["facet"] = new JsonObject
            {
                ["field"] = "panel", ["type"] = "nominal", ["title"] = "setting",
                ["header"] = new JsonObject { ["labelLimit"] = 0, ["labelFontSize"] = 12, ["labelAlign"] = "left", ["labelAnchor"] = "start" },
            },
            ["columns"] = 1,
            ["spec"] = spec,
        };
    }

    /// <summary>Mean line with points and ±std rules over ρ on a log axis, one colour per series.</summary>
    private static JsonObject AgainstRatio(ReportModel report, IReadOnlyDictionary<GroupStats, ChartLabel> labels, string metric, string title)
    {
        var values = new JsonArray();
        foreach (var g in report.Groups)
        {
            var s = g[metric];
            if (s.N > 0)
            {
                values.Add(Point(labels[g], g, s));
            }
        }

        return Chart(values, new JsonObject
        {
            ["width"] = 460,
            ["height"] = 280,
            ["encoding"] = new JsonObject
            {
                ["x"] = new JsonObject { ["field"] = "ratio", ["type"] = "quantitative", ["scale"] = new JsonObject { ["type"] = "log", ["nice"] = false }, ["title"] = "imbalance ratio ρ (log scale)" },
                ["color"] = Legend(),
            },
            ["layer"] = new JsonArray
            {
                ErrorRule(),
                new JsonObject
                {
                    ["mark"] = new JsonObject { ["type"] = "line", ["point"] = true },
                    ["encoding"] = new JsonObject
                    {
                        ["y"] = new JsonObject { ["field"] = "mean", ["type"] = "quantitative", ["scale"] = new JsonObject { ["zero"] = false }, ["title"] = $"{title} (mean ± std over seeds)" },
                        ["tooltip"] = Tooltip("series", "panel", "ratio", "mean", "std", "n"),
                    },
                },
            },
        });
    }

    /// <summary>
    /// Every class of every group at its mean real training count (n_train_real), coloured by strategy: the real count
    /// is what the imbalance took away, so the tail's accuracy shows against it; after augmentation (n_train_total,
    /// in the tooltip) every grown class would sit at the head count.
    /// </summary>
    private static JsonObject PerClass(ReportModel report, IReadOnlyDictionary<GroupStats, ChartLabel> labels)
    {
        var values = new JsonArray();
        foreach (var g in report.Groups)
        {
            foreach (var c in g.Classes)
            {
                if (c.Accuracy.N > 0 && c.TrainReal.N > 0 && c.TrainReal.Mean > 0)
                {
                    values.Add(new JsonObject
                    {
                        ["series"] = labels[g].Method,
                        ["panel"] = labels[g].Panel,
                        ["ratio"] = g.Group.Identity.ImbalanceRatio,
                        ["class"] = c.ClassName,
                        ["n_train_real"] = c.TrainReal.Mean,
                        ["n_train_total"] = Finite(c.TrainTotal.Mean),
                        ["accuracy"] = c.Accuracy.Mean,
                    });
                }
            }
        }

        return Chart(values, new JsonObject
        {
            ["width"] = 460,
            ["height"] = 280,
            ["mark"] = new JsonObject { ["type"] = "point", ["filled"] = true, ["opacity"] = 0.7 },
            ["encoding"] = new JsonObject
            {
                ["x"] = new JsonObject { ["field"] = "n_train_real", ["type"] = "quantitative", ["scale"] = new JsonObject { ["type"] = "log" }, ["title"] = "real training images of the class (n_train_real, log scale)" },
                ["y"] = new JsonObject { ["field"] = "accuracy", ["type"] = "quantitative", ["title"] = "class accuracy (mean over seeds)" },
                ["color"] = Legend(),
                ["tooltip"] = Tooltip("series", "panel", "ratio", "class", "n_train_real", "n_train_total", "accuracy"),
            },
        });
    }

    /// <summary>One bar per series and ρ (side by side) with ±std rules.</summary>
    private static JsonObject AlignmentGap(ReportModel report, IReadOnlyDictionary<GroupStats, ChartLabel> labels)
    {
        var values = new JsonArray();
        foreach (var g in report.Groups)
        {
            var s = g["alignment_gap"];
            if (s.N > 0)
            {
                var point = Point(labels[g], g, s);
                point["rho"] = "ρ = " + ReportMarkdown.Ratio(g.Group.Identity.ImbalanceRatio);
                values.Add(point);
            }
        }

        return Chart(values, new JsonObject
        {
            ["width"] = 460,
            ["height"] = 280,
            ["encoding"] = new JsonObject
            {
                ["x"] = WithAxis(Nominal("series", "strategy"), new JsonObject { ["labelAngle"] = -35, ["labelLimit"] = 0 }),
                ["xOffset"] = new JsonObject { ["field"] = "rho", ["type"] = "nominal", ["sort"] = new JsonObject { ["field"] = "ratio" } },
                ["color"] = new JsonObject { ["field"] = "rho", ["type"] = "nominal", ["title"] = "imbalance ratio", ["sort"] = new JsonObject { ["field"] = "ratio" } },
            },
            ["layer"] = new JsonArray
            {
                new JsonObject
                {
                    ["mark"] = "bar",
                    ["encoding"] = new JsonObject
                    {
                        ["y"] = new JsonObject { ["field"] = "mean", ["type"] = "quantitative", ["title"] = "alignment gap (max − min class margin; mean ± std)" },
                        ["tooltip"] = Tooltip("series", "panel", "ratio", "mean", "std", "n"),
                    },
                },
                ErrorRule(color: "black"),
            },
        });
    }

    private static JsonObject Point(ChartLabel label, GroupStats g, MetricStats s)
    {
        var spread = double.IsNaN(s.Std) ? 0 : s.Std;
        return new JsonObject
        {
            ["series"] = label.Method,
            ["panel"] = label.Panel,
            ["ratio"] = g.Group.Identity.ImbalanceRatio,
            ["mean"] = s.Mean,
            ["std"] = Finite(s.Std),
            ["lo"] = s.Mean - spread,
            ["hi"] = s.Mean + spread,
            ["n"] = s.N,
        };
    }

    private static JsonObject ErrorRule(string? color = null)
    {
        var mark = new JsonObject { ["type"] = "rule" };
        if (color is not null)
        {
            mark["color"] = color;
        }

        return new JsonObject
        {
            ["mark"] = mark,
            ["encoding"] = new JsonObject
            {
                ["y"] = new JsonObject { ["field"] = "lo", ["type"] = "quantitative" },
                ["y2"] = new JsonObject { ["field"] = "hi" },
            },
        };
    }

    /// <summary>The method colours, labels never cut short (a method is short, and a cut one can look like another).</summary>
    private static JsonObject Legend()
    {
        var legend = Nominal("series", "strategy");
        legend["legend"] = new JsonObject { ["labelLimit"] = 0 };
        return legend;
    }

    private static JsonObject WithAxis(JsonObject channel, JsonObject axis)
    {
        channel["axis"] = axis;
        return channel;
    }

    private static JsonObject Nominal(string field, string title) => new() { ["field"] = field, ["type"] = "nominal", ["title"] = title };

    private static JsonArray Tooltip(params string[] fields) => new(fields.Select(f => (JsonNode)new JsonObject { ["field"] = f }).ToArray());

    private static JsonNode? Finite(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;
}
