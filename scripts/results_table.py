#!/usr/bin/env python3
"""Print the markdown results table from results/<config>/seed<k>/{result.json,metrics.csv}.

Standard library only. Usage: python3 scripts/results_table.py [results_dir]
Test error = test error at the best-validation epoch (result.json "test_error").
Spread = min-max over seeds (not std). Time = mean train_seconds per run (2 shared cores, noisy).
Runs that stopped before writing result.json are listed separately from their metrics.csv.
"""
import csv, json, os, sys

# Paper anchors, quoted from /work/shared/METHODS.md sections 2-12 and 16 (tags [C]/[R] as there).
PAPER = {
    "mnist-mlp-float": "1.33 % (FM README, full-res MLP) [C]; 1.30 % (BC paper, no reg.) [R]",
    "mnist-binarynet": "0.96 % (3x4096, 1000 ep, Theano) [C]",
    "mnist-binarynet-shift": "1.40 % (Torch7, SBN + shift AdaMax) [R]",
    "mnist-bc-det": "1.29 % (BC paper) [R]",
    "mnist-bc-stoch": "1.18 % (BC README, 3x2048, 250 ep) [C]",
    "mnist-fm-binary": "1.29 % (FM README, binary+QBP) [C]",
    "mnist-fm-ternary": "1.15 % (FM README, ternary+QBP) [C]",
    "mnist-dorefa-w1a2": "no MNIST number (AlexNet W1A2 51 % top-1, trend only)",
    "mnist-dorefa-w2a2": "no MNIST number (METHODS 16 #6: <= 0.5 % worse than W32A2)",
    "mnist-dorefa-w2a2g6": "no MNIST number",
    "mnist-xnor": "no MNIST number (ImageNet AlexNet 44.2 % top-1)",
    "mnist-balanced-w2": "no MNIST number (expect BQ >= uniform, gap largest at 2 bits)",
    "mnist-uniform-minmax-w2": "no MNIST number (baseline for BQ)",
    "fashion-mnist-hbb-1.4": "claim: 1.4-bit HBB ~= 2-bit > 1-bit (ImageNet) [C abstract]",
    "fashion-mnist-hbb-1.4-random": "claim: MO > random [R]",
    "fashion-mnist-hbb-1.4-magnitude": "claim: MO > magnitude [R]",
    "fashion-mnist-residual-w1a2": "HBB baseline (1-bit)",
    "fashion-mnist-residual-w2a2": "HBB baseline (2-bit)",
    "fashion-mnist-bnnplus": "claim: small gain (<= 1 %) or parity vs STE (METHODS 16 #11)",
    "fashion-mnist-ste": "BNN on Fashion: ~85-88 % acc expected (METHODS 16 #2)",
}
TARGET = {
    "mnist-dorefa-w2a2": 0.018, "mnist-bc-det": 0.020, "mnist-bc-stoch": 0.020,
    "mnist-binarynet": 0.020, "mnist-binarynet-shift": 0.020,
}


def pct(x):
    return f"{100 * x:.2f}"


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "results")
    done, partial = {}, []
    for cfg in sorted(os.listdir(root)):
        d = os.path.join(root, cfg)
        if not os.path.isdir(d):
            continue
        for sd in sorted(os.listdir(d)):
            p = os.path.join(d, sd)
            rj, mc = os.path.join(p, "result.json"), os.path.join(p, "metrics.csv")
            if os.path.exists(rj):
                r = json.load(open(rj))
                done.setdefault((cfg, r.get("dataset", "?"), r["epochs"]), []).append(r)
            elif os.path.exists(mc):
                rows = list(csv.DictReader(open(mc)))
                if rows:
                    best = max(rows, key=lambda row: float(row["val_accuracy"]))  # first max = earliest epoch
                    partial.append((cfg, sd, rows, best))
    print("| config | dataset | epochs | seeds | test error % mean | spread (min-max) % | train s/run (mean) | w bits / a bits | target | paper / claim |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (cfg, ds, ep), rs in sorted(done.items()):
        errs = [r["test_error"] for r in rs]
        mean = sum(errs) / len(errs)
        spread = f"{pct(min(errs))}-{pct(max(errs))}" if len(errs) > 1 else "-"
        secs = sum(r["train_seconds"] for r in rs) / len(rs)
        seeds = ",".join(str(r["seed"]) for r in sorted(rs, key=lambda r: r["seed"]))
        bits = f"{r_get(rs[0], 'weight_bits_avg')} / {r_get(rs[0], 'activation_bits_avg')}"
        t = TARGET.get(cfg)
        tgt = "-" if t is None else (f"<= {pct(t)}: " + ("met" if mean <= t else "NOT met"))
        print(f"| {cfg} | {ds} | {ep} | {len(rs)} ({seeds}) | {pct(mean)} | {spread} | {secs:.0f} | {bits} | {tgt} | {PAPER.get(cfg, '-')} |")
    if partial:
        print()
        print("Unfinished runs (no result.json; test error at the best-validation epoch among the epochs completed):")
        print()
        print("| config | seed | epochs completed | best val epoch | test error % there | last epoch val acc % |")
        print("|---|---|---|---|---|---|")
        for cfg, sd, rows, best in partial:
            print(f"| {cfg} | {sd} | {len(rows)} | {best['epoch']} | {pct(1 - float(best['test_accuracy']))} | {pct(float(rows[-1]['val_accuracy']))} |")


def r_get(r, k):
    v = r.get(k)
    return "?" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))


if __name__ == "__main__":
    main()
