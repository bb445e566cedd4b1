"""Writes a small random Hugging Face CLIP directory and reference outputs, for imbfair's loader tests.

An independent re-implementation, in plain PyTorch, of the forward pass of transformers' CLIPModel
(models/clip/modeling_clip.py: CLIPTextEmbeddings, CLIPVisionEmbeddings, CLIPAttention, CLIPMLP, CLIPEncoderLayer,
CLIPTextTransformer, CLIPVisionTransformer, get_image_features / get_text_features, logits_per_image) and of
CLIPImageProcessor's resize / centre crop / normalise (PIL bicubic on float images, HF's output-size and crop rules).
transformers is not installed here, so nothing of it is imported. Usage:

    hf_clip.py OUT_DIR OPTIONS_JSON
    hf_clip.py tokenize MODEL_DIR CONTEXT TEXTS_JSON_FILE   → prints a JSON list of id lists

The second form is CLIP's byte-level BPE written from the rules of transformers' CLIPTokenizer without ftfy, an
independent reference for imbfair's tokenizer: Python's own str.lower, unicodedata and the `regex` module do the
Unicode work.

OPTIONS_JSON keys: seed, hidden_act ("quick_gelu" | "gelu" | ...), eos ("legacy" = eos_token_id 2, else the real id),
sharded (bool), preprocessor (bool: write preprocessor_config.json), image [C, H, W] of the test pixels, batch.
Writes OUT_DIR/model/ (the checkpoint) and OUT_DIR/reference.safetensors (pixels, ids, image_embeds, text_embeds,
logits_per_image).
"""
import json
import math
import os
import sys
import unicodedata

import numpy as np
import regex
import torch
from PIL import Image

DTYPES = {torch.float32: "F32", torch.int64: "I64"}


def save_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        data = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for b in blobs:
            f.write(b)


def bytes_to_unicode():
    """CLIP / GPT-2's reversible byte → printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


MERGE_WORDS = ["photo", "of", "a", "the", "cat", "dog", "shirt", "boot", "ankle", "t", "top", "'s", "123"]


def made_up_bpe():
    """CLIP's vocabulary layout (bytes, bytes + </w>, merges, specials) with merges learnt from a few words."""
    base = list(bytes_to_unicode().values())
    vocab = base + [c + "</w>" for c in base]
    merges = []
    for word in MERGE_WORDS:
        symbols = list(word[:-1]) + [word[-1] + "</w>"]
        while len(symbols) > 1:
            pair = (symbols[0], symbols[1])
            if pair not in merges:
                merges.append(pair)
                vocab.append(pair[0] + pair[1])
            symbols = [pair[0] + pair[1]] + symbols[2:]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    return {t: i for i, t in enumerate(vocab)}, merges


# ---- CLIPTokenizer (no ftfy) ----------------------------------------------------------------------------

PATTERN = regex.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""", regex.IGNORECASE)
SPECIAL = ("<|startoftext|>", "<|endoftext|>")


def is_cjk(cp):
    return any(lo <= cp <= hi for lo, hi in ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
                                             (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)))


def basic_clean(text):
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in " \t\n\r" or cat == "Zs":
            out.append(" ")
        elif ord(ch) in (0, 0xFFFD) or cat.startswith("C"):
            continue
        elif is_cjk(ord(ch)):
            out.append(" " + ch + " ")
        else:
            out.append(ch)
    words = unicodedata.normalize("NFC", "".join(out)).split()
    return " ".join(w.lower() for w in words)


def split_special(text):
    parts = regex.split("(" + "|".join(regex.escape(s) for s in SPECIAL) + ")", text)
    return [p for p in parts if p]


def bpe(token, ranks):
    word = list(token[:-1]) + [token[-1] + "</w>"]
    while len(word) > 1:
        pairs = [(word[i], word[i + 1]) for i in range(len(word) - 1)]
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        merged, i = [], 0
        while i < len(word):
            if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                merged.append(word[i] + word[i + 1])
                i += 2
            else:
                merged.append(word[i])
                i += 1
        word = merged
    return word


def tokenize_main(model, context, texts_file):
    with open(texts_file, encoding="utf-8") as f:
        texts = json.load(f)
    with open(os.path.join(model, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(model, "merges.txt"), encoding="utf-8") as f:
        merges = [tuple(line.split()) for line in f.read().strip().split("\n")[1:]]
    ranks = {m: i for i, m in enumerate(merges)}
    enc = bytes_to_unicode()
    out = []
    for text in texts:
        tokens = []
        for chunk in split_special(text):
            if chunk in SPECIAL:
                tokens.append(chunk)
                continue
            for piece in PATTERN.findall(basic_clean(chunk)):
                if piece in SPECIAL:
                    tokens.append(piece)
                else:
                    tokens.extend(bpe("".join(enc[b] for b in piece.encode("utf-8")), ranks))
        ids = [vocab.get(t, vocab["<|endoftext|>"]) for t in tokens][: context - 2]
        row = [vocab["<|startoftext|>"]] + ids + [vocab["<|endoftext|>"]]
        out.append(row + [vocab["<|endoftext|>"]] * (context - len(row)))
    print(json.dumps(out))



# ---- the model, following modeling_clip.py's structure ----------------------------------------------------

ACT = {
    "quick_gelu": lambda x: x * torch.sigmoid(1.702 * x),
    "gelu": lambda x: torch.nn.functional.gelu(x),
    "gelu_new": lambda x: 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
}


def layer_norm(x, w, p, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w[p + ".weight"], w[p + ".bias"], eps)


def linear(x, w, p, bias=True):
    return x @ w[p + ".weight"].T + (w[p + ".bias"] if bias else 0)


def attention(x, w, p, heads, causal):
    b, l, d = x.shape
    hd = d // heads
    scale = hd ** -0.5

    def shape(t):
        return t.view(b, l, heads, hd).transpose(1, 2)

    q = shape(linear(x, w, p + ".q_proj") * scale)
    k = shape(linear(x, w, p + ".k_proj"))
    v = shape(linear(x, w, p + ".v_proj"))
    scores = q @ k.transpose(-1, -2)
    if causal:
        mask = torch.full((l, l), float("-inf")).triu(1)
        scores = scores + mask
    probs = scores.softmax(-1)
    out = (probs @ v).transpose(1, 2).reshape(b, l, d)
    return linear(out, w, p + ".out_proj")


def encoder(x, w, p, cfg, causal):
    for i in range(cfg["num_hidden_layers"]):
        lp = f"{p}.encoder.layers.{i}"
        eps = cfg["layer_norm_eps"]
        x = x + attention(layer_norm(x, w, lp + ".layer_norm1", eps), w, lp + ".self_attn", cfg["num_attention_heads"], causal)
        h = layer_norm(x, w, lp + ".layer_norm2", eps)
        x = x + linear(ACT[cfg["hidden_act"]](linear(h, w, lp + ".mlp.fc1")), w, lp + ".mlp.fc2")
    return x


def text_features(ids, w, cfg):
    l = ids.shape[1]
    x = w["text_model.embeddings.token_embedding.weight"][ids] + w["text_model.embeddings.position_embedding.weight"][:l]
    x = encoder(x, w, "text_model", cfg, causal=True)
    x = layer_norm(x, w, "text_model.final_layer_norm", cfg["layer_norm_eps"])
    rows = torch.arange(ids.shape[0])
    if cfg["eos_token_id"] == 2:
        pooled = x[rows, ids.argmax(-1)]
    else:
        pooled = x[rows, (ids == cfg["eos_token_id"]).int().argmax(-1)]
    return pooled @ w["text_projection.weight"].T


def image_features(pixels, w, cfg):
    p = cfg["patch_size"]
    patches = torch.nn.functional.conv2d(pixels, w["vision_model.embeddings.patch_embedding.weight"], stride=p)
    patches = patches.flatten(2).transpose(1, 2)
    cls = w["vision_model.embeddings.class_embedding"].expand(pixels.shape[0], 1, -1)
    x = torch.cat([cls, patches], 1) + w["vision_model.embeddings.position_embedding.weight"]
    x = layer_norm(x, w, "vision_model.pre_layrnorm", cfg["layer_norm_eps"])
    x = encoder(x, w, "vision_model", cfg, causal=False)
    pooled = layer_norm(x[:, 0], w, "vision_model.post_layernorm", cfg["layer_norm_eps"])
    return pooled @ w["visual_projection.weight"].T


# ---- CLIPImageProcessor on float images -------------------------------------------------------------------

def preprocess(pixels, proc, channels):
    if pixels.shape[1] != channels:
        pixels = pixels.expand(-1, channels, -1, -1)
    h, w = pixels.shape[2:]
    edge = proc["size"]["shortest_edge"]
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = edge, int(edge * long / short)
    nh, nw = (new_long, new_short) if w <= h else (new_short, new_long)
    out = torch.empty(pixels.shape[0], channels, nh, nw)
    for b in range(pixels.shape[0]):
        for c in range(channels):
            img = Image.fromarray(pixels[b, c].numpy().astype(np.float32), mode="F")
            out[b, c] = torch.from_numpy(np.array(img.resize((nw, nh), Image.BICUBIC), dtype=np.float32))
    ch, cw = proc["crop_size"]["height"], proc["crop_size"]["width"]
    top, left = (nh - ch) // 2, (nw - cw) // 2
    out = out[:, :, top:top + ch, left:left + cw]
    mean = torch.tensor(proc["image_mean"]).view(1, -1, 1, 1)
    std = torch.tensor(proc["image_std"]).view(1, -1, 1, 1)
    return (out - mean) / std


def main():
    out, opts = sys.argv[1], json.loads(sys.argv[2])
    torch.manual_seed(opts.get("seed", 0))
    vocab, merges = made_up_bpe()
    act = opts.get("hidden_act", "quick_gelu")
    eos = 2 if opts.get("eos", "real") == "legacy" else vocab["<|endoftext|>"]
    text = {"hidden_size": 24, "intermediate_size": 40, "num_hidden_layers": 2, "num_attention_heads": 2,
            "max_position_embeddings": 12, "vocab_size": len(vocab) + 3, "hidden_act": act, "layer_norm_eps": 1e-5,
            "eos_token_id": eos, "bos_token_id": vocab["<|startoftext|>"], "pad_token_id": 1}
    vision = {"hidden_size": 32, "intermediate_size": 56, "num_hidden_layers": 2, "num_attention_heads": 4,
              "image_size": 32, "patch_size": 8, "num_channels": 3, "hidden_act": act, "layer_norm_eps": 1e-5}
    if opts.get("size") == "vit-b32":  # OpenAI ViT-B/32's sizes (random weights), for memory and speed measurements
        text.update(hidden_size=512, intermediate_size=2048, num_hidden_layers=12, num_attention_heads=8, max_position_embeddings=77, vocab_size=49408)
        vision.update(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12, image_size=224, patch_size=32)
    config = {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 512 if opts.get("size") == "vit-b32" else 20, "logit_scale_init_value": 2.6592,
              "text_config": text, "vision_config": vision, "torch_dtype": "float32"}
    proc = {"image_processor_type": "CLIPImageProcessor", "do_resize": True, "size": {"shortest_edge": vision["image_size"]}, "resample": 3,
            "do_center_crop": True, "crop_size": {"height": vision["image_size"], "width": vision["image_size"]}, "do_rescale": True, "rescale_factor": 1 / 255,
            "do_normalize": True, "do_convert_rgb": True,
            "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711]}
    if opts.get("preprocessor", True):
        proc["image_mean"], proc["image_std"] = [0.5, 0.4, 0.3], [0.2, 0.25, 0.3]

    def r(*shape, std=0.1):
        return torch.randn(*shape) * std

    tw, vw, proj, ctx, patch = text["hidden_size"], vision["hidden_size"], config["projection_dim"], text["max_position_embeddings"], vision["patch_size"]
    w = {"logit_scale": torch.tensor(math.log(20.0)),
         "text_model.embeddings.token_embedding.weight": r(text["vocab_size"], tw, std=0.5),
         "text_model.embeddings.position_embedding.weight": r(ctx, tw, std=0.5),
         "vision_model.embeddings.class_embedding": r(vw, std=0.5),
         "vision_model.embeddings.patch_embedding.weight": r(vw, 3, patch, patch),
         "vision_model.embeddings.position_embedding.weight": r((vision["image_size"] // patch) ** 2 + 1, vw, std=0.5),
         "visual_projection.weight": r(proj, vw, std=0.3), "text_projection.weight": r(proj, tw, std=0.3)}
    for tower, cfg, final in (("text_model", text, ["final_layer_norm"]), ("vision_model", vision, ["pre_layrnorm", "post_layernorm"])):
        d, m = cfg["hidden_size"], cfg["intermediate_size"]
        for norm in final:
            w[f"{tower}.{norm}.weight"], w[f"{tower}.{norm}.bias"] = 1 + r(d), r(d)
        for i in range(cfg["num_hidden_layers"]):
            p = f"{tower}.encoder.layers.{i}"
            for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
                w[f"{p}.self_attn.{proj}.weight"], w[f"{p}.self_attn.{proj}.bias"] = r(d, d, std=d ** -0.5), r(d)
            for norm in ("layer_norm1", "layer_norm2"):
                w[f"{p}.{norm}.weight"], w[f"{p}.{norm}.bias"] = 1 + r(d), r(d)
            w[f"{p}.mlp.fc1.weight"], w[f"{p}.mlp.fc1.bias"] = r(m, d, std=d ** -0.5), r(m)
            w[f"{p}.mlp.fc2.weight"], w[f"{p}.mlp.fc2.bias"] = r(d, m, std=m ** -0.5), r(d)

    model_dir = os.path.join(out, "model")
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    if opts.get("preprocessor", True):
        with open(os.path.join(model_dir, "preprocessor_config.json"), "w") as f:
            json.dump(proc, f, indent=2)
    with open(os.path.join(model_dir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(model_dir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    # HF checkpoints may still carry the position_ids buffers; the loader ignores them.
    stored = dict(w)
    stored["text_model.embeddings.position_ids"] = torch.arange(ctx).unsqueeze(0)
    if opts.get("sharded", False):
        names = sorted(stored)
        halves = {"model-00001-of-00002.safetensors": names[: len(names) // 2], "model-00002-of-00002.safetensors": names[len(names) // 2:]}
        weight_map = {}
        for file, part in halves.items():
            save_safetensors(os.path.join(model_dir, file), {n: stored[n] for n in part})
            weight_map.update({n: file for n in part})
        with open(os.path.join(model_dir, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f)
    else:
        save_safetensors(os.path.join(model_dir, "model.safetensors"), stored)

    c, h, wd = opts.get("image", [3, vision["image_size"], vision["image_size"]])
    batch = opts.get("batch", 3)
    pixels = torch.rand(batch, c, h, wd)
    # Token ids: start, random words, eos, then padding that holds larger ids than eos (so argmax pooling would be wrong
    # for a real eos id) or, for the legacy rule, zeros.
    n, l = 4, 12
    ids = torch.zeros(n, l, dtype=torch.int64)
    for row in range(n):
        length = 3 + row * 2
        ids[row, 0] = vocab["<|startoftext|>"]
        ids[row, 1:length - 1] = torch.randint(0, vocab["<|startoftext|>"], (length - 2,))
        if eos == 2:
            ids[row, length - 1] = text["vocab_size"] - 1
        else:
            ids[row, length - 1] = eos
            ids[row, length:] = text["vocab_size"] - 1
    tcfg, vcfg = dict(text), dict(vision)
    with torch.no_grad():
        img = image_features(preprocess(pixels, proc, 3), w, vcfg)
        txt = text_features(ids, w, tcfg)
        logits = w["logit_scale"].exp() * (img / img.norm(dim=-1, keepdim=True)) @ (txt / txt.norm(dim=-1, keepdim=True)).T
    save_safetensors(os.path.join(out, "reference.safetensors"),
                     {"pixels": pixels, "ids": ids, "image_embeds": img, "text_embeds": txt, "logits_per_image": logits})


if __name__ == "__main__":
    if sys.argv[1] == "tokenize":
        tokenize_main(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
