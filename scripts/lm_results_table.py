#!/usr/bin/env python3
"""Language-model results: the perplexity table and the claims checked on it, from results/<config>/seed<k>/result.json.

Standard library only. Usage: python3 scripts/lm_results_table.py [results_dir] [--write]
(--write replaces the blocks between <!-- lm-table:begin/end --> and <!-- lm-claims:begin/end --> in docs/RESULTS.md).
Perplexity = test perplexity at the epoch of the lowest validation perplexity (result.json "test_perplexity"), per word
(PTB) or per character. Only runs whose result.json has "perplexity_per" are read (image runs: results_table.py).

Claims, each on the seeds present (at least 3 per side, else "needs 3 seeds"):
- "A ~= B within m %": the 90 % Welch confidence interval of mean(A) - mean(B) against the margin +-m % of mean(B):
  reproduced if it lies inside, not reproduced if it lies wholly outside, inconclusive otherwise (two one-sided tests).
- "A < B" (A better): reproduced if the Welch one-sided p < 0.05, not reproduced if the difference points the other
  way with p < 0.05, inconclusive otherwise; when 0.05 <= p < 0.2 the verdict asks for 5 seeds.
"""
import json, math, os, sys

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


def mean_sd(xs):
    m = sum(xs) / len(xs)
    return m, (math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else float("nan"))


def betainc(a, b, x):
    """Regularized incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes 6.4)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    if x > (a + 1) / (a + b + 2):
        return 1.0 - betainc(b, a, 1 - x)
    f, c, d = 1.0, 1.0, 0.0
    for i in range(400):
        m = i // 2
        num = 1.0 if i == 0 else (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)) if i % 2 == 0
                                  else -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)))
        d = 1.0 + num * d
        d = 1.0 / (d if abs(d) > 1e-300 else 1e-300)
        c = 1.0 + num / (c if abs(c) > 1e-300 else 1e-300)
        f *= c * d
        if abs(1.0 - c * d) < 1e-14:
            break
    return front * (f - 1.0) / a


def t_sf(t, df):
    """P(T > t) for Student's t with df degrees of freedom."""
    p = 0.5 * betainc(df / 2, 0.5, df / (df + t * t))
    return p if t > 0 else 1 - p


def t_quantile(q, df):
    lo, hi = -100.0, 100.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if 1 - t_sf(mid, df) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def welch(a, b):
    """Difference of means, its standard error and the Welch-Satterthwaite degrees of freedom."""
    (ma, sa), (mb, sb) = mean_sd(a), mean_sd(b)
    va, vb = sa * sa / len(a), sb * sb / len(b)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va * va / (len(a) - 1) + vb * vb / (len(b) - 1)) if se > 0 else float("inf")
    return ma - mb, se, df


def table(runs):
    out = ["| config | epochs | seeds | test perplexity mean | sd | min-max | val perplexity mean | train s/epoch (mean) | w / h / gate bits | paper |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for (cfg, ep), rs in sorted(runs.items()):
        ppl = [r["test_perplexity"] for r in rs]
        m, sd = mean_sd(ppl)
        val = mean_sd([r["best_val_perplexity"] for r in rs])[0]
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
        ma, mb = mean_sd(xa)[0], mean_sd(xb)[0]
        head = f"| {what} | {a} | {b} | {ma:.2f} ({len(xa)}) | {mb:.2f} ({len(xb)}) | {ma - mb:+.2f} |"
        if len(xa) < 3 or len(xb) < 3:
            out.append(f"{head} - | - | needs 3 seeds per side |")
            continue
        d, se, df = welch(xa, xb)
        half = t_quantile(0.95, df) * se if se > 0 else 0.0
        ci = f"[{d - half:+.2f}, {d + half:+.2f}]"
        if rel == "~":
            m = margin / 100 * mb
            p = max(t_sf((d + m) / se, df), 1 - t_sf((d - m) / se, df)) if se > 0 else (0.0 if abs(d) < m else 1.0)
            verdict = ("reproduced" if -m < d - half and d + half < m else
                       "not reproduced" if d - half > m or d + half < -m else "inconclusive") + f" (margin +-{m:.2f})"
        else:
            p = t_sf(-d / se, df) if se > 0 else (0.0 if d < 0 else 1.0)
            verdict = ("reproduced" if p < 0.05 else "not reproduced" if 1 - p < 0.05 else
                       "inconclusive" + (": run 5 seeds" if p < 0.2 else ""))
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
