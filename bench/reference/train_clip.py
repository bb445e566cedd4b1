"""PyTorch side of the train benchmark (scripts/bench train).

The same CLIP model and text-head training step as imbfair's Core (src/ImbalanceFair.Core/Models and
Training/Trainer.cs), written as plain PyTorch the way a researcher would: Hugging Face CLIPModel's layout
and parameter names (text_model.*, vision_model.*, visual_projection, text_projection, logit_scale),
pre-LN encoder layers with quick_gelu, causal text attention pooled at the end-of-text token (argmax of
the ids), a ViT with class token, position embeddings, pre_layrnorm and post_layernorm (preset tiny-clip),
or the small CNN image tower under the same outer names (tiny-clip-conv).

The training step (one "epoch" of --steps batches per round, as the Trainer runs one):
  gather the batch by index from uint8 images, /255, logits = exp(logit_scale).clamp(max=100) ·
  normalize(image_emb) · normalize(class_text_emb)ᵀ (class_text_emb: renormalised mean over templates of the
  normalised prompt embeddings; the text tower runs on every prompt each step), cross-entropy, zero_grad,
  backward, clip_grad_norm_(1.0), AdamW(lr, betas (0.9, 0.98), eps 1e-6, wd 0.05), cosine schedule with warmup.

Images: 28x28 grey uint8, Fashion-MNIST-like random data (the content does not change the arithmetic).

With --serve it builds the model, warms up, prints one JSON line {"ready": true, "parameters": N,
"state": [[name, shape], ...], "vocab_size": V, "context_length": L}, then answers commands on stdin:
  round        -> {"seconds": s, "images_per_second": r, "cpu_seconds": c, "loss": l, "minor_faults": f}
  check PATH   -> {"loss": l, "grad_norm": g}   (PATH: safetensors with the model's state under "model.",
                  "pixels" [B,1,H,W] float, "labels" [B] int64; one forward/backward, nothing updated)
  quit
Without --serve it runs --rounds rounds itself and prints one JSON line per round.
"""
import argparse
import json
import math
import os
import re
import resource
import struct
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from _common import pin_threads, serve

FASHION_MNIST = {
    "classes": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    "templates": ["a photo of a {}.", "a black and white photo of a {}.", "a low resolution photo of a {}.",
                  "a photo of the {}, a type of clothing."],
    "mean": [0.2860],
    "std": [0.3530],
}




# ---- tokenizer: the same word-level vocabulary as Core/Models/PromptTokenizer.cs --------------------------
TOKEN = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")


def split(text):
    return TOKEN.findall(text.lower())


def build_prompt_ids(classes, templates):
    """[classes*templates, context] int64 ids: 0 pad, 1 start, words from 2 (sorted), end-of-text the largest id."""
    prompts = [t.replace("{}", c) for c in classes for t in templates]
    words = sorted({w for p in prompts for w in split(p)})
    ids = {w: i + 2 for i, w in enumerate(words)}
    end = len(words) + 2
    context = max(len(split(p)) for p in prompts) + 2
    rows = []
    for p in prompts:
        row = [1] + [ids[w] for w in split(p)] + [end]
        rows.append(row + [0] * (context - len(row)))
    return torch.tensor(rows, dtype=torch.int64), len(words) + 3, context


# ---- the model (Hugging Face CLIPModel layout) -------------------------------------------------------------
PRESETS = {
    "tiny-clip": dict(tower="vit", grid=4, vision_width=64, vision_layers=2, vision_heads=4,
                      text_width=64, text_layers=2, text_heads=4, embed=64),
    "tiny-clip-conv": dict(tower="conv", vision_width=64, text_width=64, text_layers=2, text_heads=4, embed=64),
}


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


def attention_sdpa(q, k, v, causal):
    # torch 1.13 has no public F.scaled_dot_product_attention; its private math kernel is what 2.x falls back to on CPU.
    return F._scaled_dot_product_attention(q, k, v, None, 0.0, False, causal)[0]


def attention_math(q, k, v, causal):
    # The explicit form (as Hugging Face's CLIPAttention of the 1.13 era): softmax(q kᵀ/√d + mask) v.
    w = torch.matmul(q * (q.size(-1) ** -0.5), k.transpose(-2, -1))
    if causal:
        l = q.size(-2)
        w = w.masked_fill(torch.ones(l, l, dtype=torch.bool).triu_(1), float("-inf"))
    return torch.matmul(w.softmax(-1), v)


ATTENTION = {"sdpa": attention_sdpa, "math": attention_math}


class CLIPAttention(nn.Module):
    def __init__(self, width, heads, attend):
        super().__init__()
        self.heads = heads
        self.attend = attend
        self.q_proj = nn.Linear(width, width)
        self.k_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.out_proj = nn.Linear(width, width)

    def forward(self, x, causal):
        b, l, w = x.shape
        q = self.q_proj(x).view(b, l, self.heads, w // self.heads).transpose(1, 2)
        k = self.k_proj(x).view(b, l, self.heads, w // self.heads).transpose(1, 2)
        v = self.v_proj(x).view(b, l, self.heads, w // self.heads).transpose(1, 2)
        o = self.attend(q, k, v, causal)
        return self.out_proj(o.transpose(1, 2).reshape(b, l, w))


class CLIPMLP(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)

    def forward(self, x):
        return self.fc2(quick_gelu(self.fc1(x)))


class CLIPEncoderLayer(nn.Module):
    def __init__(self, width, heads, attend, eps=1e-5):
        super().__init__()
        self.self_attn = CLIPAttention(width, heads, attend)
        self.layer_norm1 = nn.LayerNorm(width, eps=eps)
        self.mlp = CLIPMLP(width, 4 * width)
        self.layer_norm2 = nn.LayerNorm(width, eps=eps)

    def forward(self, x, causal):
        x = x + self.self_attn(self.layer_norm1(x), causal)
        return x + self.mlp(self.layer_norm2(x))


class CLIPEncoder(nn.Module):
    def __init__(self, width, heads, layers, attend):
        super().__init__()
        self.layers = nn.ModuleList([CLIPEncoderLayer(width, heads, attend) for _ in range(layers)])

    def forward(self, x, causal):
        for layer in self.layers:
            x = layer(x, causal)
        return x


class CLIPTextEmbeddings(nn.Module):
    def __init__(self, vocab, context, width):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, width)
        self.position_embedding = nn.Embedding(context, width)

    def forward(self, ids):
        return self.token_embedding(ids) + self.position_embedding.weight[: ids.size(1)].unsqueeze(0)


class CLIPTextTransformer(nn.Module):
    def __init__(self, vocab, context, width, heads, layers, attend):
        super().__init__()
        self.embeddings = CLIPTextEmbeddings(vocab, context, width)
        self.encoder = CLIPEncoder(width, heads, layers, attend)
        self.final_layer_norm = nn.LayerNorm(width)

    def forward(self, ids):
        h = self.final_layer_norm(self.encoder(self.embeddings(ids), causal=True))
        return h[torch.arange(h.size(0)), ids.argmax(-1)]


class CLIPVisionEmbeddings(nn.Module):
    def __init__(self, channels, image_size, patch, width):
        super().__init__()
        self.class_embedding = nn.Parameter(torch.randn(width) * width ** -0.5)
        self.patch_embedding = nn.Conv2d(channels, width, patch, stride=patch, bias=False)
        self.position_embedding = nn.Embedding((image_size // patch) ** 2 + 1, width)

    def forward(self, pixels):
        patches = self.patch_embedding(pixels).flatten(2).transpose(1, 2)
        cls = self.class_embedding.view(1, 1, -1).expand(pixels.size(0), 1, -1)
        return torch.cat([cls, patches], dim=1) + self.position_embedding.weight.unsqueeze(0)


class CLIPVisionTransformer(nn.Module):
    def __init__(self, channels, image_size, patch, width, heads, layers, attend):
        super().__init__()
        self.embeddings = CLIPVisionEmbeddings(channels, image_size, patch, width)
        self.pre_layrnorm = nn.LayerNorm(width)
        self.encoder = CLIPEncoder(width, heads, layers, attend)
        self.post_layernorm = nn.LayerNorm(width)

    def forward(self, pixels):
        h = self.encoder(self.pre_layrnorm(self.embeddings(pixels)), causal=False)
        return self.post_layernorm(h[:, 0])


class ConvTower(nn.Module):
    """conv3x3 (stride 1, then 2, 2) with GroupNorm(8) and ReLU, global average pool, post_layernorm."""

    def __init__(self, channels, width):
        super().__init__()
        widths = [width // 4, width // 2, width]
        self.groups = [min(8, w) for w in widths]
        c = channels
        for i, w in enumerate(widths):
            setattr(self, f"conv{i}", nn.Conv2d(c, w, 3, stride=1 if i == 0 else 2, padding=1))
            setattr(self, f"norm{i}_weight", nn.Parameter(torch.ones(w)))
            setattr(self, f"norm{i}_bias", nn.Parameter(torch.zeros(w)))
            c = w
        self.post_layernorm = nn.LayerNorm(width)

    def forward(self, x):
        for i, g in enumerate(self.groups):
            conv = getattr(self, f"conv{i}")
            x = F.relu(F.group_norm(conv(x), g, getattr(self, f"norm{i}_weight"), getattr(self, f"norm{i}_bias")))
        return self.post_layernorm(x.mean((2, 3)))


class CLIPModel(nn.Module):
    def __init__(self, arch, vocab, context, mean, std, image_size=28, channels=3, attend=attention_sdpa):
        super().__init__()
        p = PRESETS[arch]
        self.channels = channels
        self.text_model = CLIPTextTransformer(vocab, context, p["text_width"], p["text_heads"], p["text_layers"], attend)
        if p["tower"] == "vit":
            self.vision_model = CLIPVisionTransformer(channels, image_size, image_size // p["grid"], p["vision_width"],
                                                      p["vision_heads"], p["vision_layers"], attend)
        else:
            self.vision_model = ConvTower(channels, p["vision_width"])
        self.visual_projection = nn.Linear(p["vision_width"], p["embed"], bias=False)
        self.text_projection = nn.Linear(p["text_width"], p["embed"], bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        per_channel = lambda v: torch.tensor([v[min(i, len(v) - 1)] for i in range(channels)]).view(1, channels, 1, 1)
        self.register_buffer("mean", per_channel(mean), persistent=False)
        self.register_buffer("std", per_channel(std), persistent=False)

    def encode_image(self, pixels):
        if pixels.size(1) != self.channels:
            pixels = pixels.expand(-1, self.channels, -1, -1)
        return self.visual_projection(self.vision_model((pixels - self.mean) / self.std))

    def encode_text(self, ids):
        return self.text_projection(self.text_model(ids))


class TextHead(nn.Module):
    """CLIP as a classifier: scaled cosine of image embeddings against the class-prompt embeddings."""

    def __init__(self, model, prompt_ids, classes, templates):
        super().__init__()
        self.model = model
        self.register_buffer("prompt_ids", prompt_ids, persistent=False)
        self.classes = classes
        self.templates = templates

    def forward(self, pixels):
        text = F.normalize(self.model.encode_text(self.prompt_ids), dim=-1)
        class_emb = F.normalize(text.view(self.classes, self.templates, -1).mean(1), dim=-1)
        image = F.normalize(self.model.encode_image(pixels), dim=-1)
        return image @ class_emb.t() * self.model.logit_scale.exp().clamp(max=100)


def cosine_with_warmup(warmup, total):
    def factor(step):
        if step < warmup:
            return step / warmup
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return 0.5 * (1 + math.cos(math.pi * progress))
    return factor


def read_safetensors(path):
    """A minimal safetensors reader (F32/I64/U8) for the equivalence check."""
    dtypes = {"F32": torch.float32, "I64": torch.int64, "U8": torch.uint8, "F64": torch.float64}
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        raw = bytearray(data[8 + n + a:8 + n + b])
        t = torch.frombuffer(raw, dtype=dtypes[info["dtype"]]) if b > a else torch.empty(0, dtype=dtypes[info["dtype"]])
        out[name] = t.reshape(info["shape"]).clone()
    return out


def proc_status_kb(field):
    """A memory figure of this process from /proc/self/status (VmRSS: resident now, VmHWM: the peak), in kB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=sorted(PRESETS), default="tiny-clip")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--blas-threads", type=int, default=0, help="OpenBLAS threads (0: leave as loaded)")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--steps", type=int, default=20, help="training steps per round")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps before the first round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--attention", choices=sorted(ATTENTION), default="sdpa")
    ap.add_argument("--prompts", help="JSON {classes, templates, mean, std} (default: Fashion-MNIST's)")
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--first-step", action="store_true",
                    help="build the model, run one training step, print a line and exit (scripts/bench startup)")
    ap.add_argument("--memory-epochs", type=int, default=0,
                    help="train this many epochs of --memory-images random images, printing the resident memory after "
                         "each and the peak at the end, then exit (scripts/bench memory)")
    ap.add_argument("--memory-images", type=int, default=3000)
    args = ap.parse_args()

    pin_threads(args.threads, args.blas_threads)
    torch.manual_seed(0)

    spec = json.loads(args.prompts) if args.prompts else FASHION_MNIST
    prompt_ids, vocab, context = build_prompt_ids(spec["classes"], spec["templates"])
    model = CLIPModel(args.arch, vocab, context, spec["mean"], spec["std"], attend=ATTENTION[args.attention])
    head = TextHead(model, prompt_ids, len(spec["classes"]), len(spec["templates"]))
    head.train()
    params = list(model.parameters())

    def make_set(steps):
        n = steps * args.batch
        return torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8), torch.randint(0, len(spec["classes"]), (n,))

    def fit(images, labels):
        """One epoch over (images, labels), as Trainer.Run with epochs 1: fresh optimizer and schedule."""
        opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.05)
        steps = (labels.numel() + args.batch - 1) // args.batch
        sched = torch.optim.lr_scheduler.LambdaLR(opt, cosine_with_warmup(min(100, steps - 1), steps))
        order = torch.randperm(labels.numel())
        total = 0.0
        for start in range(0, labels.numel(), args.batch):
            idx = order[start:start + args.batch]
            x = images.index_select(0, idx).float() / 255
            y = labels.index_select(0, idx)
            loss = F.cross_entropy(head(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            total += loss.item()
        return total / steps

    round_set = make_set(args.steps)

    def run_round():
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        cpu = time.process_time()
        start = time.perf_counter()
        loss = fit(*round_set)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "images_per_second": args.steps * args.batch / seconds,
                "cpu_seconds": time.process_time() - cpu, "loss": loss,
                "minor_faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults}

    def check(path):
        t = read_safetensors(path)
        state = {k[len("model."):]: v for k, v in t.items() if k.startswith("model.")}
        model.load_state_dict(state, strict=True)
        for p in params:
            p.grad = None
        loss = F.cross_entropy(head(t["pixels"]), t["labels"])
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, float("inf"))
        for p in params:
            p.grad = None
        return {"loss": loss.item(), "grad_norm": float(norm)}

    if args.memory_epochs > 0:
        images, labels = make_set((args.memory_images + args.batch - 1) // args.batch)
        for epoch in range(args.memory_epochs):
            fit(images, labels)
            print(json.dumps({"epoch": epoch + 1, "rss_kb": proc_status_kb("VmRSS")}), flush=True)
        print(json.dumps({"peak_kb": proc_status_kb("VmHWM")}), flush=True)
        return

    if args.first_step:
        fit(*make_set(1))
        print(json.dumps({"first_step": True}), flush=True)
        return

    fit(*make_set(args.warmup))

    if not args.serve:
        print(json.dumps({"parameters": sum(p.numel() for p in params), "vocab_size": vocab, "context_length": context}), flush=True)
        for _ in range(args.rounds):
            print(json.dumps(run_round()), flush=True)
        return

    ready = json.dumps({"ready": True, "parameters": sum(p.numel() for p in params),
                        "state": [[k, list(v.shape)] for k, v in model.state_dict().items()],
                        "vocab_size": vocab, "context_length": context})
    serve({"round": lambda _: run_round(), "check": check}, ready=ready)

if __name__ == "__main__":
    main()
