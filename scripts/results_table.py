#!/usr/bin/env python3
"""Print the markdown results table from results/<config>/seed<k>/{result.json,metrics.csv}.

Standard library only. Usage: python3 scripts/results_table.py [results_dir] [--write]   (--write: replace the table and orderings in docs/RESULTS.md)
Test error = test error at the best-validation epoch (result.json "test_error").
Spread = min-max over seeds (not std). Time = mean train_seconds per run (2 shared cores, noisy).
Runs that stopped before writing result.json are listed separately from their metrics.csv.
"""
import csv, json, math, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import claimstats  # noqa: E402

# Paper anchors: [C] a number the paper or its released code states; [R] a number recalled from the paper, unchecked.
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
    "mnist-dorefa-w2a2": "no MNIST number (DoReFa: expect <= 0.5 pp worse than W32A2)",
    "mnist-dorefa-w2a2g6": "no MNIST number",
    "mnist-xnor": "no MNIST number (ImageNet AlexNet 44.2 % top-1)",
    "mnist-balanced-w2": "no MNIST number (expect BQ >= uniform, gap largest at 2 bits)",
    "mnist-uniform-minmax-w2": "no MNIST number (baseline for BQ)",
    "fashion-mnist-hbb-1.4": "claim: 1.4-bit HBB ~= 2-bit > 1-bit (ImageNet) [C abstract]",
    "fashion-mnist-hbb-1.4-random": "claim: MO > random [R]",
    "fashion-mnist-hbb-1.4-magnitude": "claim: MO > magnitude [R]",
    "fashion-mnist-residual-w1a2": "HBB baseline (1-bit)",
    "fashion-mnist-residual-w2a2": "HBB baseline (2-bit)",
    "fashion-mnist-bnnplus": "claim: small gain (<= 1 %) or parity vs STE",
    "fashion-mnist-ste": "BNN on Fashion: ~85-88 % acc expected for binary MLPs",
    "mnist-ste": "plain STE baseline for BNN+",
    "mnist-bnnplus": "claim: small gain (<= 1 %) or parity vs STE",
    "mnist-dorefa-w32a2": "reference for W1A2/W2A2",
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
    "fashion-mnist-hbb-1.4-rflh": "claim: 1.4-bit HBB ~= 2-bit > 1-bit; first and last layers real",
    "fashion-mnist-residual-w1a2-rflh": "HBB baseline (1-bit); first and last layers real",
    "fashion-mnist-residual-w2a2-rflh": "HBB baseline (2-bit); first and last layers real",
    "fashion-mnist-w128-hbb-1.4-rflh": "claim: 1.4-bit HBB ~= 2-bit > 1-bit; 3x128 MLP, first and last layers real",
    "fashion-mnist-w128-residual-w1a2-rflh": "HBB baseline (1-bit); 3x128 MLP, first and last layers real",
    "fashion-mnist-w128-residual-w2a2-rflh": "HBB baseline (2-bit); 3x128 MLP, first and last layers real",
    "mnist-hbb-1.4-deploy-trm": "ours: HBB 1.4, frozen activation means also in training (train_means running), packable",
    "mnist-hbb-1.4-deploy": "ours: HBB 1.4 with frozen (running) activation means, packable",
    "mnist-bc-stoch-e20": "1.18 % (BC README, 3x2048, 250 ep) [C]; 20 epochs",
    "mnist-bc-det-e20": "1.29 % (BC paper) [R]; 20 epochs",
    "fashion-mnist-bnnplus-noreg": "BNN+ ablation: SignSwish + alpha, no regulariser",
    "fashion-mnist-bnnplus-r1": "BNN+ ablation: R1 regulariser instead of R2",
    "fashion-mnist-bnnplus-wbeta1": "ours: BNN+ with weight surrogate beta 1 (activations beta 5)",
    "mnist-bnnplus-wbeta1": "ours: BNN+ with weight surrogate beta 1 (activations beta 5)",
    "mnist-pact-w2a2-a3": "no MNIST number (PACT); clip alpha initialised at 3 instead of 10",
    # Low-precision arithmetic (Courbariaux, Bengio, David 2015, arXiv 1412.7024): PI-MNIST test errors as recalled, for
    # maxout networks trained far longer; docs/ARITHMETIC.md.
    "mnist-lowprec-float32": "1.05 % (low-precision arithmetic paper, float32, maxout) [R]",
    "mnist-lowprec-float16": "1.10 % (low-precision arithmetic paper, float16) [R]",
    "mnist-lowprec-fixed-20-20": "1.39 % (low-precision arithmetic paper, fixed point 20/20) [R]",
    "mnist-lowprec-dfxp-10-12": "1.28 % (low-precision arithmetic paper, dfxp 10/12) [R]; claim: near float32",
    "fashion-mnist-lowprec-dfxp-10-12": "claim (low-precision arithmetic paper): dfxp 10/12 near float32",
    "cifar10-resnet20-sal-unshared": "claim: SAL > shift layer, >= conv, fewer parameters and FLOPs (SAL abstract) [C]; the paper's table not checked",
    "cifar10-resnet20-sal-shared": "claim: SAL > shift layer, >= conv (SAL abstract) [C]",
    "cifar10-resnet20-shift": "shift-layer baseline (Wu et al.); 30 epochs",
    "cifar10-resnet20-conv": "conv baseline for the SAL claim; 30 epochs",
    "fashion-mnist-resnet20-sal-unshared": "claim: SAL > shift layer, >= conv (SAL abstract, object recognition) [C]",
    "fashion-mnist-resnet20-sal-shared": "claim: SAL > shift layer, >= conv (SAL abstract) [C]",
    "fashion-mnist-resnet20-shift": "shift-layer baseline (Wu et al.); 10 epochs",
    "fashion-mnist-resnet20-conv": "conv baseline for the SAL claim; 10 epochs",
}

# The orderings the papers claim or imply, as (a, relation, b, margin in pp, what). Lower error is better.
# Relations (scripts/claimstats.py): "<" a better than b (one-sided Welch test); "le+" a no worse than b + margin
# (non-inferiority, 90 % interval); "~" a within +-margin of b (equivalence, 90 % interval, two one-sided tests).
BC, BNN, FM = "BinaryConnect (Courbariaux et al. 2015)", "BinaryNet (Hubara et al. 2016)", "few multiplications (Lin et al. 2016)"
DOREFA, BNNP = "DoReFa-Net (Zhou et al. 2016)", "BNN+ (Darabi et al. 2018)"
HBB, BQ, PDB = "HBB (Fromm et al. 2018)", "balanced quantization (Zhou et al. 2017)", "progressive bitwidth decrease"
LPA = "low-precision arithmetic (Courbariaux, Bengio, David 2015)"
SAL = "Shift Attention Layers (Hacene et al. 2019)"


def sal_orderings(dataset, epochs):
    """SAL's claim on one dataset: both SAL forms better than the fixed shift layer and no worse than conv + 0.5 pp."""
    name = f"{dataset}-resnet20"
    where = f"ResNet-20, {dataset}, {epochs} epochs"
    return [
        (f"{name}-sal-unshared", "<", f"{name}-shift", 0.0, f"{SAL} ({where}): unshared SAL better than shift layer"),
        (f"{name}-sal-shared", "<", f"{name}-shift", 0.0, f"{SAL} ({where}): shared SAL better than shift layer"),
        (f"{name}-sal-unshared", "le+", f"{name}-conv", 0.5, f"{SAL} ({where}): unshared SAL no worse than conv + 0.5 pp"),
        (f"{name}-sal-shared", "le+", f"{name}-conv", 0.5, f"{SAL} ({where}): shared SAL no worse than conv + 0.5 pp"),
    ]


ORDERINGS = [
    ("mnist-bc-stoch", "<", "mnist-bc-det", 0.0, f"{BC}: stochastic better than deterministic"),
    ("mnist-bc-stoch-e20", "<", "mnist-bc-det-e20", 0.0, f"{BC}: stochastic better than deterministic, 20 epochs"),
    ("mnist-binarynet-shift", "le+", "mnist-binarynet", 0.3, f"{BNN}: shift batch norm + shift AdaMax no worse than BinaryNet + 0.3 pp"),
    ("mnist-fm-ternary", "<", "mnist-fm-binary", 0.0, f"{FM}: ternary better than binary"),
    ("mnist-fm-binary", "le+", "mnist-mlp-float", 0.3, f"{FM}: binary no worse than float + 0.3 pp"),
    ("mnist-dorefa-w2a2", "le+", "mnist-dorefa-w32a2", 0.5, f"{DOREFA}: W2A2 no worse than W32A2 + 0.5 pp"),
    ("mnist-dorefa-w1a2", "le+", "mnist-dorefa-w32a2", 0.5, f"{DOREFA}: W1A2 no worse than W32A2 + 0.5 pp"),
    ("mnist-dorefa-w2a2g6", "le+", "mnist-dorefa-w2a2", 0.5, f"{DOREFA}: 6-bit gradients cost at most 0.5 pp"),
    ("mnist-bnnplus", "le+", "mnist-ste", 0.2, f"{BNNP}: no worse than plain STE + 0.2 pp, MNIST"),
    ("fashion-mnist-bnnplus", "le+", "fashion-mnist-ste", 0.3, f"{BNNP}: no worse than plain STE + 0.3 pp, Fashion"),
    ("fashion-mnist-hbb-1.4", "le+", "fashion-mnist-residual-w2a2", 0.3, f"{HBB}: 1.4-bit matches 2-bit (no worse + 0.3 pp)"),
    ("fashion-mnist-hbb-1.4", "<", "fashion-mnist-residual-w1a2", 0.0, f"{HBB}: 1.4-bit better than 1-bit"),
    ("fashion-mnist-residual-w2a2", "<", "fashion-mnist-residual-w1a2", 0.0, f"{HBB}: 2-bit better than 1-bit (the premise)"),
    ("fashion-mnist-hbb-1.4", "<", "fashion-mnist-hbb-1.4-random", 0.0, f"{HBB}: Middle-Out better than random selection"),
    ("fashion-mnist-hbb-1.4", "<", "fashion-mnist-hbb-1.4-magnitude", 0.0, f"{HBB}: Middle-Out better than magnitude selection"),
    ("fashion-mnist-w128-balanced-w2", "<", "fashion-mnist-w128-uniform-minmax-w2", 0.0, f"{BQ} (3x128 MLP): balanced better than uniform, 2-bit weights"),
    ("fashion-mnist-w128-balanced-w3", "<", "fashion-mnist-w128-uniform-minmax-w3", 0.0, f"{BQ} (3x128 MLP): balanced better than uniform, 3-bit weights"),
    ("fashion-mnist-w128-balanced-w4", "<", "fashion-mnist-w128-uniform-minmax-w4", 0.0, f"{BQ} (3x128 MLP): balanced better than uniform, 4-bit weights"),
    ("fashion-mnist-w128-pdb-432", "le+", "fashion-mnist-w128-dorefa-w3a2", 0.3, f"{PDB} (3x128 MLP): staircase 4-3-2-2 no worse than homogeneous 3-bit + 0.3 pp"),
    ("fashion-mnist-w128-pdb-211", "le+", "fashion-mnist-w128-dorefa-w1a2", 0.3, f"{PDB} (3x128 MLP): staircase 2-1-1-1 no worse than homogeneous 1-bit + 0.3 pp"),
    ("fashion-mnist-w128-pdb-auto-b2", "le+", "fashion-mnist-w128-dorefa-w2a2", 0.3, f"{PDB} (3x128 MLP): automatic at 2 bits no worse than homogeneous 2-bit + 0.3 pp"),
    ("mnist-w128-hbb-1.4", "le+", "mnist-w128-residual-w2a2", 0.3, f"{HBB} (MNIST 3x128 MLP): 1.4-bit matches 2-bit (no worse + 0.3 pp)"),
    ("mnist-w128-hbb-1.4", "<", "mnist-w128-residual-w1a2", 0.0, f"{HBB} (MNIST 3x128 MLP): 1.4-bit better than 1-bit"),
    ("mnist-w128-hbb-1.4", "<", "mnist-w128-hbb-1.4-random", 0.0, f"{HBB} (MNIST 3x128 MLP): Middle-Out better than random"),
    ("mnist-w128-hbb-1.4", "<", "mnist-w128-hbb-1.4-magnitude", 0.0, f"{HBB} (MNIST 3x128 MLP): Middle-Out better than magnitude"),
    ("fashion-mnist-cnn-hbb-1.4", "le+", "fashion-mnist-cnn-residual-w2a2", 0.3, f"{HBB} (small CNN, 3 epochs): 1.4-bit matches 2-bit (no worse + 0.3 pp)"),
    ("fashion-mnist-cnn-hbb-1.4", "<", "fashion-mnist-cnn-residual-w1a2", 0.0, f"{HBB} (small CNN, 3 epochs): 1.4-bit better than 1-bit"),
    ("fashion-mnist-cnn-residual-w2a2", "<", "fashion-mnist-cnn-residual-w1a2", 0.0, f"{HBB} (small CNN, 3 epochs): 2-bit better than 1-bit"),
    ("fashion-mnist-w128-hbb-1.4", "le+", "fashion-mnist-w128-residual-w2a2", 0.3, f"{HBB} (3x128 MLP): 1.4-bit matches 2-bit (no worse + 0.3 pp)"),
    ("fashion-mnist-w128-hbb-1.4", "<", "fashion-mnist-w128-residual-w1a2", 0.0, f"{HBB} (3x128 MLP): 1.4-bit better than 1-bit"),
    ("fashion-mnist-w128-residual-w2a2", "<", "fashion-mnist-w128-residual-w1a2", 0.0, f"{HBB} (3x128 MLP): 2-bit better than 1-bit"),
    ("fashion-mnist-w128-hbb-1.4", "<", "fashion-mnist-w128-hbb-1.4-random", 0.0, f"{HBB} (3x128 MLP): Middle-Out better than random"),
    ("fashion-mnist-w128-hbb-1.4", "<", "fashion-mnist-w128-hbb-1.4-magnitude", 0.0, f"{HBB} (3x128 MLP): Middle-Out better than magnitude"),
    # The HBB rows again with the first and last layers real (weights, and the last layer's input), as the HBB line of
    # work keeps them (scripts/first_last_configs.py).
    ("fashion-mnist-w128-hbb-1.4-rflh", "le+", "fashion-mnist-w128-residual-w2a2-rflh", 0.3, f"{HBB} (3x128 MLP, first and last layers real): 1.4-bit matches 2-bit (no worse + 0.3 pp)"),
    ("fashion-mnist-w128-hbb-1.4-rflh", "<", "fashion-mnist-w128-residual-w1a2-rflh", 0.0, f"{HBB} (3x128 MLP, first and last layers real): 1.4-bit better than 1-bit"),
    ("fashion-mnist-w128-residual-w2a2-rflh", "<", "fashion-mnist-w128-residual-w1a2-rflh", 0.0, f"{HBB} (3x128 MLP, first and last layers real): 2-bit better than 1-bit"),
    ("fashion-mnist-w128-hbb-1.4-rflh", "<", "fashion-mnist-w128-hbb-1.4-random-rflh", 0.0, f"{HBB} (3x128 MLP, first and last layers real): Middle-Out better than random"),
    ("fashion-mnist-w128-hbb-1.4-rflh", "<", "fashion-mnist-w128-hbb-1.4-magnitude-rflh", 0.0, f"{HBB} (3x128 MLP, first and last layers real): Middle-Out better than magnitude"),
    ("fashion-mnist-hbb-1.4-rflh", "le+", "fashion-mnist-residual-w2a2-rflh", 0.3, f"{HBB} (3x1024 MLP, first and last layers real): 1.4-bit matches 2-bit (no worse + 0.3 pp)"),
    ("fashion-mnist-hbb-1.4-rflh", "<", "fashion-mnist-residual-w1a2-rflh", 0.0, f"{HBB} (3x1024 MLP, first and last layers real): 1.4-bit better than 1-bit"),
    ("fashion-mnist-residual-w2a2-rflh", "<", "fashion-mnist-residual-w1a2-rflh", 0.0, f"{HBB} (3x1024 MLP, first and last layers real): 2-bit better than 1-bit"),
    ("mnist-lowprec-dfxp-10-12", "le+", "mnist-lowprec-float32", 0.3, f"{LPA}: dynamic fixed point 10/12 no worse than float32 + 0.3 pp, PI-MNIST"),
    ("mnist-lowprec-float16", "le+", "mnist-lowprec-float32", 0.3, f"{LPA}: float16 no worse than float32 + 0.3 pp, PI-MNIST"),
    ("fashion-mnist-lowprec-dfxp-10-12", "le+", "fashion-mnist-lowprec-float32", 0.5, f"{LPA}: dynamic fixed point 10/12 no worse than float32 + 0.5 pp, Fashion"),
    *sal_orderings("cifar10", 30),
    *sal_orderings("fashion-mnist", 10),
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
                if "test_error" not in r:
                    continue  # a language model (perplexity): scripts/lm_results_table.py
                done.setdefault((cfg, r.get("dataset", "?"), r["epochs"]), []).append(r)
            elif os.path.exists(mc):
                rows = list(csv.DictReader(open(mc)))
                if rows and "val_accuracy" in rows[0]:
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
    """Each claimed ordering with mean, sd, Welch p-value, 90 % interval of the difference and a verdict.

    The verdict rules are those of scripts/claimstats.py (docs/RESULTS.md, "How verdicts are decided").
    """
    by_cfg = {}
    for (cfg, _, _), rs in done.items():
        by_cfg.setdefault(cfg, []).extend(100 * r["test_error"] for r in rs)
    out = ["| claim | a | b | a % mean +- sd (n) | b % mean +- sd (n) | d = a - b (pp) | p | 90 % CI of d (pp) | margin (pp) | verdict |",
           "|---|---|---|---|---|---|---|---|---|---|"]

    def cell(xs):
        if xs is None:
            return "not run"
        m, sd = claimstats.mean_sd(xs)
        return f"{m:.2f} ({len(xs)})" if len(xs) < 2 else f"{m:.2f} +- {sd:.2f} ({len(xs)})"

    for a, rel, b, m, what in ORDERINGS:
        ea, eb = by_cfg.get(a), by_cfg.get(b)
        margin = "-" if rel == "<" else f"{m:.1f}"
        if ea is None or eb is None:
            out.append(f"| {what} | {a} | {b} | {cell(ea)} | {cell(eb)} | - | - | - | {margin} | not run |")
            continue
        d = claimstats.mean_sd(ea)[0] - claimstats.mean_sd(eb)[0]
        v, p, ci, note = claimstats.verdict(ea, eb, rel, m)
        p_txt = "-" if p is None else f"{p:.3f}"
        ci_txt = "-" if ci is None else f"[{ci[0]:+.2f}, {ci[1]:+.2f}]"
        v_txt = v if not note else f"{v} ({note})"
        out.append(f"| {what} | {a} | {b} | {cell(ea)} | {cell(eb)} | {d:+.2f} | {p_txt} | {ci_txt} | {margin} | {v_txt} |")
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
