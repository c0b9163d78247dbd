#!/usr/bin/env python3
"""Tables for the low-precision arithmetic runs (docs/RESULTS.md, docs/ARITHMETIC.md), from results/*-lowprec-*/seed*/result.json.

Standard library only. Usage: python3 scripts/lowprec_report.py [results_dir]
Prints (markdown) per dataset: test error per format (mean, sd, seeds) with the difference to float32, its Welch
95 % confidence interval and p-value, and the verdict against the stated margin; then the MNIST propagation-bits
sweep with its knee. Test error = test error at the best-validation epoch (result.json "test_error").

Claim check: "format ~= float32" is reproduced when the whole 95 % CI of (error - float32 error) lies below the margin,
not reproduced when the whole CI lies above it, inconclusive otherwise. Knee: the fewest propagation bits from which
on every sweep point's mean error is within the margin of the float32 mean.
"""
import json, math, os, sys

MARGIN = {"mnist": 0.3, "fashion-mnist": 0.5}  # percentage points of test error
PAPER_PI_MNIST = {"float32": 1.05, "float16": 1.10, "fixed-20-20": 1.39, "dfxp-10-12": 1.28}  # recalled, arXiv 1412.7024 table
FORMATS = ["float32", "float16", "fixed-20-20", "dfxp-10-12"]


def betacf(a, b, x):
    """Continued fraction of the regularised incomplete beta function (modified Lentz)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d; d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c; c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d; d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c; c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return h


def betai(a, b, x):
    if x <= 0: return 0.0
    if x >= 1: return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    return front * betacf(a, b, x) / a if x < (a + 1) / (a + b + 2) else 1 - front * betacf(b, a, 1 - x) / b


def t_two_sided_p(t, df):
    return betai(df / 2, 0.5, df / (df + t * t))


def t_quantile(p, df):
    """t with P(T <= t) = p, by bisection."""
    lo, hi = 0.0, 1000.0
    target = 2 * (1 - p)  # two-sided tail
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_two_sided_p(mid, df) > target: lo = mid
        else: hi = mid
    return (lo + hi) / 2


def welch(a, b):
    """(difference of means a-b, 95 % CI low, high, p) for samples a, b (n >= 2 each)."""
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    va = sum((x - ma) ** 2 for x in a) / (len(a) - 1)
    vb = sum((x - mb) ** 2 for x in b) / (len(b) - 1)
    se2 = va / len(a) + vb / len(b)
    diff = ma - mb
    if se2 == 0: return diff, diff, diff, 0.0 if diff else 1.0
    df = se2 ** 2 / ((va / len(a)) ** 2 / (len(a) - 1) + (vb / len(b)) ** 2 / (len(b) - 1))
    t = diff / math.sqrt(se2)
    q = t_quantile(0.975, df)
    return diff, diff - q * math.sqrt(se2), diff + q * math.sqrt(se2), t_two_sided_p(abs(t), df)


def load(root):
    runs = {}
    for cfg in sorted(os.listdir(root)):
        if "-lowprec-" not in cfg: continue
        for s in sorted(os.listdir(os.path.join(root, cfg))):
            p = os.path.join(root, cfg, s, "result.json")
            if os.path.exists(p):
                r = json.load(open(p))
                runs.setdefault(cfg, []).append((r["seed"], 100 * r["test_error"], r.get("train_seconds", 0)))
    return runs


def stats(xs):
    m = sum(xs) / len(xs)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else float("nan")
    return m, sd


def verdict(lo, hi, margin):
    if hi < margin: return "reproduced"
    if lo > margin: return "not reproduced"
    return "inconclusive"


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "results"
    runs = load(root)
    for ds in ["mnist", "fashion-mnist"]:
        base = [e for _, e, _ in runs.get(f"{ds}-lowprec-float32", [])]
        margin = MARGIN[ds]
        print(f"\n{ds} (margin {margin} points)\n")
        print("| format | seeds | test error % mean | sd | - float32 (points) | 95 % CI | Welch p | within margin? | paper PI-MNIST |")
        print("|---|---|---|---|---|---|---|---|---|")
        for f in FORMATS:
            xs = [e for _, e, _ in runs.get(f"{ds}-lowprec-{f}", [])]
            if not xs: continue
            m, sd = stats(xs)
            paper = f"{PAPER_PI_MNIST[f]:.2f}" if ds == "mnist" else "-"
            seeds = ",".join(str(s) for s, _, _ in runs[f"{ds}-lowprec-{f}"])
            if f == "float32" or len(xs) < 2 or len(base) < 2:
                print(f"| {f} | {len(xs)} ({seeds}) | {m:.2f} | {sd:.2f} | - | - | - | - | {paper} |")
                continue
            d, lo, hi, p = welch(xs, base)
            print(f"| {f} | {len(xs)} ({seeds}) | {m:.2f} | {sd:.2f} | {d:+.2f} | [{lo:+.2f}, {hi:+.2f}] | {p:.3f} | {verdict(lo, hi, margin)} | {paper} |")
    sweep = []
    for cfg, rs in runs.items():
        if cfg.startswith("mnist-lowprec-dfxp-") and cfg.endswith("-12"):
            bits = int(cfg.split("-")[3])
            xs = [e for _, e, _ in rs]
            sweep.append((bits, stats(xs)[0], len(xs), xs))
    if sweep:
        base = [e for _, e, _ in runs.get("mnist-lowprec-float32", [])]
        ref = stats(base)[0] if base else float("nan")
        sweep.sort()
        print(f"\nMNIST sweep: dfxp propagation bits at 12-bit updates (float32 mean {ref:.2f} %, margin {MARGIN['mnist']})\n")
        print("| propagation bits | seeds | test error % mean | runs |")
        print("|---|---|---|---|")
        for bits, m, n, xs in sweep:
            print(f"| {bits} | {n} | {m:.2f} | {', '.join(f'{x:.2f}' for x in xs)} |")
        knee = None
        for i, (bits, m, _, _) in enumerate(sweep):
            if all(mm <= ref + MARGIN["mnist"] for _, mm, _, _ in sweep[i:]):
                knee = bits
                break
        print(f"\nknee: {knee} propagation bits (fewest bits from which every mean is within {MARGIN['mnist']} points of float32)")


if __name__ == "__main__":
    main()
