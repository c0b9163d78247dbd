#!/usr/bin/env python3
"""Writes "-rflh" variants of MLP configs: the same network and recipe with the first and last layers kept real, as the
HBB line of work keeps them (Fromm, Patel, Philipose 2018): the first dense layer loses its weight quantizer and weight
clip; the last dense layer loses its input quantizer, weight quantizer and weight clip, and takes real inputs through a
hardtanh of the batch-normalised features (the quantized layers' activation range) inserted before it.

Usage: python3 scripts/first_last_configs.py BASE [BASE ...] [--out DIR]
  BASE: a config name in configs/ (without .json), e.g. fashion-mnist-hbb-1.4. Writes configs/BASE-rflh.json.

The base's header comment is kept, after a first line saying what changed. Only configs whose layers are flatten,
dense, batch_norm and activations are accepted (the MLP study); anything else is refused with the layer named.
"""
import json
import os
import sys

from shift_configs import write  # the configs' atomic write (temporary name, then rename)

ALLOWED = {"flatten", "dense", "batch_norm", "hardtanh", "relu", "sign"}


def strip_comments(text):
    """JSON with // line comments (the config format) to plain JSON; // inside strings is kept."""
    out, i, in_string = [], 0, False
    while i < len(text):
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def header_lines(text):
    """The // comment lines at the top of the object (before the first key)."""
    lines = []
    for line in text.splitlines()[1:]:
        s = line.strip()
        if not s.startswith("//"):
            break
        lines.append(s[2:].strip())
    return lines


def real_first_last(config, base):
    layers = config["layers"]
    for k, layer in enumerate(layers):
        if layer["type"] not in ALLOWED:
            raise SystemExit(f"{base}: layer {k} has type '{layer['type']}'; this script handles MLPs only ({', '.join(sorted(ALLOWED))})")
    dense = [k for k, layer in enumerate(layers) if layer["type"] == "dense"]
    if len(dense) < 2:
        raise SystemExit(f"{base}: needs at least two dense layers, has {len(dense)}")
    first, last = dense[0], dense[-1]
    for key in ("weight_quantizer", "weight_clip"):
        layers[first].pop(key, None)
    for key in ("input_quantizer", "weight_quantizer", "weight_clip"):
        layers[last].pop(key, None)
    if layers[last - 1]["type"] != "hardtanh":
        layers.insert(last, {"type": "hardtanh"})
    config["name"] = base + "-rflh"
    return config


def derive(text, base):
    config = real_first_last(json.loads(strip_comments(text)), base)
    header = [f"As {base}.json with the first and last layers real: real weights, and the last layer takes real inputs "
              "(hardtanh of the batch-normalised features), as the HBB line of work keeps them "
              "(scripts/first_last_configs.py)."]
    header += header_lines(text)
    body = json.dumps(config, indent=2)
    return "{\n" + "".join(f"  // {h}\n" for h in header) + body[2:] + "\n"


def main(argv):
    out_dir = "configs"
    if "--out" in argv:
        k = argv.index("--out")
        out_dir = argv[k + 1]
        argv = argv[:k] + argv[k + 2:]
    if not argv:
        raise SystemExit(__doc__)
    for base in argv:
        src = os.path.join("configs", base + ".json")
        if not os.path.exists(src):
            raise SystemExit(f"{src}: no such config")
        with open(src, encoding="utf-8") as f:
            write(out_dir, base + "-rflh", derive(f.read(), base))


if __name__ == "__main__":
    main(sys.argv[1:])
