"""CLIP's byte-level BPE tokenization, written from the rules of transformers' CLIPTokenizer without ftfy, as an
independent reference for imbfair's tokenizer: Python's own str.lower / unicodedata / the `regex` module do the
Unicode work. Usage: clip_bpe.py MODEL_DIR CONTEXT TEXTS_JSON_FILE  → prints a JSON list of id lists.
"""
import json
import os
import sys
import unicodedata

import regex

PATTERN = regex.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""", regex.IGNORECASE)
SPECIAL = ("<|startoftext|>", "<|endoftext|>")


def byte_encoder():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


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


def main():
    model, context = sys.argv[1], int(sys.argv[2])
    with open(sys.argv[3], encoding="utf-8") as f:
        texts = json.load(f)
    with open(os.path.join(model, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(model, "merges.txt"), encoding="utf-8") as f:
        merges = [tuple(line.split()) for line in f.read().strip().split("\n")[1:]]
    ranks = {m: i for i, m in enumerate(merges)}
    enc = byte_encoder()
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


if __name__ == "__main__":
    main()
