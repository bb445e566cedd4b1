"""PyTorch side of scripts/bench vit-b32: image encoding with a ViT-B/32-sized CLIP image tower.

The vision tower of bench/reference/train_clip.py (Hugging Face CLIPVisionModel's layout) at ViT-B/32's sizes:
224x224x3, patch 32, width 768, 12 layers, 12 heads, MLP 3072, projection 512; random weights (the arithmetic
does not depend on them). A round encodes --batches batches of --batch images under torch.no_grad().

--mkldnn converts the module with torch.utils.mkldnn.to_mkldnn (Linear and Conv2d on oneDNN), PyTorch 1.13's own
way to run a CPU model on oneDNN. The thread and BLAS environment (OPENBLAS_CORETYPE, --blas-threads) comes from
the driver, which tries several and keeps the fastest (bench/ImbalanceFair.Bench/VitB32Benchmark.cs).

With --serve: warms up, prints "ready", answers "round" with {"seconds", "images_per_second", "cpu_seconds",
"blas_core"}, and "quit".
"""
import argparse
import ctypes
import os
import time

import torch
import torch.nn as nn
import torch.utils.mkldnn

from _common import pin_threads, serve
from train_clip import CLIPVisionTransformer, attention_sdpa


class ImageEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.vision_model = CLIPVisionTransformer(3, 224, 32, 768, 12, 12, attention_sdpa)
        self.visual_projection = nn.Linear(768, 512, bias=False)

    def forward(self, pixels):
        return self.visual_projection(self.vision_model(pixels))


def blas_core():
    for name in ("libopenblas.so.0", "libblas.so.3"):
        try:
            fn = ctypes.CDLL(name, mode=os.RTLD_NOLOAD | os.RTLD_LAZY).openblas_get_corename
        except (OSError, AttributeError):
            continue
        fn.restype = ctypes.c_char_p
        return fn().decode()
    return "not OpenBLAS"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--blas-threads", type=int, default=0, help="OpenBLAS threads (0: leave as loaded)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--batches", type=int, default=1)
    ap.add_argument("--mkldnn", action="store_true")
    ap.add_argument("--serve", action="store_true")
    args = ap.parse_args()

    pin_threads(args.threads, args.blas_threads)
    torch.manual_seed(0)
    model = ImageEncoder().eval()
    if args.mkldnn:
        model = torch.utils.mkldnn.to_mkldnn(model)
    images = torch.rand(args.batches, args.batch, 3, 224, 224)

    def run_round(_=None):
        cpu = time.process_time()
        start = time.perf_counter()
        with torch.no_grad():
            for pixels in images:
                model(pixels)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "images_per_second": args.batches * args.batch / seconds,
                "cpu_seconds": time.process_time() - cpu, "blas_core": blas_core()}

    run_round()
    if args.serve:
        serve({"round": run_round})
    else:
        print(run_round())


if __name__ == "__main__":
    main()
