#!/usr/bin/env python3
"""Tables for the low-precision arithmetic runs (docs/RESULTS.md, docs/ARITHMETIC.md), from results/*-lowprec-*/.

Standard library only. Usage: python3 scripts/lowprec_report.py [--results DIR] [--queue FILE] [--write | --summary]
Prints markdown (or, with --write, puts it between the "lowprec" markers of docs/RESULTS.md):
- per dataset, test error per format (mean +- sd over seeds, the runs) and the claim "format no worse than float32 +
  margin" judged by scripts/claimstats.py (non-inferiority: Welch's 90 % interval of error - float32 error);
- the MNIST propagation-bits sweep (dynamic fixed point, 12-bit updates) with its knee;
- the radix points of the MNIST dfxp 10/12 runs (after range initialisation, range during training, final);
- the lines of the queue file that have no result yet.
--summary prints "float32-mean float32-mean+margin knee final|provisional" (PI-MNIST) for scripts/plots.sh.
Test error = test error at the best-validation epoch (result.json "test_error").

Knee of the curve: the fewest propagation bits from which on every measured sweep point's mean error is within the
margin of the widest point's (where the curve has flattened); also reported against the float32 mean (the first
definition, which no width meets if the 12-bit updates alone cost more than the margin). Margins (percentage points)
were set before the runs: 0.3 on MNIST, 0.5 on Fashion-MNIST.
"""
import csv, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import claimstats  # noqa: E402

MARGIN = {"mnist": 0.3, "fashion-mnist": 0.5}
PAPER_PI_MNIST = {"float32": 1.05, "float16": 1.10, "fixed-20-20": 1.39, "dfxp-10-12": 1.28}  # recalled (arXiv 1412.7024)
FORMATS = ["float32", "float16", "fixed-20-20", "dfxp-10-12"]
VARIANTS = {"mnist": ["dfxp-10-12-sr"]}  # ours: dfxp 10/12 with stochastic rounding of the stored weights and biases
QUANTITIES = ["z", "y", "W", "b", "dE/dz", "dE/dy", "dE/dW", "dE/db", "vW", "vb"]
BEGIN, END = "<!-- lowprec:begin -->", "<!-- lowprec:end -->"


def load(root):
    """{config: [(seed, test error %, epochs, result.json dict, run folder)]} for every *-lowprec-* run with a result."""
    runs = {}
    for cfg in sorted(os.listdir(root)):
        if "-lowprec-" not in cfg:
            continue
        for s in sorted(os.listdir(os.path.join(root, cfg))):
            folder = os.path.join(root, cfg, s)
            p = os.path.join(folder, "result.json")
            if os.path.exists(p):
                r = json.load(open(p))
                runs.setdefault(cfg, []).append((r["seed"], 100 * r["test_error"], r["epochs"], r, folder))
    for rs in runs.values():
        rs.sort(key=lambda t: t[0])
    return runs


def errors(runs, cfg):
    return [e for _, e, _, _, _ in runs.get(cfg, [])]


def cell(xs):
    if not xs:
        return "not run"
    m, sd = claimstats.mean_sd(xs)
    return f"{m:.2f} +- {sd:.2f}" if len(xs) > 1 else f"{m:.2f}"


def format_table(runs, ds):
    margin = MARGIN[ds]
    base = errors(runs, f"{ds}-lowprec-float32")
    out = [f"| format | seeds | test error % mean +- sd | runs (seed order) | d = format - float32 (pp) | 90 % CI of d | p (d < {margin}) | verdict: no worse than float32 + {margin} pp | paper PI-MNIST % |",
           "|---|---|---|---|---|---|---|---|---|"]
    for f in FORMATS + VARIANTS.get(ds, []):
        cfg = f"{ds}-lowprec-{f}"
        xs = errors(runs, cfg)
        paper = f"{PAPER_PI_MNIST[f]:.2f}" if ds == "mnist" and f in PAPER_PI_MNIST else "-"
        seeds = ",".join(str(s) for s, _, _, _, _ in runs.get(cfg, [])) or "-"
        listed = ", ".join(f"{x:.2f}" for x in xs) or "-"
        if f == "float32" or not xs:
            out.append(f"| {f} | {len(xs)} ({seeds}) | {cell(xs)} | {listed} | - | - | - | {'reference' if xs else 'not run'} | {paper} |")
            continue
        v, p, ci, note = claimstats.verdict(xs, base, "le+", margin)
        d = sum(xs) / len(xs) - sum(base) / len(base) if base else float("nan")
        ci_s = f"[{ci[0]:+.2f}, {ci[1]:+.2f}]" if ci else "-"
        p_s = f"{p:.3f}" if p is not None else "-"
        out.append(f"| {f} | {len(xs)} ({seeds}) | {cell(xs)} | {listed} | {d:+.2f} | {ci_s} | {p_s} | {v}{f' ({note})' if note else ''} | {paper} |")
    return out


def sweep_points(runs):
    """[(propagation bits, [errors])] of the MNIST dfxp sweep at 12-bit updates, sorted by bits."""
    pts = []
    for cfg, rs in runs.items():
        parts = cfg.split("-")
        if cfg.startswith("mnist-lowprec-dfxp-") and len(parts) == 5 and parts[4] == "12":
            pts.append((int(parts[3]), [e for _, e, _, _, _ in rs]))
    return sorted(pts)


def knee(points, ref, margin):
    """Fewest bits from which every point's mean error is <= ref + margin (None if not even the widest point is)."""
    for i, (bits, _) in enumerate(points):
        if all(sum(xs) / len(xs) <= ref + margin for _, xs in points[i:]):
            return bits
    return None


def sweep_table(runs, planned):
    pts = sweep_points(runs)
    base = errors(runs, "mnist-lowprec-float32")
    if not pts or not base:
        return ["(no sweep runs yet)"], None
    ref, margin = sum(base) / len(base), MARGIN["mnist"]
    out = [f"| propagation bits | seeds | test error % (mean) | runs | - float32 mean {ref:.2f} % (pp) |", "|---|---|---|---|---|"]
    for bits, xs in pts:
        m = sum(xs) / len(xs)
        out.append(f"| {bits} | {len(xs)} | {m:.2f} | {', '.join(f'{x:.2f}' for x in xs)} | {m - ref:+.2f} |")
    missing = sorted(set(planned) - {b for b, _ in pts})
    widest_bits, widest = pts[-1][0], sum(pts[-1][1]) / len(pts[-1][1])
    k_ref, k_curve = knee(pts, ref, margin), knee(pts, widest, margin)
    out.append("")
    if len(pts) < 2:
        out.append(f"Knee: not determined (one point measured; {', '.join(map(str, missing))} bits not measured yet).")
        return out, None
    so_far = f" among the points measured so far ({', '.join(map(str, missing))} bits not yet: provisional)" if missing else ""
    out.append(f"Knee of the curve{so_far}: **{k_curve} bits**, the fewest from which every wider point's mean is within "
               f"{margin} pp of the widest point's ({widest_bits} bits, {widest:.2f} %). Against float32 instead "
               f"(every wider point within {margin} pp of {ref:.2f} %): "
               + (f"{k_ref} bits." if k_ref is not None else "none: no measured width gets there with 12-bit updates."))
    return out, k_curve


def radix_rows(folder):
    """{group: (after range initialisation, min in training, max in training, changes in training, final)}."""
    by_group = {}
    with open(os.path.join(folder, "arithmetic.csv")) as f:
        for row in csv.DictReader(f):
            by_group.setdefault(row["group"], []).append((row["phase"], int(row["integer_bits"])))
    out = {}
    for g, rows in by_group.items():
        pre = [b for ph, b in rows if ph != "train"]
        train = [b for ph, b in rows if ph == "train"]
        start = pre[-1]
        seq = [start] + train
        changes = sum(1 for a, b in zip(seq, seq[1:]) if a != b)
        out[g] = (start, min(seq), max(seq), changes, seq[-1])
    return out


def radix_table(runs, cfg="mnist-lowprec-dfxp-10-12"):
    rs = runs.get(cfg, [])
    if not rs:
        return ["(no dfxp 10/12 run yet)"]
    seed, _, _, _, folder = rs[0]
    rows = radix_rows(folder)
    layers = sorted({g.split("/")[0] for g in rows})
    finals = [radix_rows(f) for _, _, _, _, f in rs]
    out = [f"Integer bits per group, seed {seed} ({'/'.join(layers)}); the last column compares the final radix points of seeds "
           f"{', '.join(str(s) for s, _, _, _, _ in rs)}.", "",
           "| quantity | after range init | min..max in training | changes in training | final | largest final difference between seeds |",
           "|---|---|---|---|---|---|"]
    for q in QUANTITIES:
        gs = [f"{l}/{q}" for l in layers if f"{l}/{q}" in rows]
        if not gs:
            continue
        after = "/".join(str(rows[g][0]) for g in gs)
        rng = "/".join(f"{rows[g][1]}..{rows[g][2]}" for g in gs)
        ch = "/".join(str(rows[g][3]) for g in gs)
        fin = "/".join(str(rows[g][4]) for g in gs)
        spread = max(max(f[g][4] for f in finals) - min(f[g][4] for f in finals) for g in gs)
        out.append(f"| {q} | {after} | {rng} | {ch} | {fin} | {spread} |")
    return out


def queue_lines(queue):
    """The (config, seed, epochs) lines of a scripts/run-queue.sh queue file."""
    if not os.path.exists(queue):
        return []
    lines = [line.split() for line in open(queue)]
    return [(p[0], int(p[1]), int(p[2])) for p in lines if p and not p[0].startswith("#")]


def queued(queue, root):
    """Lines of the queue file whose result.json (for the same epochs) is not in root yet."""
    left = []
    for cfg, seed, epochs in queue_lines(queue):
        p = os.path.join(root, cfg, f"seed{seed}", "result.json")
        if not (os.path.exists(p) and json.load(open(p)).get("epochs") == epochs):
            left.append((cfg, seed, epochs))
    return left


def report(root, queue):
    runs = load(root)
    out = []
    for ds in ["mnist", "fashion-mnist"]:
        out += ["", f"**{'PI-MNIST' if ds == 'mnist' else 'Fashion-MNIST'}** (margin {MARGIN[ds]} pp):", ""]
        out += format_table(runs, ds)
    out += ["", "**Propagation-bits sweep** (PI-MNIST, dynamic fixed point, 12-bit updates; one seed per point, "
            "3 at 10 bits):", ""]
    planned = [int(c.split("-")[3]) for c, _, _ in queue_lines(queue) if c.startswith("mnist-lowprec-dfxp-")]
    table, _ = sweep_table(runs, planned)
    out += table
    out += ["", "**Radix points of the PI-MNIST dfxp 10/12 runs**:", ""]
    out += radix_table(runs)
    left = queued(queue, root)
    repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    out += ["", f"**Not finished** (running or queued in {os.path.relpath(queue, repo)}, {len(left)} line(s)): "
            + ("; ".join(f"{c} seed {s}" for c, s, _ in left) if left else "none") + "."]
    return out


def summary(root, queue):
    """(float32 mean %, float32 mean + margin, knee bits or "-", "final" or "provisional") for scripts/plots.sh."""
    runs = load(root)
    base = errors(runs, "mnist-lowprec-float32")
    pts = sweep_points(runs)
    if not base:
        return ["-", "-", "-", "provisional"]
    ref = sum(base) / len(base)
    k = knee(pts, sum(pts[-1][1]) / len(pts[-1][1]), MARGIN["mnist"]) if len(pts) > 1 else None
    planned = {int(c.split("-")[3]) for c, _, _ in queue_lines(queue) if c.startswith("mnist-lowprec-dfxp-")}
    done = "final" if planned <= {b for b, _ in pts} else "provisional"
    return [f"{ref:.2f}", f"{ref + MARGIN['mnist']:.2f}", "-" if k is None else str(k), done]


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.join(here, "..", "results")
    queue = os.path.join(here, "queues", "lowprec.txt")
    if "--results" in argv:
        root = argv[argv.index("--results") + 1]
    if "--queue" in argv:
        queue = argv[argv.index("--queue") + 1]
    if "--summary" in argv:
        print(" ".join(summary(root, queue)))
        return
    lines = report(root, queue)
    if "--write" not in argv:
        print("\n".join(lines))
        return
    path = os.path.join(here, "..", "docs", "RESULTS.md")
    text = open(path).read()
    i, j = text.index(BEGIN), text.index(END)
    text = text[: i + len(BEGIN)] + "\n" + "\n".join(lines).strip("\n") + "\n" + text[j:]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    print(f"wrote {os.path.relpath(path)}")


if __name__ == "__main__":
    main(sys.argv[1:])
