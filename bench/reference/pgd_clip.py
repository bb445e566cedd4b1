"""PyTorch side of the PGD benchmark (scripts/bench pgd).

A straightforward PyTorch PGD (torchattacks.PGD's loop: random start U(-eps, eps), `steps` signed-gradient steps of
size alpha, projection onto the L-inf ball, pixels clamped to [0, 1], gradients by torch.autograd.grad w.r.t. the
images only) against the image side of the same CLIP-style classifier as imbfair's presets, written out here with
Hugging Face CLIP's structure:
  tiny-clip       ViT: patch conv (no bias) + class token + positions, pre-LN, 2 pre-LN encoder layers (width 64,
                  4 heads, MLP 256 with quick_gelu), post-LN on the class token
  tiny-clip-conv  3 conv3x3 blocks (16, 32, 64 channels; strides 1, 2, 2) with GroupNorm and ReLU, mean pool, post-LN
then the visual projection, L2 normalisation and scaled cosine logits against fixed class text embeddings (in a PGD
the text side is constant, so it is computed once, as imbfair's attack does). Grey images are repeated to 3 channels
and normalised inside the model. Weights are random: the cost of a step does not depend on their values.

With --serve it sets up and warms up, prints "ready", then answers commands on stdin one line each:
  round   -> {"seconds": s, "images_per_second": r, "cpu_seconds": c}   (--batches PGD runs of --batch images)
  quit
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from _common import pin_threads, serve




def sdpa(q, k, v):
    # The kernel imbfair's bridge calls: the public op from PyTorch 2.0, the private one on 1.13.
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v)
    return F._scaled_dot_product_attention(q, k, v, None, 0.0, False, False)[0]


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(width, width) for _ in range(4))

    def forward(self, x):
        b, l, w = x.shape

        def split(t):
            return t.view(b, l, self.heads, w // self.heads).transpose(1, 2)

        h = sdpa(split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x)))
        return self.out_proj(h.transpose(1, 2).reshape(b, l, w))


class EncoderLayer(nn.Module):
    def __init__(self, width, heads, mlp_ratio):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(width)
        self.self_attn = Attention(width, heads)
        self.layer_norm2 = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, width * mlp_ratio)
        self.fc2 = nn.Linear(width * mlp_ratio, width)

    def forward(self, x):
        x = x + self.self_attn(self.layer_norm1(x))
        h = self.fc1(self.layer_norm2(x))
        return x + self.fc2(h * torch.sigmoid(1.702 * h))


class VisionTransformer(nn.Module):
    def __init__(self, image_size, patch, width, layers, heads):
        super().__init__()
        self.patch_embedding = nn.Conv2d(3, width, patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(width) * width ** -0.5)
        self.position_embedding = nn.Parameter(torch.randn((image_size // patch) ** 2 + 1, width) * 0.02)
        self.pre_layrnorm = nn.LayerNorm(width)
        self.layers = nn.ModuleList(EncoderLayer(width, heads, 4) for _ in range(layers))
        self.post_layernorm = nn.LayerNorm(width)

    def forward(self, x):
        b = x.shape[0]
        patches = self.patch_embedding(x).flatten(2).transpose(1, 2)
        tokens = torch.cat([self.class_embedding.view(1, 1, -1).expand(b, 1, -1), patches], 1) + self.position_embedding
        h = self.pre_layrnorm(tokens)
        for layer in self.layers:
            h = layer(h)
        return self.post_layernorm(h[:, 0])


class ConvTower(nn.Module):
    def __init__(self, width):
        super().__init__()
        widths = [width // 4, width // 2, width]
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        in_ch = 3
        for i, w in enumerate(widths):
            self.convs.append(nn.Conv2d(in_ch, w, 3, stride=1 if i == 0 else 2, padding=1))
            self.norms.append(nn.GroupNorm(min(8, w), w))
            in_ch = w
        self.post_layernorm = nn.LayerNorm(width)

    def forward(self, x):
        for conv, norm in zip(self.convs, self.norms):
            x = F.relu(norm(conv(x)))
        return self.post_layernorm(x.mean((2, 3)))


class ClipImageClassifier(nn.Module):
    def __init__(self, arch, image_size, classes):
        super().__init__()
        width = embed = 64
        self.tower = VisionTransformer(image_size, image_size // 4, width, 2, 4) if arch == "tiny-clip" else ConvTower(width)
        self.visual_projection = nn.Linear(width, embed, bias=False)
        self.register_buffer("mean", torch.full((1, 3, 1, 1), 0.5))
        self.register_buffer("std", torch.full((1, 3, 1, 1), 0.25))
        self.register_buffer("text", F.normalize(torch.randn(classes, embed), dim=-1))
        self.scale = math.exp(math.log(1 / 0.07))

    def forward(self, pixels):
        x = pixels.expand(-1, 3, -1, -1) if pixels.shape[1] != 3 else pixels
        x = (x - self.mean) / self.std
        image = F.normalize(self.visual_projection(self.tower(x)), dim=-1)
        return image @ self.text.t() * self.scale


def pgd(model, images, labels, eps, alpha, steps):
    """torchattacks.PGD.forward (random_start=True)."""
    loss = nn.CrossEntropyLoss()
    images = images.clone().detach()
    adv_images = images + torch.empty_like(images).uniform_(-eps, eps)
    adv_images = torch.clamp(adv_images, min=0, max=1).detach()
    for _ in range(steps):
        adv_images.requires_grad = True
        cost = loss(model(adv_images), labels)
        grad = torch.autograd.grad(cost, adv_images, retain_graph=False, create_graph=False)[0]
        adv_images = adv_images.detach() + alpha * grad.sign()
        delta = torch.clamp(adv_images - images, min=-eps, max=eps)
        adv_images = torch.clamp(images + delta, min=0, max=1).detach()
    return adv_images


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--blas-threads", type=int, default=0)
    ap.add_argument("--arch", choices=["tiny-clip", "tiny-clip-conv"], default="tiny-clip")
    ap.add_argument("--image-size", type=int, default=28)
    ap.add_argument("--channels", type=int, default=1)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--batches", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--eps", type=float, default=8 / 255)
    ap.add_argument("--alpha", type=float, default=2 / 255)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--serve", action="store_true")
    args = ap.parse_args()

    pin_threads(args.threads, args.blas_threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    model = ClipImageClassifier(args.arch, args.image_size, args.classes).to(device).eval()
    batches = [(torch.rand(args.batch, args.channels, args.image_size, args.image_size, device=device),
                torch.randint(0, args.classes, (args.batch,), device=device)) for _ in range(args.batches)]

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def run_round():
        sync()
        cpu = time.process_time()
        start = time.perf_counter()
        for x, y in batches:
            pgd(model, x, y, args.eps, args.alpha, args.steps)
        sync()
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "images_per_second": args.batch * args.batches / seconds,
                "cpu_seconds": time.process_time() - cpu}

    for _ in range(args.warmup):
        run_round()

    if not args.serve:
        for _ in range(args.rounds):
            print(json.dumps(run_round()), flush=True)
        return

    serve({"round": lambda _: run_round()})

if __name__ == "__main__":
    main()
