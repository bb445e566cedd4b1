"""imbalanced-learn side of the SMOTE benchmark (scripts/bench smote).

Reads the real training set the C# driver wrote (x.bin: uint8 [n, D] row-major, y.bin: int64 [n], targets.json:
{"targets": [per-class target counts]}), flattens it to float (--dtype), and times
SMOTE(sampling_strategy={class: target}, k_neighbors=k).fit_resample(X, y). With --serve it loads, runs one
untimed warm-up, prints "ready", then answers one command per line on stdin:
  round  -> {"seconds": s, "cpu_seconds": c, "added": [per-class counts added]}
  quit
Threads: the driver sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS; threadpoolctl holds both pools to --threads.
"""
import argparse
import json
import os
import time

import numpy as np
from imblearn.over_sampling import SMOTE
from threadpoolctl import threadpool_limits

from _common import serve


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--serve", action="store_true")
    args = ap.parse_args()

    y = np.fromfile(os.path.join(args.data, "y.bin"), dtype=np.int64)
    x8 = np.fromfile(os.path.join(args.data, "x.bin"), dtype=np.uint8)
    X = x8.reshape(len(y), -1).astype(args.dtype)
    with open(os.path.join(args.data, "targets.json"), encoding="utf-8") as f:
        targets = json.load(f)["targets"]
    classes = len(targets)
    strategy = {c: int(t) for c, t in enumerate(targets) if t > int((y == c).sum())}
    state = {"round": 0}

    def run():
        sm = SMOTE(sampling_strategy=strategy, k_neighbors=args.k, random_state=args.seed + state["round"])
        state["round"] += 1
        wall, cpu = time.perf_counter(), time.process_time()
        _, yr = sm.fit_resample(X, y)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        added = [int((yr == c).sum() - (y == c).sum()) for c in range(classes)]
        return {"seconds": wall, "cpu_seconds": cpu, "added": added}

    with threadpool_limits(limits=args.threads):
        run()
        if not args.serve:
            print(json.dumps(run()))
            return
        serve({"round": lambda _: run()})

if __name__ == "__main__":
    main()
