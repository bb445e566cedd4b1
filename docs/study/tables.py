#!/usr/bin/python3
"""docs/study.md's tables from docs/study/trials.csv (a copy of the sweep's report_runs.csv) and the paired table from
docs/study/report_compare.csv (imbfair report --compare, docs/study.md says which pairs).

    /usr/bin/python3 docs/study/tables.py docs/study > /tmp/tables.md

Each cell: mean over seeds ± the half-width of a 95 % Student-t interval (t_{0.975, n-1} · s / √n); the seeds are
the splits, so the interval is over splits. Only the standard library and Debian's numpy/scipy; nothing is fitted.
"""
import csv
import math
import sys
from collections import defaultdict

from scipy import stats

ARMS = ["none", "balanced-softmax", "oversample", "smote", "diffusion-mix", "diffusion-ffr", "fgsm", "pgd", "m2m"]
KIND = {"none": "baseline", "balanced-softmax": "long-tail loss", "oversample": "duplicates", "smote": "synthetic",
        "diffusion-mix": "synthetic", "diffusion-ffr": "synthetic", "fgsm": "adversarial", "pgd": "adversarial",
        "m2m": "adversarial"}
METRICS = [
    ("balanced_accuracy", "Balanced accuracy", "plain"),
    ("worst_class_accuracy", "Worst-class accuracy", "plain"),
    ("few_accuracy", "Few-shot bucket accuracy (classes with < 20 training images)", "plain"),
    ("alignment_gap", "Alignment gap (largest − smallest class margin; lower is better)", "plain"),
    ("mean_alignment", "Mean alignment (cosine of the image and its class's prompt)", "plain"),
    ("ece", "Expected calibration error (lower is better)", "plain"),
    ("robust_accuracy", "Robust accuracy (PGD ε = 4/255, 5 steps, on the test set)", "plain"),
    ("worst_group_accuracy", "Worst-group accuracy (class × colour)", "colour"),
    ("balanced_accuracy", "Balanced accuracy", "colour"),
    ("dpd", "Demographic parity difference over colour (lower is better)", "colour"),
    ("eod", "Equalised odds difference over colour (lower is better)", "colour"),
]


def arm(row):
    variant = row["variant"]
    if row["loss"] == "balanced-softmax":
        return "balanced-softmax"
    if row["strategy"] == "diffusion":
        return "diffusion-ffr" if "mode=ffr" in variant else "diffusion-mix"
    return row["strategy"]


def setting(row):
    return "colour" if "kind=color" in row["variant"] else "plain"


def cell(xs):
    xs = [x for x in xs if not math.isnan(x)]
    if not xs:
        return "–"
    n = len(xs)
    mean = sum(xs) / n
    if n == 1:
        return f"{mean:.3f}"
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    return f"{mean:.3f} ± {half:.3f}"


def main(folder):
    rows = list(csv.DictReader(open(f"{folder}/trials.csv", newline="")))
    values = defaultdict(list)
    seeds = set()
    for r in rows:
        ratio = float(r["imbalance_ratio"])
        seeds.add(int(r["seed"]))
        for metric in {m for m, _, _ in METRICS}:
            v = r[metric]
            values[(setting(r), arm(r), ratio, metric)].append(float(v) if v != "" else float("nan"))
    ratios = sorted({float(r["imbalance_ratio"]) for r in rows})
    print(f"<!-- tables.py: {len(rows)} trials, seeds {sorted(seeds)} -->")
    for metric, title, where in METRICS:
        print(f"\n#### {title}{' — coloured setting' if where == 'colour' else ''}\n")
        print("| arm | kind | " + " | ".join(f"ρ = {r:g}" for r in ratios) + " |")
        print("| --- | --- | " + " | ".join("---:" for _ in ratios) + " |")
        for a in ARMS:
            print(f"| {a} | {KIND[a]} | " + " | ".join(cell(values[(where, a, r, metric)]) for r in ratios) + " |")


PAIRED_METRICS = [("balanced_accuracy", "plain"), ("worst_class_accuracy", "plain"), ("alignment_gap", "plain"),
                  ("robust_accuracy", "plain"), ("worst_group_accuracy", "colour"), ("balanced_accuracy", "colour"),
                  ("eod", "colour")]


def side(strategy, variant):
    if strategy == "diffusion":
        return "diffusion-ffr" if "mode=ffr" in variant else "diffusion-mix"
    return strategy


def paired(folder):
    """One row per pair × metric × ρ: A − B over the shared seeds, its bootstrap CI and the Holm-adjusted t-test p."""
    rows = list(csv.DictReader(open(f"{folder}/report_compare.csv", newline="")))
    print(f"\n<!-- tables.py: {len(rows)} paired rows (the Holm family) -->")
    ratios = sorted({float(r["imbalance_ratio"]) for r in rows})
    pairs = []
    for r in rows:
        pair = (side(r["a_strategy"], r["a_variant"]), side(r["b_strategy"], r["b_variant"]))
        if pair not in pairs:
            pairs.append(pair)
    for metric, where in PAIRED_METRICS:
        print(f"\n#### A − B: {metric}{' — coloured setting' if where == 'colour' else ''}\n")
        print("| A − B | " + " | ".join(f"ρ = {r:g}" for r in ratios) + " |")
        print("| --- | " + " | ".join("---:" for _ in ratios) + " |")
        for a, b in pairs:
            cells = []
            for ratio in ratios:
                match = [r for r in rows if r["metric"] == metric and float(r["imbalance_ratio"]) == ratio
                         and side(r["a_strategy"], r["a_variant"]) == a and side(r["b_strategy"], r["b_variant"]) == b
                         and (("kind=color" in r["a_variant"]) == (where == "colour"))]
                if not match or match[0]["mean_diff"] == "":
                    cells.append("–")
                    continue
                m = match[0]
                p = m["p_ttest_holm"]
                star = "**" if p != "" and float(p) < 0.05 else ""
                cells.append(f"{star}{float(m['mean_diff']):+.3f}{star} [{float(m['ci_low']):+.3f}, {float(m['ci_high']):+.3f}]"
                             + ("" if p == "" else " p<0.001" if float(p) < 0.001 else f" p={float(p):.2g}"))
            print(f"| {a} − {b} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    folder = sys.argv[1] if len(sys.argv) > 1 else "docs/study"
    main(folder)
    paired(folder)
