#!/usr/bin/env python3
"""Language-model results: the perplexity table and the claims checked on it, from results/<config>/seed<k>/result.json.

Standard library only. Usage: python3 scripts/lm_results_table.py [results_dir] [--write]
(--write replaces the blocks between <!-- lm-table:begin/end --> and <!-- lm-claims:begin/end --> in docs/RESULTS.md).
Perplexity = test perplexity at the epoch of the lowest validation perplexity (result.json "test_perplexity"), per word
(PTB) or per character. Only runs whose result.json has "perplexity_per" are read (image runs: results_table.py).

Claims, each on the seeds present (at least 3 per side, else "needs 3 seeds"), judged by scripts/claimstats.py
(Welch's test, docs/RESULTS.md "How verdicts are decided"): "~" equivalence within +-m % of mean(b) (the 90 %
interval of mean(a) - mean(b) inside the margin), "<" a better (lower perplexity) than b (one-sided p < 0.05).
"""
import json, math, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import claimstats  # noqa: E402

# (a, relation, b, margin %, what)
CLAIMS = [
    ("ptb-lstm-w4a4", "~", "ptb-lstm-float", 5.0, "QNN: 4-bit weights and activations ~= float (within 5 %)"),
    ("ptb-lstm-balanced-w4a4", "~", "ptb-lstm-float", 5.0, "balanced 4-bit ~= float (within 5 %)"),
    ("ptb-lstm-balanced-w2a2", "<", "ptb-lstm-w2a2", 0.0, "balanced quantization beats uniform at 2 bits"),
    ("ptb-lstm-balanced-w3a3", "<", "ptb-lstm-w3a3", 0.0, "balanced quantization beats uniform at 3 bits"),
    ("ptb-lstm-balanced-w4a4", "<", "ptb-lstm-w4a4", 0.0, "balanced quantization beats uniform at 4 bits"),
    ("ptb-lstm-w3a3", "<", "ptb-lstm-w2a2", 0.0, "3 bits better than 2 bits (uniform)"),
]

PAPER = {
    "ptb-lstm-float": "ternary-LSTM literature, same size: float 97.2; 89.8 in its own 3/3-bit setting",
    "ptb-lstm-w2a2": "ternary weights 110.3 (vs float 97.2)",
    "ptb-lstm-w3a3": "3/3 bits 87.9 (vs float 89.8, its own setting)",
    "ptb-lstm-w4a4": "QNN: 4 bits comparable to float",
}


def load(root):
    runs = {}
    for cfg in sorted(os.listdir(root)):
        d = os.path.join(root, cfg)
        if not os.path.isdir(d):
            continue
        for sd in sorted(os.listdir(d)):
            rj = os.path.join(d, sd, "result.json")
            if os.path.exists(rj):
                r = json.load(open(rj))
                if "perplexity_per" in r:
                    runs.setdefault((cfg, r["epochs"]), []).append(r)
    return runs


def table(runs):
    out = ["| config | epochs | seeds | test perplexity mean | sd | min-max | val perplexity mean | train s/epoch (mean) | w / h / gate bits | paper |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for (cfg, ep), rs in sorted(runs.items()):
        ppl = [r["test_perplexity"] for r in rs]
        m, sd = claimstats.mean_sd(ppl)
        val = claimstats.mean_sd([r["best_val_perplexity"] for r in rs])[0]
        seeds = ",".join(str(r["seed"]) for r in sorted(rs, key=lambda r: r["seed"]))
        spe = sum(r["train_seconds_per_epoch"] for r in rs) / len(rs)
        bits = f"{rs[0]['recurrent_weight_bits']:g} / {rs[0]['hidden_bits']:g} / {rs[0]['gate_bits']:g}"
        out.append(f"| {cfg} | {ep} | {len(rs)} ({seeds}) | {m:.2f} | {'-' if math.isnan(sd) else f'{sd:.2f}'} | "
                   f"{min(ppl):.2f}-{max(ppl):.2f} | {val:.2f} | {spe:.0f} | {bits} | {PAPER.get(cfg, '-')} |")
    return out


def claims(runs):
    by_cfg = {}
    for (cfg, _), rs in runs.items():
        by_cfg.setdefault(cfg, []).extend(r["test_perplexity"] for r in rs)
    out = ["| claim | a | b | a mean (n) | b mean (n) | a - b | 90 % CI of a - b | Welch p | verdict |", "|---|---|---|---|---|---|---|---|---|"]
    for a, rel, b, margin, what in CLAIMS:
        if a not in by_cfg or b not in by_cfg:
            out.append(f"| {what} | {a} | {b} | - | - | - | - | - | not run |")
            continue
        xa, xb = by_cfg[a], by_cfg[b]
        ma, mb = claimstats.mean_sd(xa)[0], claimstats.mean_sd(xb)[0]
        head = f"| {what} | {a} | {b} | {ma:.2f} ({len(xa)}) | {mb:.2f} ({len(xb)}) | {ma - mb:+.2f} |"
        if len(xa) < 3 or len(xb) < 3:
            out.append(f"{head} - | - | needs 3 seeds per side |")
            continue
        m = margin / 100 * mb
        verdict, p, (lo, hi), note = claimstats.verdict(xa, xb, rel, m)
        ci = f"[{lo:+.2f}, {hi:+.2f}]"
        verdict += (f" (margin +-{m:.2f})" if rel == "~" else "") + (f"; {note}" if note else "")
        out.append(f"{head} {ci} | {p:.3f} | {verdict} |")
    return out


def replace_between(text, begin, end, lines):
    i, j = text.index(begin), text.index(end)
    return text[: i + len(begin)] + "\n" + "\n".join(lines) + "\n" + text[j:]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "results")
    runs = load(root)
    t, c = table(runs), claims(runs)
    if "--write" in sys.argv:
        path = os.path.join(os.path.dirname(__file__), "..", "docs", "RESULTS.md")
        text = open(path).read()
        text = replace_between(text, "<!-- lm-table:begin -->", "<!-- lm-table:end -->", t)
        text = replace_between(text, "<!-- lm-claims:begin -->", "<!-- lm-claims:end -->", c)
        open(path + ".tmp", "w").write(text)
        os.replace(path + ".tmp", path)
    else:
        print("\n".join(t))
        print()
        print("\n".join(c))


if __name__ == "__main__":
    main()
