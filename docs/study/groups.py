#!/usr/bin/python3
"""Counter-coloured against default-coloured groups in the study's coloured runs (docs/study.md), from each run's
per_group.csv: /usr/bin/python3 docs/study/groups.py runs/study

A group is (class, colour); a class's default colour is class index mod 2, the one its training images carry 95 % of
the time. Prints, per arm: the runs, in how many the worst group is counter-coloured, and the mean accuracy of the
counter- and default-coloured groups (mean over runs of the mean over groups).
"""
import csv
import glob
import os
import re
import sys
from collections import defaultdict


def arm(config):
    strategy = re.search(r"^  strategy: (\S+)", config, re.M).group(1)
    if re.search(r"^  loss: balanced-softmax", config, re.M):
        return "balanced-softmax"
    if strategy == "diffusion":
        return "diffusion-ffr" if re.search(r"^    mode: ffr", config, re.M) else "diffusion-mix"
    return strategy


def main(folder):
    runs = defaultdict(list)
    for path in glob.glob(os.path.join(folder, "*", "config.resolved.yaml")):
        run = os.path.dirname(path)
        config = open(path).read()
        if not os.path.exists(os.path.join(run, "done")) or "kind: color" not in config:
            continue
        groups = list(csv.DictReader(open(os.path.join(run, "per_group.csv"), newline="")))
        counter = [g for g in groups if int(g["attribute"]) != int(g["class_index"]) % 2]
        default = [g for g in groups if int(g["attribute"]) == int(g["class_index"]) % 2]
        worst = min(groups, key=lambda g: float(g["accuracy"]))
        runs[arm(config)].append((worst in counter,
                                  sum(float(g["accuracy"]) for g in counter) / len(counter),
                                  sum(float(g["accuracy"]) for g in default) / len(default)))
    print("| arm | coloured runs | worst group counter-coloured | counter-coloured groups | default-coloured groups | difference |")
    print("| --- | --: | --: | --: | --: | --: |")
    for name in ["none", "balanced-softmax", "oversample", "smote", "diffusion-mix", "diffusion-ffr", "fgsm", "pgd", "m2m"]:
        rows = runs.get(name, [])
        if not rows:
            continue
        n = len(rows)
        c = sum(r[1] for r in rows) / n
        d = sum(r[2] for r in rows) / n
        print(f"| {name} | {n} | {sum(r[0] for r in rows)} | {c:.3f} | {d:.3f} | {d - c:.3f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/study")
