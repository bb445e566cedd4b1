"""PyTorch side of the diffusion generator's checks and benchmark (scripts/bench diffusion).

The same class-conditional U-Net as src/ImbalanceFair.Core/Augmentation/Diffusion/Denoiser.cs (same parameter names,
so a state dict moves between the two), the cosine noise schedule, the DDIM step with classifier-free guidance, and
the noise- (or v-) prediction training step with class dropout.
  --check DIR   reads DIR/weights.safetensors and DIR/inputs.safetensors, writes DIR/<name>.bin (float32/float64):
                the U-Net output, parameter gradients of a weighted sum of it, the schedule's alpha-bars, one DDIM step
                and one guided epsilon (tests/ImbalanceFair.Core.Tests/Augmentation/DiffusionGeneratorTests.cs)
  --serve       benchmark protocol (_common.serve): "train" -> {"seconds", "images_per_second", "cpu_seconds"} for
                --steps training steps; "sample" -> {"seconds", "evaluations_per_second"} for one DDIM batch; "quit"
"""
import argparse
import json
import math
import struct
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

GROUPS = 8
HEADS = 4


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(torch.arange(half, dtype=torch.float32) * (-math.log(10000.0) / half))
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb):
        super().__init__()
        self.norm1 = nn.GroupNorm(GROUPS, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb_proj = nn.Linear(emb, cout)
        self.norm2 = nn.GroupNorm(GROUPS, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb_proj(F.silu(emb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.skip is None else self.skip(x)) + h


class AttentionBlock(nn.Module):
    def __init__(self, c, heads):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(GROUPS, c)
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.proj = nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, self.heads, c // self.heads, h * w).permute(1, 0, 2, 4, 3)
        # softmax(q k^T / sqrt(d)) v, written out: Debian's torch 1.13 has no F.scaled_dot_product_attention
        a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1) @ v
        return x + self.proj(a.permute(0, 1, 3, 2).reshape(b, c, h, w))


class Denoiser(nn.Module):
    def __init__(self, channels, base, classes):
        super().__init__()
        c0, c1, c2, emb = base, 2 * base, 2 * base, 4 * base
        self.base = base
        self.null_class = classes
        self.time_in = nn.Linear(c0, emb)
        self.time_out = nn.Linear(emb, emb)
        self.class_emb = nn.Embedding(classes + 1, emb)
        self.conv_in = nn.Conv2d(channels, c0, 3, padding=1)
        self.down0 = ResBlock(c0, c0, emb)
        self.downsample0 = nn.Conv2d(c0, c0, 3, stride=2, padding=1)
        self.down1 = ResBlock(c0, c1, emb)
        self.downsample1 = nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.down2 = ResBlock(c1, c2, emb)
        self.mid1 = ResBlock(c2, c2, emb)
        self.mid_attn = AttentionBlock(c2, HEADS)
        self.mid2 = ResBlock(c2, c2, emb)
        self.up2 = ResBlock(c2 + c2, c2, emb)
        self.upsample1 = nn.Conv2d(c2, c2, 3, padding=1)
        self.up1 = ResBlock(c2 + c1, c1, emb)
        self.upsample0 = nn.Conv2d(c1, c1, 3, padding=1)
        self.up0 = ResBlock(c1 + c0, c0, emb)
        self.out_norm = nn.GroupNorm(GROUPS, c0)
        self.conv_out = nn.Conv2d(c0, channels, 3, padding=1)

    def forward(self, x, t, y):
        h, w = x.shape[2], x.shape[3]
        emb = self.time_out(F.silu(self.time_in(timestep_embedding(t, self.base)))) + self.class_emb(y)
        h1 = self.down0(self.conv_in(x), emb)
        h2 = self.down1(self.downsample0(h1), emb)
        h3 = self.down2(self.downsample1(h2), emb)
        m = self.mid2(self.mid_attn(self.mid1(h3, emb)), emb)
        u = self.up2(torch.cat([m, h3], 1), emb)
        u = self.upsample1(F.interpolate(u, size=(h // 2, w // 2), mode="nearest"))
        u = self.up1(torch.cat([u, h2], 1), emb)
        u = self.upsample0(F.interpolate(u, size=(h, w), mode="nearest"))
        u = self.up0(torch.cat([u, h1], 1), emb)
        return self.conv_out(F.silu(self.out_norm(u)))


def cosine_alphas_cumprod(steps, s=0.008, max_beta=0.999):
    f = lambda t: math.cos((t / steps + s) / (1 + s) * math.pi / 2) ** 2  # noqa: E731
    betas = torch.tensor([min(1 - f(i + 1) / f(i), max_beta) for i in range(steps)], dtype=torch.float64)
    return torch.cumprod(1 - betas, 0)


def ddim_step(alphas_cumprod, xt, out, t, stride, prediction="eps"):
    """x_prev; x0 from the network output (eps or v), clipped, and the noise re-derived from it (guided-diffusion)."""
    a = alphas_cumprod[t].item()
    a_prev = alphas_cumprod[t - stride].item() if t - stride >= 0 else 1.0
    if prediction == "v":
        x0 = (math.sqrt(a) * xt - math.sqrt(1 - a) * out).clamp(-1, 1)
    else:
        x0 = ((xt - math.sqrt(1 - a) * out) / math.sqrt(a)).clamp(-1, 1)
    eps = (xt - math.sqrt(a) * x0) / math.sqrt(1 - a)
    return math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps


def guided_eps(model, x, t, y, w):
    n = x.shape[0]
    both = model(torch.cat([x, x]), torch.full((2 * n,), float(t)), torch.cat([y, torch.full_like(y, model.null_class)]))
    cond, uncond = both[:n], both[n:]
    return uncond + w * (cond - uncond)


def train_loss(model, x0, y, alphas_cumprod, dropout, prediction="v"):
    n = x0.shape[0]
    t = torch.randint(0, len(alphas_cumprod), (n,))
    noise = torch.randn_like(x0)
    a = alphas_cumprod.float()[t].view(n, 1, 1, 1)
    xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
    label = torch.where(torch.rand(n) < dropout, torch.full_like(y, model.null_class), y)
    target = a.sqrt() * noise - (1 - a).sqrt() * x0 if prediction == "v" else noise
    return F.mse_loss(model(xt, t.float(), label), target)


DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "U8": torch.uint8}


def load_safetensors(path):
    """The safetensors layout (8-byte little-endian header length, JSON header, raw little-endian data), read directly."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=DTYPES[info["dtype"]]).reshape(info["shape"]).clone()
    return out


def check(folder):
    torch.set_num_threads(1)
    inputs = load_safetensors(f"{folder}/inputs.safetensors")
    meta = {k: int(v.item()) if v.dtype == torch.int64 else v.item() for k, v in inputs.items() if v.numel() == 1 and k.startswith("cfg_")}
    model = Denoiser(meta["cfg_channels"], meta["cfg_base"], meta["cfg_classes"])
    model.load_state_dict(load_safetensors(f"{folder}/weights.safetensors"))
    x, t, y, weight = inputs["x"], inputs["t"], inputs["y"], inputs["weight"]
    out = model(x, t, y)
    (out * weight).sum().backward()
    results = {"out": out.detach(), "grad_conv_in": model.conv_in.weight.grad, "grad_qkv": model.mid_attn.qkv.weight.grad,
               "grad_class_emb": model.class_emb.weight.grad, "grad_time_in": model.time_in.weight.grad}
    ac = cosine_alphas_cumprod(meta["cfg_timesteps"])
    results["alphas_cumprod"] = ac
    stride = meta["cfg_timesteps"] // meta["cfg_sampler_steps"]
    step_t = meta["cfg_step_t"]
    with torch.no_grad():
        eps = guided_eps(model, x, step_t, y, meta["cfg_guidance"])
        results["guided_eps"] = eps
        results["ddim_step"] = ddim_step(ac, x, eps, step_t, stride)
        results["ddim_step_v"] = ddim_step(ac, x, eps, step_t, stride, "v")
    for name, value in results.items():
        value.contiguous().numpy().tofile(f"{folder}/{name}.bin")


def bench(args):
    from _common import pin_threads, serve
    pin_threads(args.threads, args.blas_threads)
    torch.manual_seed(0)
    model = Denoiser(args.image_channels, args.base, args.classes)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0)
    ac = cosine_alphas_cumprod(1000)
    images = torch.rand(args.batch, args.image_channels, args.size, args.size) * 2 - 1
    labels = torch.randint(0, args.classes, (args.batch,))

    def train(_):
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.steps):
            loss = train_loss(model, images, labels, ac, 0.1)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        s = time.perf_counter() - start
        return {"seconds": s, "images_per_second": args.steps * args.batch / s, "cpu_seconds": time.process_time() - cpu}

    def sample(_):
        start = time.perf_counter()
        stride = 1000 // args.sampler_steps
        with torch.no_grad():
            x = torch.randn(args.sample_batch, args.image_channels, args.size, args.size)
            y = torch.randint(0, args.classes, (args.sample_batch,))
            for i in range(args.sampler_steps):
                t = 999 - i * stride
                x = ddim_step(ac, x, guided_eps(model, x, t, y, 2.0), t, stride, "v")
        s = time.perf_counter() - start
        return {"seconds": s, "evaluations_per_second": 2 * args.sample_batch * args.sampler_steps / s}

    train(None)
    serve({"train": train, "sample": sample})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check")
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--blas-threads", type=int, default=0)
    ap.add_argument("--base", type=int, default=32)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--image-channels", type=int, default=1)
    ap.add_argument("--size", type=int, default=28)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--sample-batch", type=int, default=64)
    ap.add_argument("--sampler-steps", type=int, default=5)
    args = ap.parse_args()
    if args.check:
        check(args.check)
    elif args.serve:
        bench(args)
    else:
        ap.error("--check DIR or --serve")


if __name__ == "__main__":
    main()
