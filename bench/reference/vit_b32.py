"""PyTorch side of scripts/bench vit-b32: image encoding with a ViT-B/32-sized CLIP image tower.

The vision tower of bench/reference/train_clip.py (Hugging Face CLIPVisionModel's layout) at ViT-B/32's sizes:
224x224x3, patch 32, width 768, 12 layers, 12 heads, MLP 3072, projection 512; random weights (the arithmetic
does not depend on them). A round encodes --batches batches of --batch images under torch.no_grad().

--mkldnn converts the module with torch.utils.mkldnn.to_mkldnn (Linear and Conv2d on oneDNN), PyTorch 1.13's own
way to run a CPU model on oneDNN. The thread and BLAS environment (OPENBLAS_CORETYPE, --blas-threads) comes from
the driver, which tries several and keeps the fastest (bench/ImbalanceFair.Bench/VitB32Benchmark.cs).

--bf16 runs the forward passes under torch.autocast("cpu", dtype=torch.bfloat16), PyTorch's CPU mixed precision
(linear layers, convolutions and matmuls in bf16 through oneDNN; the backward follows the forward's dtypes).

--lora times one LoRA training step per batch instead (train.mode: lora as imbfair runs it, peft-free): the whole
CLIP at ViT-B/32's sizes (text tower 12x512, 8 heads, vocabulary 49,408, context 77) with Fashion-MNIST's 10 classes
x 4 templates as prompts (train_clip.py's word-level ids, zero-padded to 77 as CLIP pads), every weight frozen, rank-8 adapters (alpha 16, A Kaiming-uniform, B zero) on
q_proj and v_proj of both towers; a step is the class-prompt logits, cross-entropy, backward,
clip_grad_norm_(1.0) and AdamW(1e-3, betas (0.9, 0.98), eps 1e-6, wd 0.05) over the adapters only.

With --serve: warms up, prints "ready", answers "round" with {"seconds", "images_per_second", "cpu_seconds",
"blas_core", "peak_rss_kib"}, and "quit".
"""
import argparse
import ctypes
import os
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.mkldnn

from _common import pin_threads, serve
from train_clip import FASHION_MNIST, PRESETS, CLIPModel, CLIPVisionTransformer, TextHead, attention_sdpa, build_prompt_ids


class ImageEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.vision_model = CLIPVisionTransformer(3, 224, 32, 768, 12, 12, attention_sdpa)
        self.visual_projection = nn.Linear(768, 512, bias=False)

    def forward(self, pixels):
        return self.visual_projection(self.vision_model(pixels))


class LoraLinear(nn.Module):
    """y = W x + b + (alpha / r) B A x beside a frozen nn.Linear (as ClipLora.cs's LoraAdapter)."""

    def __init__(self, base, rank=8, alpha=16):
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        bound = base.in_features ** -0.5
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features).uniform_(-bound, bound))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x):
        return self.base(x) + F.linear(F.linear(x, self.lora_A), self.lora_B) * self.scale


BF16 = False


def autocast():
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=BF16)


def lora_step(batch):
    """The LoRA training step on --batch random images: returns step() and the classifier."""
    PRESETS["vit-b32"] = dict(tower="vit", grid=7, vision_width=768, vision_layers=12, vision_heads=12,
                              text_width=512, text_layers=12, text_heads=8, embed=512)
    classes, templates = FASHION_MNIST["classes"], FASHION_MNIST["templates"]
    ids, _, context = build_prompt_ids(classes, templates)
    ids = F.pad(ids, (0, 77 - context))
    model = CLIPModel("vit-b32", 49408, 77, [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711],
                      image_size=224, channels=3)
    model.requires_grad_(False)
    for tower in (model.vision_model, model.text_model):
        for layer in tower.encoder.layers:
            layer.self_attn.q_proj = LoraLinear(layer.self_attn.q_proj)
            layer.self_attn.v_proj = LoraLinear(layer.self_attn.v_proj)
    head = TextHead(model, ids, len(classes), len(templates)).train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.05)
    pixels = torch.rand(batch, 3, 224, 224)
    labels = torch.randint(0, len(classes), (batch,))

    def step():
        with autocast():
            loss = F.cross_entropy(head(pixels).float(), labels)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()

    return step


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
    ap.add_argument("--bf16", action="store_true", help="forward passes under CPU bf16 autocast")
    ap.add_argument("--lora", action="store_true", help="time LoRA training steps instead of encoding")
    ap.add_argument("--serve", action="store_true")
    args = ap.parse_args()

    global BF16
    BF16 = args.bf16
    pin_threads(args.threads, args.blas_threads)
    torch.manual_seed(0)
    if args.lora:
        step = lora_step(args.batch)

        def work():
            for _ in range(args.batches):
                step()
    else:
        model = ImageEncoder().eval()
        if args.mkldnn:
            model = torch.utils.mkldnn.to_mkldnn(model)
        images = torch.rand(args.batches, args.batch, 3, 224, 224)

        def work():
            with torch.no_grad(), autocast():
                for pixels in images:
                    model(pixels)

    def run_round(_=None):
        cpu = time.process_time()
        start = time.perf_counter()
        work()
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "images_per_second": args.batches * args.batch / seconds,
                "cpu_seconds": time.process_time() - cpu, "blas_core": blas_core(),
                "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}

    run_round()
    if args.serve:
        serve({"round": run_round})
    else:
        print(run_round())


if __name__ == "__main__":
    main()
