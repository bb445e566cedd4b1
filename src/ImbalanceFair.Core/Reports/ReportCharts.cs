using System.Text.Json.Nodes;

namespace ImbalanceFair.Core.Reports;

/// <summary>
/// The Vega-Lite specs of report.html, keyed by the id of the element each is drawn into, with the data inline.
/// Series are strategies; when the report spans several settings (dataset, arch, ...), a series is strategy · setting.
/// Error bars span mean ± one sample standard deviation over seeds (none for a single seed).
/// </summary>
public static class ReportCharts
{
    public static IReadOnlyList<(string Id, string Title, JsonObject Spec)> All(ReportModel report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var several = report.Groups.Select(g => g.Group.Setting).Distinct(StringComparer.Ordinal).Count() > 1;
        string Series(GroupStats g) => several ? $"{g.Group.Identity.Strategy} · {g.Group.Setting}" : g.Group.Identity.Strategy;
        return
        [
            ("chart-worst-group", "Worst-group accuracy against ρ", AgainstRatio(report, Series, "worst_group_accuracy", "worst-group accuracy")),
            ("chart-balanced", "Balanced accuracy against ρ", AgainstRatio(report, Series, "balanced_accuracy", "balanced accuracy")),
            ("chart-per-class", "Per-class accuracy against training images", PerClass(report, Series)),
            ("chart-alignment-gap", "Alignment gap per strategy", AlignmentGap(report, Series)),
        ];
    }

    /// <summary>Mean line with points and ±std rules over ρ on a log axis, one colour per series.</summary>
    private static JsonObject AgainstRatio(ReportModel report, Func<GroupStats, string> series, string metric, string title)
    {
        var values = new JsonArray();
        foreach (var g in report.Groups)
        {
            var s = g[metric];
            if (s.N > 0)
            {
                values.Add(Point(series(g), g, s));
            }
        }

        return new JsonObject
        {
            ["width"] = 460,
            ["height"] = 280,
            ["data"] = new JsonObject { ["values"] = values },
            ["encoding"] = new JsonObject
            {
                ["x"] = new JsonObject { ["field"] = "ratio", ["type"] = "quantitative", ["scale"] = new JsonObject { ["type"] = "log" }, ["title"] = "imbalance ratio ρ (log scale)" },
                ["color"] = Nominal("series", "strategy"),
            },
            ["layer"] = new JsonArray
            {
                ErrorRule(),
                new JsonObject
                {
                    ["mark"] = new JsonObject { ["type"] = "line", ["point"] = true },
                    ["encoding"] = new JsonObject
                    {
                        ["y"] = new JsonObject { ["field"] = "mean", ["type"] = "quantitative", ["title"] = $"{title} (mean ± std over seeds)" },
                        ["tooltip"] = Tooltip("series", "ratio", "mean", "std", "n"),
                    },
                },
            },
        };
    }

    /// <summary>
    /// Every class of every group at its mean real training count (n_train_real), coloured by strategy: the real count
    /// is what the imbalance took away, so the tail's accuracy shows against it; after augmentation (n_train_total,
    /// in the tooltip) every grown class would sit at the head count.
    /// </summary>
    private static JsonObject PerClass(ReportModel report, Func<GroupStats, string> series)
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
                        ["series"] = series(g),
                        ["ratio"] = g.Group.Identity.ImbalanceRatio,
                        ["class"] = c.ClassName,
                        ["n_train_real"] = c.TrainReal.Mean,
                        ["n_train_total"] = Finite(c.TrainTotal.Mean),
                        ["accuracy"] = c.Accuracy.Mean,
                    });
                }
            }
        }

        return new JsonObject
        {
            ["width"] = 460,
            ["height"] = 280,
            ["data"] = new JsonObject { ["values"] = values },
            ["mark"] = new JsonObject { ["type"] = "point", ["filled"] = true, ["opacity"] = 0.7 },
            ["encoding"] = new JsonObject
            {
                ["x"] = new JsonObject { ["field"] = "n_train_real", ["type"] = "quantitative", ["scale"] = new JsonObject { ["type"] = "log" }, ["title"] = "real training images of the class (n_train_real, log scale)" },
                ["y"] = new JsonObject { ["field"] = "accuracy", ["type"] = "quantitative", ["title"] = "class accuracy (mean over seeds)" },
                ["color"] = Nominal("series", "strategy"),
                ["tooltip"] = Tooltip("series", "ratio", "class", "n_train_real", "n_train_total", "accuracy"),
            },
        };
    }

    /// <summary>One bar per series and ρ (side by side) with ±std rules.</summary>
    private static JsonObject AlignmentGap(ReportModel report, Func<GroupStats, string> series)
    {
        var values = new JsonArray();
        foreach (var g in report.Groups)
        {
            var s = g["alignment_gap"];
            if (s.N > 0)
            {
                var point = Point(series(g), g, s);
                point["rho"] = "ρ = " + ReportMarkdown.Ratio(g.Group.Identity.ImbalanceRatio);
                values.Add(point);
            }
        }

        return new JsonObject
        {
            ["width"] = 460,
            ["height"] = 280,
            ["data"] = new JsonObject { ["values"] = values },
            ["encoding"] = new JsonObject
            {
                ["x"] = Nominal("series", "strategy"),
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
                        ["tooltip"] = Tooltip("series", "ratio", "mean", "std", "n"),
                    },
                },
                ErrorRule(color: "black"),
            },
        };
    }

    private static JsonObject Point(string series, GroupStats g, MetricStats s)
    {
        var spread = double.IsNaN(s.Std) ? 0 : s.Std;
        return new JsonObject
        {
            ["series"] = series,
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

    private static JsonObject Nominal(string field, string title) => new() { ["field"] = field, ["type"] = "nominal", ["title"] = title };

    private static JsonArray Tooltip(params string[] fields) => new(fields.Select(f => (JsonNode)new JsonObject { ["field"] = f }).ToArray());

    private static JsonNode? Finite(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;
}
