#!/usr/bin/env python3
"""Print the markdown results table from results/<config>/seed<k>/{result.json,metrics.csv}.

Standard library only. Usage: python3 scripts/results_table.py [results_dir] [--write]   (--write: replace the table and orderings in docs/RESULTS.md)
Test error = test error at the best-validation epoch (result.json "test_error").
Spread = min-max over seeds (not std). Time = mean train_seconds per run (2 shared cores, noisy).
Runs that stopped before writing result.json are listed separately from their metrics.csv.
"""
import csv, json, math, os, sys

# Paper anchors, quoted from /work/shared/METHODS.md sections 2-12 and 16 (tags [C]/[R] as there).
PAPER = {
    "mnist-mlp-float": "1.33 % (FM README, full-res MLP) [C]; 1.30 % (BC paper, no reg.) [R]",
    "mnist-binarynet": "0.96 % (3x4096, 1000 ep, Theano) [C]",
    "mnist-binarynet-shift": "1.40 % (Torch7, SBN + shift AdaMax) [R]",
    "mnist-binarynet-shift-paperlr": "1.40 % (Torch7, SBN + shift AdaMax) [R]; our step 2^-10 -> 1e-4",
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
    "mnist-ste": "plain STE baseline for BNN+ (METHODS 16 #11)",
    "mnist-bnnplus": "claim: small gain (<= 1 %) or parity vs STE (METHODS 16 #11)",
    "mnist-dorefa-w32a2": "reference for W1A2/W2A2 (METHODS 16 #6)",
    "mnist-ternary": "no MNIST number (TWN)",
    "mnist-pact-w2a2": "no MNIST number (PACT)",
    "mnist-lsq-w2a2": "no MNIST number (LSQ)",
    "mnist-hbb-1.4": "claim: 1.4-bit HBB ~= 2-bit > 1-bit (ImageNet) [C abstract]",
    "fashion-mnist-w128-hbb-1.4": "claim: 1.4-bit HBB ~= 2-bit > 1-bit; 3x128 MLP",
    "fashion-mnist-w128-residual-w1a2": "HBB baseline (1-bit); 3x128 MLP",
    "fashion-mnist-w128-residual-w2a2": "HBB baseline (2-bit); 3x128 MLP",
    "fashion-mnist-w128-hbb-1.4-random": "claim: MO > random [R]; 3x128 MLP",
    "fashion-mnist-w128-hbb-1.4-magnitude": "claim: MO > magnitude [R]; 3x128 MLP",
    "fashion-mnist-cnn-hbb-1.4": "claim: 1.4-bit HBB ~= 2-bit > 1-bit; small CNN, 3 epochs",
    "fashion-mnist-cnn-residual-w1a2": "HBB baseline (1-bit); small CNN, 3 epochs",
    "fashion-mnist-cnn-residual-w2a2": "HBB baseline (2-bit); small CNN, 3 epochs",
    "fashion-mnist-w128-hbb-1.2": "HBB bits curve; 3x128 MLP",
    "fashion-mnist-w128-hbb-1.6": "HBB bits curve; 3x128 MLP",
    "fashion-mnist-w128-hbb-1.4-m721": "HBB 1.4 as 70/20/10 % of 1/2/3 bits; 3x128 MLP",
    "fashion-mnist-w128-residual-w3a2": "HBB baseline (3-bit); 3x128 MLP",
    "fashion-mnist-w128-mlp-float": "float reference; 3x128 MLP",
    "mnist-hbb-1.4-deploy-trm": "ours: HBB 1.4, frozen activation means also in training (train_means running), packable",
    "mnist-hbb-1.4-deploy": "ours: HBB 1.4 with frozen (running) activation means, packable (issue 6)",
    "mnist-bc-stoch-e20": "1.18 % (BC README, 3x2048, 250 ep) [C]; 20 epochs",
    "mnist-bc-det-e20": "1.29 % (BC paper) [R]; 20 epochs",
    "fashion-mnist-bnnplus-noreg": "BNN+ ablation (16 #11): SignSwish + alpha, no regulariser",
    "fashion-mnist-bnnplus-r1": "BNN+ ablation (16 #11): R1 regulariser instead of R2",
    "fashion-mnist-bnnplus-wbeta1": "ours: BNN+ with weight surrogate beta 1 (activations beta 5)",
    "mnist-bnnplus-wbeta1": "ours: BNN+ with weight surrogate beta 1 (activations beta 5)",
    "mnist-pact-w2a2-a3": "no MNIST number (PACT); clip alpha initialised at 3 instead of 10",
}

# Orderings METHODS.md section 16 expects (a, relation, b, what): "<=" means a's error should not exceed b's;
# "~" means within the stated margin (pp); "le+" means a <= b + margin.
ORDERINGS = [
    ("mnist-bc-stoch", "<=", "mnist-bc-det", 0.0, "16 #1: BC stoch <= det"),
    ("mnist-bc-stoch-e20", "<=", "mnist-bc-det-e20", 0.0, "16 #1: BC stoch <= det, 20 epochs"),
    ("mnist-binarynet-shift", "~", "mnist-binarynet", 0.3, "16 #3: SBN + shift AdaMax within ~0.3 pp of BinaryNet"),
    ("mnist-fm-ternary", "<=", "mnist-fm-binary", 0.0, "16 #4: FM ternary <= binary"),
    ("mnist-fm-binary", "le+", "mnist-mlp-float", 0.3, "16 #4: FM binary <= float + 0.3 pp"),
    ("mnist-dorefa-w2a2", "le+", "mnist-dorefa-w32a2", 0.5, "16 #6: W2A2 <= W32A2 + 0.5 pp"),
    ("mnist-dorefa-w1a2", "le+", "mnist-dorefa-w32a2", 0.5, "16 #6: W1A2 <= W32A2 + 0.5 pp"),
    ("mnist-dorefa-w2a2g6", "le+", "mnist-dorefa-w2a2", 0.5, "16 #6: 6-bit gradients cost <= 0.5 pp"),
    ("mnist-bnnplus", "le+", "mnist-ste", 0.0, "16 #11: BNN+ <= STE (small gain or parity), MNIST"),
    ("fashion-mnist-bnnplus", "le+", "fashion-mnist-ste", 0.0, "16 #11: BNN+ <= STE (small gain or parity), Fashion"),
    ("fashion-mnist-hbb-1.4", "~", "fashion-mnist-residual-w2a2", 0.3, "8.4: HBB 1.4-bit ~= 2-bit"),
    ("fashion-mnist-hbb-1.4", "<", "fashion-mnist-residual-w1a2", 0.0, "8.4: HBB 1.4-bit better than 1-bit"),
    ("fashion-mnist-residual-w2a2", "<", "fashion-mnist-residual-w1a2", 0.0, "8.4: 2-bit better than 1-bit (the premise)"),
    ("fashion-mnist-hbb-1.4", "<", "fashion-mnist-hbb-1.4-random", 0.0, "8.3: Middle-Out better than random selection"),
    ("fashion-mnist-hbb-1.4", "<", "fashion-mnist-hbb-1.4-magnitude", 0.0, "8.3: Middle-Out better than magnitude selection"),
    ("fashion-mnist-w128-balanced-w2", "<=", "fashion-mnist-w128-uniform-minmax-w2", 0.0, "16 #8 (3x128 MLP): balanced <= uniform, 2-bit weights"),
    ("fashion-mnist-w128-balanced-w3", "<=", "fashion-mnist-w128-uniform-minmax-w3", 0.0, "16 #8 (3x128 MLP): balanced <= uniform, 3-bit weights"),
    ("fashion-mnist-w128-balanced-w4", "<=", "fashion-mnist-w128-uniform-minmax-w4", 0.0, "16 #8 (3x128 MLP): balanced <= uniform, 4-bit weights"),
    ("fashion-mnist-w128-pdb-432", "~", "fashion-mnist-w128-dorefa-w3a2", 0.3, "16 #9 (3x128 MLP): staircase 4-3-2-2 ~= homogeneous 3-bit"),
    ("fashion-mnist-w128-pdb-211", "~", "fashion-mnist-w128-dorefa-w1a2", 0.3, "16 #9 (3x128 MLP): staircase 2-1-1-1 ~= homogeneous 1-bit"),
    ("fashion-mnist-w128-pdb-auto-b2", "~", "fashion-mnist-w128-dorefa-w2a2", 0.3, "16 #9 (3x128 MLP): automatic PDB at 2 bits ~= homogeneous 2-bit"),
    ("mnist-w128-hbb-1.4", "~", "mnist-w128-residual-w2a2", 0.3, "8.4 (MNIST 3x128 MLP): HBB 1.4-bit ~= 2-bit"),
    ("mnist-w128-hbb-1.4", "<", "mnist-w128-residual-w1a2", 0.0, "8.4 (MNIST 3x128 MLP): HBB 1.4-bit better than 1-bit"),
    ("mnist-w128-hbb-1.4", "<", "mnist-w128-hbb-1.4-random", 0.0, "8.3 (MNIST 3x128 MLP): Middle-Out better than random"),
    ("mnist-w128-hbb-1.4", "<", "mnist-w128-hbb-1.4-magnitude", 0.0, "8.3 (MNIST 3x128 MLP): Middle-Out better than magnitude"),
    ("fashion-mnist-cnn-hbb-1.4", "~", "fashion-mnist-cnn-residual-w2a2", 0.3, "8.4 (small CNN, 3 epochs): HBB 1.4-bit ~= 2-bit"),
    ("fashion-mnist-cnn-hbb-1.4", "<", "fashion-mnist-cnn-residual-w1a2", 0.0, "8.4 (small CNN, 3 epochs): HBB 1.4-bit better than 1-bit"),
    ("fashion-mnist-cnn-residual-w2a2", "<", "fashion-mnist-cnn-residual-w1a2", 0.0, "8.4 (small CNN, 3 epochs): 2-bit better than 1-bit (the premise)"),
    ("fashion-mnist-w128-hbb-1.4", "~", "fashion-mnist-w128-residual-w2a2", 0.3, "8.4 (3x128 MLP): HBB 1.4-bit ~= 2-bit"),
    ("fashion-mnist-w128-hbb-1.4", "<", "fashion-mnist-w128-residual-w1a2", 0.0, "8.4 (3x128 MLP): HBB 1.4-bit better than 1-bit"),
    ("fashion-mnist-w128-residual-w2a2", "<", "fashion-mnist-w128-residual-w1a2", 0.0, "8.4 (3x128 MLP): 2-bit better than 1-bit (the premise)"),
    ("fashion-mnist-w128-hbb-1.4", "<", "fashion-mnist-w128-hbb-1.4-random", 0.0, "8.3 (3x128 MLP): Middle-Out better than random"),
    ("fashion-mnist-w128-hbb-1.4", "<", "fashion-mnist-w128-hbb-1.4-magnitude", 0.0, "8.3 (3x128 MLP): Middle-Out better than magnitude"),
]
TARGET = {
    "mnist-dorefa-w2a2": 0.018, "mnist-bc-det": 0.020, "mnist-bc-stoch": 0.020,
    "mnist-bc-det-e20": 0.020, "mnist-bc-stoch-e20": 0.020,
    "mnist-binarynet": 0.020, "mnist-binarynet-shift": 0.020,
}


def pct(x):
    return f"{100 * x:.2f}"


def load(root):
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
    return done, partial


def stats(errs):
    n = len(errs)
    mean = sum(errs) / n
    std = math.sqrt(sum((e - mean) ** 2 for e in errs) / (n - 1)) if n > 1 else float("nan")
    return mean, std


def table(done, partial):
    out = []
    out.append("| config | dataset | epochs | seeds | test error % mean | std % | spread (min-max) % | train s/run (mean) | w bits / a bits | target | paper / claim |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for (cfg, ds, ep), rs in sorted(done.items()):
        errs = [r["test_error"] for r in rs]
        mean, std = stats(errs)
        spread = f"{pct(min(errs))}-{pct(max(errs))}" if len(errs) > 1 else "-"
        sd = "-" if len(errs) < 2 else pct(std)
        secs = sum(r["train_seconds"] for r in rs) / len(rs)
        seeds = ",".join(str(r["seed"]) for r in sorted(rs, key=lambda r: r["seed"]))
        bits = f"{r_get(rs[0], 'weight_bits_avg')} / {r_get(rs[0], 'activation_bits_avg')}"
        t = TARGET.get(cfg)
        tgt = "-" if t is None else (f"<= {pct(t)}: " + ("met" if mean <= t else "NOT met"))
        out.append(f"| {cfg} | {ds} | {ep} | {len(rs)} ({seeds}) | {pct(mean)} | {sd} | {spread} | {secs:.0f} | {bits} | {tgt} | {PAPER.get(cfg, '-')} |")
    if partial:
        out.append("")
        out.append("Unfinished runs (no result.json; test error at the best-validation epoch among the epochs completed):")
        out.append("")
        out.append("| config | seed | epochs completed | best val epoch | test error % there | last epoch val acc % |")
        out.append("|---|---|---|---|---|---|")
        for cfg, sd, rows, best in partial:
            out.append(f"| {cfg} | {sd} | {len(rows)} | {best['epoch']} | {pct(1 - float(best['test_accuracy']))} | {pct(float(rows[-1]['val_accuracy']))} |")
    return out


def orderings(done):
    """Each expected ordering with the difference of the means and its standard error over seeds.

    Verdict rules (stated in docs/RESULTS.md): with d = mean(a) - mean(b) in pp and se = sqrt(s_a^2/n_a + s_b^2/n_b)
    (sample std over seeds; needs >= 2 seeds each), "<=" holds if d <= 0, is reversed if d > 2 se, and otherwise the
    two are not distinguishable; "le+" (a <= b + m) holds if d <= m and is violated if d - m > 2 se; "~" (within m)
    holds if |d| <= m and is violated if |d| - m > 2 se; "<" (a strictly better than b, a claimed gain) is
    confirmed only if -d > 2 se, reversed if d > 2 se, and otherwise "not confirmed: no difference beyond 2 se".
    """
    by_cfg = {}
    for (cfg, _, _), rs in done.items():
        by_cfg.setdefault(cfg, []).extend(r["test_error"] for r in rs)
    out = ["| expectation | a | b | a mean % (n) | b mean % (n) | d = a - b (pp) | 2 se (pp) | verdict |", "|---|---|---|---|---|---|---|---|"]
    for a, rel, b, m, what in ORDERINGS:
        if a not in by_cfg or b not in by_cfg:
            out.append(f"| {what} | {a} | {b} | {'-' if a not in by_cfg else pct(stats(by_cfg[a])[0])} | {'-' if b not in by_cfg else pct(stats(by_cfg[b])[0])} | - | - | not run |")
            continue
        ea, eb = by_cfg[a], by_cfg[b]
        (ma, sa), (mb, sb) = stats(ea), stats(eb)
        d = 100 * (ma - mb)
        if len(ea) < 2 or len(eb) < 2:
            se2, verdict = float("nan"), "one seed: not established"
        else:
            se2 = 2 * 100 * math.sqrt(sa ** 2 / len(ea) + sb ** 2 / len(eb))
            if rel == "<=":
                verdict = ("holds, beyond 2 se" if -d > se2 else "holds on the means, within 2 se") if d <= 0 else \
                    ("REVERSED, beyond 2 se" if d > se2 else "reversed on the means, within 2 se")
            elif rel == "<":
                verdict = "confirmed, beyond 2 se" if -d > se2 else ("REVERSED, beyond 2 se" if d > se2 else "not confirmed: no difference beyond 2 se")
            elif rel == "le+":
                verdict = "holds" if d <= m else ("VIOLATED, beyond 2 se" if d - m > se2 else "misses the margin on the means, within 2 se")
            else:
                verdict = "holds" if abs(d) <= m else ("VIOLATED, beyond 2 se" if abs(d) - m > se2 else "outside the margin on the means, within 2 se")
        se_txt = "-" if math.isnan(se2) else f"{se2:.2f}"
        out.append(f"| {what} | {a} | {b} | {pct(ma)} ({len(ea)}) | {pct(mb)} ({len(eb)}) | {d:+.2f} | {se_txt} | {verdict} |")
    return out


def replace_between(text, begin, end, lines):
    i, j = text.index(begin), text.index(end)
    return text[: i + len(begin)] + "\n" + "\n".join(lines) + "\n" + text[j:]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "results")
    done, partial = load(root)
    t, o = table(done, partial), orderings(done)
    if "--write" in sys.argv:
        path = os.path.join(os.path.dirname(__file__), "..", "docs", "RESULTS.md")
        text = open(path).read()
        text = replace_between(text, "<!-- table:begin -->", "<!-- table:end -->", t)
        text = replace_between(text, "<!-- orderings:begin -->", "<!-- orderings:end -->", o)
        tmp = path + ".tmp"
        open(tmp, "w").write(text)
        os.replace(tmp, path)
    else:
        print("\n".join(t))
        print()
        print("\n".join(o))


def r_get(r, k):
    v = r.get(k)
    return "?" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))


if __name__ == "__main__":
    main()
