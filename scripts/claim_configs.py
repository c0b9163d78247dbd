#!/usr/bin/env python3
"""Writes the CIFAR-10 claim configs (docs/RESULTS.md, "Seed claims on convnets") from the zoo's VGG-small configs.

Every claim config is the zoo network with only the quantizers (and, per family, the recipe) replaced, so that each
claim compares arms of one model:
  binary family  (cifar10-vgg-small-binary-w0.25 as is: BinaryNet's VGG-small and recipe): BinaryNet, BNN+, XNOR-Net,
                 DoReFa W1A2 - every layer quantized as in BinaryNet, +1 padding for +-1 inputs.
  hbb family     (same network and recipe, first and last layers real as in the HBB line of work, hardtanh before the
                 real last layer): residual 1/2-plane weights, HBB 1.4 (Middle-Out, random, magnitude), 2-plane
                 residual activations (zero padding: the activations are not +-1).
  multi-bit families (same network, softmax cross-entropy, Adam 1e-3 -> 1e-5, first and last layers real):
                 PDB (DoReFa weights, 2-bit DoReFa activations), balanced vs uniform (float ReLU activations),
                 BitPruning (float ReLU activations), float reference.
Standard library only. Usage: python3 scripts/claim_configs.py [--check]   (--check: fail if a written file would change)
"""
import copy, json, os, re, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BINARY = "cifar10-vgg-small-binary-w0.25"
FLOAT = "cifar10-vgg-small-w0.25"
PREFIX = "cifar10-vgg-small-w0.25-"
MULTIBIT_RECIPE = {"loss": "softmax_cross_entropy", "optimizer": {"type": "adam", "lr": 0.001},
                   "schedule": {"type": "exponential", "end_lr": 1e-05}, "train": {"epochs": 20, "batch_size": 100}}


def load(name):
    text = open(os.path.join(ROOT, "configs", name + ".json")).read()
    return json.loads(re.sub(r"^\s*//.*$", "", text, flags=re.M))


def weighted(cfg):
    return [l for l in cfg["layers"] if l["type"] in ("dense", "conv2d")]


def set_quantizers(cfg, weight, activation, ends_real, pad=None, clip=1.0, hardtanh_last=False):
    """Replace the quantizers of every dense/conv layer; first/last real when ends_real (hardtanh_last: a hardtanh before the last)."""
    ws = weighted(cfg)
    for i, l in enumerate(ws):
        for k in ("weight_quantizer", "input_quantizer", "weight_clip", "pad_value"):
            l.pop(k, None)
        first, last = i == 0, i == len(ws) - 1
        if not (ends_real and (first or last)):
            if weight is not None:
                l["weight_quantizer"] = copy.deepcopy(weight)
                if clip is not None:
                    l["weight_clip"] = clip
            if not first and activation is not None:
                l["input_quantizer"] = copy.deepcopy(activation)
        if l["type"] == "conv2d" and pad is not None and not first:
            l["pad_value"] = pad
    if ends_real and hardtanh_last:
        idx = cfg["layers"].index(ws[-1])
        if cfg["layers"][idx - 1]["type"] != "hardtanh":
            cfg["layers"].insert(idx, {"type": "hardtanh"})
    return cfg


def float_relu_base():
    """The float zoo VGG-small with the multi-bit recipe (Adam, cross-entropy) instead of SGD."""
    cfg = load(FLOAT)
    cfg.update(copy.deepcopy(MULTIBIT_RECIPE))
    cfg["optimizer"] = dict(MULTIBIT_RECIPE["optimizer"])
    return cfg


def binary_base():
    return load(BINARY)


def arms():
    """(name, comment, config) of every claim arm."""
    out = []
    res = lambda b, role="weight": {"type": "residual", "bits": b} if role == "weight" else {"type": "residual", "bits": b, "role": "activation"}
    hbb = lambda sel: {"type": "hbb", "mix": "1:0.6,2:0.4", "selection": sel}
    a2 = res(2, "activation")
    for name, w, what in [("residual-w1a2", res(1), "1-plane residual weights"), ("residual-w2a2", res(2), "2-plane residual weights"),
                          ("hbb-1.4", hbb("middle_out"), "HBB 1.4-bit weights (1:0.6,2:0.4, Middle-Out)"),
                          ("hbb-1.4-random", hbb("random"), "HBB 1.4-bit weights with random bit maps"),
                          ("hbb-1.4-magnitude", hbb("magnitude"), "HBB 1.4-bit weights with magnitude-ordered bit maps")]:
        out.append((name, f"HBB claim arm: {what}, 2-plane residual activations (per-sample means), first and last layers real "
                          "(hardtanh before the last); BinaryNet's VGG-small recipe.", set_quantizers(binary_base(), w, a2, True, pad=None, hardtanh_last=True)))
    for name, w, a, what in [("binarynet", "ste_sign", "ste_sign", "BinaryNet (sign with the clipped STE)"),
                             ("bnnplus", {"type": "bnn_plus_weight", "beta": 5, "regularizer": "l2", "lambda": 1e-05},
                              {"type": "swish_sign", "beta": 5}, "BNN+ (SignSwish beta 5, trainable scale, R2 regulariser 1e-5)"),
                             ("xnor", "xnor_weight", "xnor_act", "XNOR-Net (per-channel alpha, per-position K)"),
                             ("dorefa-w1a2", {"type": "dorefa_weight", "bits": 1}, {"type": "dorefa_act", "bits": 2}, "DoReFa W1A2")]:
        pad = 1.0 if a in ("ste_sign", "xnor_act") or (isinstance(a, dict) and a["type"] == "swish_sign") else None
        out.append((name, f"Binary-VGG claim arm: {what} in every layer of BinaryNet's VGG-small and recipe.",
                    set_quantizers(binary_base(), w, a, False, pad=pad)))
    dw = lambda b: {"type": "dorefa_weight", "bits": b}
    da2 = {"type": "dorefa_act", "bits": 2}
    for b in (2, 4):
        cfg = set_quantizers(float_relu_base(), dw(b), da2, True, clip=None)
        out.append((f"dorefa-w{b}a2", f"PDB claim arm: homogeneous {b}-bit DoReFa weights, 2-bit DoReFa activations, first and last layers real.", strip_relu(cfg)))
    for name, bits, what in [("pdb-stair-4443332", [4, 4, 4, 3, 3, 3, 2], "staircase 4-4-4-3-3-3-2 (3.00 average bits: 25 % below 4-bit)"),
                             ("pdb-stair-2222211", [2, 2, 2, 2, 2, 1, 1], "staircase 2-2-2-2-2-1-1 (1.33 average bits: 34 % below 2-bit)")]:
        cfg = strip_relu(set_quantizers(float_relu_base(), None, da2, True, clip=None))
        cfg["bit_assignment"] = {"method": "staircase", "weight_quantizer": {"type": "dorefa_weight"}, "layers": list(range(1, 8)), "bits": bits}
        out.append((name, f"PDB claim arm: {what} of DoReFa weights over the 7 quantized layers, 2-bit DoReFa activations.", cfg))
    for budget in (3, 1.5):
        cfg = strip_relu(set_quantizers(float_relu_base(), None, da2, True, clip=None))
        cfg["bit_assignment"] = {"method": "pdb", "weight_quantizer": {"type": "dorefa_weight"}, "layers": list(range(1, 8)), "budget_bits": budget,
                                 "candidates": [1, 2, 3, 4], "calibration_images": 1000, "pretrain_epochs": 1}
        out.append((f"pdb-auto-b{budget:g}", f"PDB claim arm: automatic assignment (Fisher separability after 1 float epoch) under {budget:g} average bits, DoReFa weights, 2-bit DoReFa activations.", cfg))
    for b in (2, 3, 4):
        for kind, what in (("balanced", "balanced (median partition)"), ("uniform-minmax", "uniform min-max")):
            cfg = set_quantizers(float_relu_base(), {"type": kind.replace("-", "_"), "bits": b}, None, True, clip=None)
            out.append((f"{kind}-w{b}", f"Balanced-quantization claim arm: {b}-bit {what} weights, float ReLU activations, first and last layers real.", cfg))
    for target in ("bits", "memory", "bops"):
        for lam in (0.003, 0.03, 0.3):
            cfg = (set_quantizers(float_relu_base(), {"type": "bitpruning", "bits": 8, "lr_scale": 10}, None, True, clip=None))
            cfg["regularizer"] = {"type": "bitpruning", "target": target, "lambda": lam}
            cfg["bitpruning"] = {"round": "up", "finetune_epochs": 2}
            out.append((f"bitpruning-{target}-lam{lam:g}", f"BitPruning front point: learned weight bitlengths from 8 bits, target {target}, lambda {lam:g}; the last 2 epochs fine-tune the rounded-up bits.", cfg))
    out.append(("float", "Float reference of the multi-bit families: the zoo's float VGG-small with Adam 1e-3 -> 1e-5 and cross-entropy.", float_relu_base()))
    return out


def strip_relu(cfg):
    """DoReFa activations clip to [0, 1] themselves: drop the ReLU in front of each quantized input."""
    layers, out = cfg["layers"], []
    for i, l in enumerate(layers):
        nxt = layers[i + 1] if i + 1 < len(layers) else None
        if l["type"] == "relu" and nxt is not None and "input_quantizer" in nxt:
            continue
        out.append(l)
    cfg["layers"] = out
    return cfg


def main():
    check = "--check" in sys.argv
    changed = []
    for name, comment, cfg in arms():
        cfg["name"] = PREFIX + name
        body = json.dumps(cfg, indent=2)
        text = "{\n  // " + comment + "\n  // Generated by scripts/claim_configs.py from the zoo's VGG-small configs; edit the script, not this file.\n" + body[2:] + "\n"
        path = os.path.join(ROOT, "configs", cfg["name"] + ".json")
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            changed.append(cfg["name"])
            if not check:
                tmp = path + ".tmp"
                open(tmp, "w").write(text)
                os.replace(tmp, path)
    print(("would change: " if check else "written: ") + (", ".join(changed) if changed else "nothing"))
    sys.exit(1 if check and changed else 0)


if __name__ == "__main__":
    main()
