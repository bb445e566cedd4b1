"""PyTorch side of the bridge benchmark (scripts/bench bridge).

The same small CNN training step as bench/Bridge/BridgeBenchmark.cs: conv(1->16,3)-relu-maxpool-
conv(16->32,3)-relu-maxpool-linear(800->10) on 28x28 images, batch 64, cross-entropy, AdamW (or SGD),
batches pre-built. With --serve it sets up and warms up, prints "ready", then answers commands on stdin
one line each, so the C# driver can alternate rounds with its own:
  round            -> {"seconds": s, "images_per_second": r, "cpu_seconds": c}   (--steps timed training steps)
  tiny N           -> {"ns_per_call": t, "dim_ns_per_call": d}      (N calls of x.add_(1) on a 1-element tensor,
                                                                     then N of x.dim(), a call that does no work)
  quit
Without --serve it runs --rounds rounds itself and prints one JSON line per round.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from _common import pin_threads, serve




class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3)
        self.conv2 = nn.Conv2d(16, 32, 3)
        self.fc = nn.Linear(32 * 5 * 5, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--batches", type=int, default=8)
    ap.add_argument("--optimizer", choices=["adamw", "sgd"], default="adamw")
    ap.add_argument("--blas-threads", type=int, default=0, help="OpenBLAS threads (0: leave as loaded)")
    ap.add_argument("--serve", action="store_true")
    args = ap.parse_args()

    pin_threads(args.threads, args.blas_threads)
    torch.manual_seed(0)
    model = SmallCnn()
    if args.optimizer == "adamw":
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    batches = [(torch.rand(args.batch, 1, 28, 28), torch.randint(0, 10, (args.batch,))) for _ in range(args.batches)]
    state = {"i": 0}

    def step():
        x, y = batches[state["i"] % len(batches)]
        state["i"] += 1
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    def run_round():
        cpu = time.process_time()
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "images_per_second": args.steps * args.batch / seconds,
                "cpu_seconds": time.process_time() - cpu}

    def tiny(n):
        x = torch.zeros(1)
        for _ in range(1000):
            x.add_(1)
        start = time.perf_counter_ns()
        for _ in range(n):
            x.add_(1)
        add_ns = (time.perf_counter_ns() - start) / n
        start = time.perf_counter_ns()
        for _ in range(n):
            x.dim()
        return {"ns_per_call": add_ns, "dim_ns_per_call": (time.perf_counter_ns() - start) / n}

    for _ in range(args.warmup):
        step()

    if not args.serve:
        for _ in range(args.rounds):
            print(json.dumps(run_round()), flush=True)
        print(json.dumps(tiny(200000)), flush=True)
        return

    serve({"round": lambda _: run_round(), "tiny": lambda n: tiny(int(n))})

if __name__ == "__main__":
    main()
