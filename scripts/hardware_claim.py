#!/usr/bin/env python3
"""HBB's hardware claim under Lowbit's FPGA/ASIC estimates (docs/COST-MODEL.md, section 11).

For one model config with HBB weights, rebuilds it with heterogeneous mixes of 1- and 2-plane weights (average bits
1.2..1.8) and with homogeneous residual 1- and 2-plane weights, and prints, per architecture, the FPGA LUTs / BRAM36
and the 45 nm ASIC area and energy of the quantized x quantized layers (the layers HBB's argument is about), as a
markdown table. Standard library only; runs `lowbit summary --hardware ... --json`.

Usage: python3 scripts/hardware_claim.py LOWBIT CONFIG [--layers 0,3,7,9]
  --layers: indexes (in the config's "layers" list) of the dense/conv layers whose weight quantizer to replace.
"""
import json, subprocess, sys

MIXES = [("residual 1", {"type": "residual", "bits": 1})] + \
    [(f"HBB {1 + p / 10:.1f}", {"type": "hbb", "mix": f"1:{1 - p / 10:.1f},2:{p / 10:.1f}", "selection": "middle_out"}) for p in (2, 4, 6, 8)] + \
    [("residual 2", {"type": "residual", "bits": 2})]


def summary(lowbit, config, layers, quantizer, target, architecture):
    sets = []
    for i in layers:
        sets += ["--set", f"layers.{i}.weight_quantizer={json.dumps(quantizer)}"]
    out = subprocess.run([lowbit, "summary", "--config", config, "--hardware", target, "--architecture", architecture, "--json"] + sets,
                         check=True, capture_output=True, text=True).stdout
    rows = [l for l in json.loads(out)["layers"] if l["datapath"] in ("Binary", "Integer")]
    return rows


def main():
    lowbit, config = sys.argv[1], sys.argv[2]
    layers = [int(x) for x in sys.argv[sys.argv.index("--layers") + 1].split(",")] if "--layers" in sys.argv else []
    print("| weights | architecture | avg bits | LUTs | BRAM36 | stored bits | area mm2 | energy nJ | compute pJ | weight reads pJ | cycles |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for arch in ("unrolled", "folded", "bitserial"):
        for name, q in MIXES:
            f = summary(lowbit, config, layers, q, "fpga", arch)
            a = summary(lowbit, config, layers, q, "asic", arch)
            weights = sum(r["stored_weight_bits"] for r in f)
            bits = sum(r["average_weight_bits"] * 1 for r in f) / len(f)
            area = sum(r["logic_area_um2"] + r["memory_area_um2"] for r in a) / 1e6
            comp = sum(r["compute_energy_pj"] for r in a)
            mem = sum(r["memory_energy_pj"] for r in a)
            print(f"| {name} | {arch} | {bits:.2f} | {sum(r['luts'] for r in f):,.0f} | {sum(r['bram36'] for r in f):,} | {weights:,} | "
                  f"{area:.3f} | {(comp + mem) / 1000:.3f} | {comp:,.1f} | {mem:,.1f} | {sum(r['cycles_per_sample'] for r in f):,} |")


if __name__ == "__main__":
    main()
