#!/usr/bin/env python3
"""The CIFAR-10 seed-claims study (docs/RESULTS.md, "Seed claims on convnets"), from results/cifar10-vgg-small-w0.25-*/.

Standard library only. Usage: python3 scripts/claims_report.py [--results DIR] [--queue FILE] [--configs DIR] [--write]
Prints markdown (with --write: puts it between the "claims-cifar10" markers of docs/RESULTS.md):
- one row per claim: the paper's number, Lowbit's (test error % mean +- sd, seeds) for both arms, Welch's p and the
  90 % interval of d = a - b, the verdict (scripts/claimstats.py), and the CPU-hours of the runs the row uses;
  a row whose arms have fewer seeds than planned says "running (k of n seeds)", one without any run "not run";
- PDB's weight memory: the quantized layers' weight bits, from result.json's layer_weight_bits times each layer's
  weight count (from the config's layer shapes; checked against result.json's weight_bits_avg);
- BitPruning's front: average bits vs test error per target and lambda, and where it bends;
- every run found (config, seed, epochs, error, bits, CPU time), the queue lines not finished, the seed-4/5 lines to
  append for rows whose p lands between 0.05 and 0.2, and the command that reruns each row.
Test error = test error at the best-validation epoch (result.json "test_error"), in %. CPU time = the user + system
seconds of every line of the run's cpu_seconds.txt (scripts/run-queue.sh writes one line per start or resume).

The margins and thresholds below were fixed on 2026-12-03, before any run of the study existed.
"""
import json, os, re, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import claimstats  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = "cifar10-vgg-small-w0.25-"
BEGIN, END = "<!-- claims-cifar10:begin -->", "<!-- claims-cifar10:end -->"
MARGIN = 0.5             # pp: every "no worse than" row (HBB 1.4 vs 2 bits, PDB's "comparable accuracy", BitPruning)
PDB_SAVING = 0.25        # PDB: at least 25 % less quantized-weight memory than the homogeneous arm
BP_BITS = 4.0            # BitPruning: a point at <= 4.0 average bits (the paper: 3.76) within MARGIN of float
MIN_SEEDS = 3
INPUT_SHAPE = (3, 32, 32)

# Papers, cited by key in the rows. [C]: checked against the paper's abstract (2026-12-03); [R]: recalled, unchecked.
PAPERS = {
    "HBB": "Fromm, Patel, Philipose, \"Heterogeneous Bitwidth Binarization in Convolutional Neural Networks\", NeurIPS 2018",
    "PDB": "Chu, Luo, Yang, Huang, \"Mixed-precision quantized neural networks with progressively decreasing bitwidth\", "
           "Pattern Recognition 111 (2021), arXiv 1912.12656",
    "BP": "Nikolić et al., \"BitPruning: Learning Bitlengths for Aggressive and Accurate Quantization\", arXiv 2002.03090",
    "BQ": "Zhou, Wang, Wen, He, Zou, \"Balanced Quantization: An Effective and Efficient Approach to Quantized Neural "
          "Networks\", JCST 32(4) 2017",
    "BNN+": "Darabi, Belbahri, Courbariaux, Partovi Nia, \"BNN+: Improved Binary Network Training\", arXiv 1812.11800",
    "BNN": "Hubara, Courbariaux, Soudry, El-Yaniv, Bengio, \"Binarized Neural Networks\", NIPS 2016",
    "XNOR": "Rastegari, Ordonez, Redmon, Farhadi, \"XNOR-Net\", ECCV 2016",
    "DoReFa": "Zhou, Wu, Ni, Zhou, Wen, Zou, \"DoReFa-Net\", arXiv 1606.06160",
}

# (claim, a, relation, b, paper number). Relations as in claimstats.verdict: "<" a better (lower error) than b,
# "le+" a no worse than b + MARGIN. Rows of PDB also need the memory saving; BitPruning rows are the bits target.
CLAIMS = [
    ("HBB: 1.4-bit (Middle-Out) matches 2-bit", "hbb-1.4", "le+", "residual-w2a2",
     "1.4 bits (1/2/3-bit mix) equals homogeneous 2-bit accuracy, AlexNet and MobileNet on ImageNet [C, HBB]"),
    ("HBB: 1.4-bit better than 1-bit", "hbb-1.4", "<", "residual-w1a2", "1.4 bits above 1 bit (accuracy superlinear in bits), ImageNet [R, HBB]"),
    ("HBB: 2-bit better than 1-bit (premise)", "residual-w2a2", "<", "residual-w1a2", "premise: 2-bit residual binarization beats 1-bit [R, HBB]"),
    ("HBB: Middle-Out better than random bit maps", "hbb-1.4", "<", "hbb-1.4-random", "Middle-Out beats random selection [R, HBB]"),
    ("HBB: Middle-Out better than magnitude bit maps", "hbb-1.4", "<", "hbb-1.4-magnitude",
     "Middle-Out beats magnitude selection [R, HBB]"),
    ("PDB: staircase 4-4-4-3-3-3-2 vs homogeneous 4-bit", "pdb-stair-4443332", "le+", "dorefa-w4a2",
     ">= 25 % less quantized-parameter memory at better or comparable accuracy (> 30 % in the arXiv version) [C, PDB]"),
    ("PDB: automatic (budget 3 bits) vs homogeneous 4-bit", "pdb-auto-b3", "le+", "dorefa-w4a2", "as above [C, PDB]"),
    ("PDB: staircase 2-2-2-2-2-1-1 vs homogeneous 2-bit", "pdb-stair-2222211", "le+", "dorefa-w2a2", "as above [C, PDB]"),
    ("PDB: automatic (budget 1.5 bits) vs homogeneous 2-bit", "pdb-auto-b1.5", "le+", "dorefa-w2a2", "as above [C, PDB]"),
    ("Balanced better than uniform, 2-bit weights", "balanced-w2", "<", "uniform-minmax-w2",
     "balanced > uniform; 4-bit GoogLeNet ImageNet top-5 error 12.7 % [C, BQ]; no CIFAR-10 number checked"),
    ("Balanced better than uniform, 3-bit weights", "balanced-w3", "<", "uniform-minmax-w3", "as above [C, BQ]"),
    ("Balanced better than uniform, 4-bit weights", "balanced-w4", "<", "uniform-minmax-w4", "as above [C, BQ]"),
    ("BitPruning (bits target, lambda 0.003) within 0.5 pp of float", "bitpruning-bits-lam0.003", "le+", "float",
     "3.76 average bits within 0.5 pp of float, ResNet-18 ImageNet (AlexNet 4.13 bits within 2.0 pp) [C, BP]"),
    ("BitPruning (bits target, lambda 0.03) within 0.5 pp of float", "bitpruning-bits-lam0.03", "le+", "float", "as above [C, BP]"),
    ("BNN+ better than BinaryNet", "bnnplus", "<", "binarynet",
     "CIFAR-10 VGG 91.3 % accuracy (AlexNet 86.5-87.4 % across arXiv versions); ImageNet AlexNet +4 pp over BNN [C, BNN+]; "
     "BinaryNet VGG-small 10.15-11.40 % error [R, BNN]"),
    ("XNOR-Net better than BinaryNet", "xnor", "<", "binarynet", "ImageNet AlexNet 44.2 % vs 27.9 % top-1 [R, XNOR]"),
    ("DoReFa W1A2 better than BinaryNet (2-bit activations)", "dorefa-w1a2", "<", "binarynet",
     "implied by 2- vs 1-bit activations; no CIFAR-10 number [R, DoReFa]"),
]
BP_TARGETS = ["bits", "memory", "bops"]
BP_LAMBDAS = ["0.003", "0.03", "0.3"]


def read_json(path):
    with open(path) as f:
        return json.load(f)


def read_config(path):
    """A config file with // comment lines, as lowbit reads it."""
    with open(path) as f:
        return json.loads(re.sub(r"^\s*//.*$", "", f.read(), flags=re.M))


def layer_weights(cfg, shape=INPUT_SHAPE):
    """Weight count of every dense/conv layer in order (biases and batch norm excluded), by walking the layer shapes."""
    c, h, w = shape
    flat, counts = None, []
    for layer in cfg["layers"]:
        t = layer["type"]
        if t == "conv2d":
            k, p, s = layer["kernel_size"], layer.get("padding", 0), layer.get("stride", 1)
            counts.append(c * layer["filters"] * k * k)
            c, h, w = layer["filters"], (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        elif t == "max_pool":
            ps = layer["pool_size"]
            h, w = h // ps, w // ps
        elif t == "flatten":
            flat = c * h * w
        elif t == "dense":
            n_in = flat if flat is not None else c * h * w
            counts.append(n_in * layer["units"])
            flat = layer["units"]
    return counts


def cpu_seconds(folder):
    """User + system seconds over every line of cpu_seconds.txt (None without the file)."""
    p = os.path.join(folder, "cpu_seconds.txt")
    if not os.path.exists(p):
        return None
    total = 0.0
    with open(p) as f:
        lines = f.read().splitlines()
    for line in lines:
        parts = line.split()
        if len(parts) >= 2:
            try:
                total += float(parts[0]) + float(parts[1])
            except ValueError:
                pass  # /usr/bin/time writes "Command exited with non-zero status" lines too
    return total


class Run:
    def __init__(self, arm, folder, result, counts):
        self.arm, self.folder, self.r = arm, folder, result
        self.seed, self.epochs = result["seed"], result["epochs"]
        self.error = 100.0 * result["test_error"]
        self.cpu = cpu_seconds(folder)
        self.bits_source = "none"
        self.qbits = self.qmem = self.layer_mean = None
        bits = result.get("layer_weight_bits")
        if bits and counts and len(bits) == len(counts):
            q = [(n, b) for n, b in zip(counts, bits) if b < 32]
            if q:
                self.qmem = sum(n * b for n, b in q)
                self.qbits = self.qmem / sum(n for n, _ in q)
                self.layer_mean = sum(b for _, b in q) / len(q)
                self.bits_source = "layer_weight_bits"
            # The per-layer bits and the config's shapes must give result.json's own average over all layers.
            avg = sum(n * b for n, b in zip(counts, bits)) / sum(counts)
            if "weight_bits_avg" in result and abs(avg - result["weight_bits_avg"]) > 1e-3:
                self.bits_source = f"layer_weight_bits (average {avg:.4f} != weight_bits_avg {result['weight_bits_avg']})"
        elif "weight_bits_avg" in result and counts and len(counts) > 2:
            # Older results: only the average over all layers. The study's quantized arms keep the first and last
            # layers real (32 bits), which gives the quantized layers' share exactly (not for the all-binary arms).
            real = counts[0] + counts[-1]
            self.qmem = result["weight_bits_avg"] * sum(counts) - 32 * real
            self.qbits = self.qmem / (sum(counts) - real)
            self.bits_source = "weight_bits_avg, first and last layers taken as 32-bit"


def load(root, configs):
    """{arm: [Run]} for every cifar10-vgg-small-w0.25-* run with a result.json, sorted by seed."""
    runs = {}
    if not os.path.isdir(root):
        return runs
    for cfg in sorted(os.listdir(root)):
        if not cfg.startswith(PREFIX):
            continue
        arm = cfg[len(PREFIX):]
        cpath = os.path.join(configs, cfg + ".json")
        counts = layer_weights(read_config(cpath)) if os.path.exists(cpath) else None
        for s in sorted(os.listdir(os.path.join(root, cfg))):
            folder = os.path.join(root, cfg, s)
            p = os.path.join(folder, "result.json")
            if os.path.exists(p):
                runs.setdefault(arm, []).append(Run(arm, folder, read_json(p), counts))
    for rs in runs.values():
        rs.sort(key=lambda r: r.seed)
    return runs


def queue_lines(queue):
    """[(config, seed, epochs, [key=value...])] of a scripts/run-queue.sh queue file."""
    if not queue or not os.path.exists(queue):
        return []
    out = []
    with open(queue) as f:
        text = f.read().splitlines()
    for line in text:
        p = line.split()
        if p and not p[0].startswith("#"):
            out.append((p[0], int(p[1]), int(p[2]), p[3:]))
    return out


def planned(queue):
    """{arm: sorted seeds} the queue plans."""
    out = {}
    for cfg, seed, _, _ in queue_lines(queue):
        if cfg.startswith(PREFIX):
            out.setdefault(cfg[len(PREFIX):], set()).add(seed)
    return {a: sorted(s) for a, s in out.items()}


def mean(xs):
    return sum(xs) / len(xs)


def cell(rs):
    if not rs:
        return "not run"
    m, sd = claimstats.mean_sd([r.error for r in rs])
    seeds = ",".join(str(r.seed) for r in rs)
    return f"{m:.2f} +- {sd:.2f} ({len(rs)}: {seeds})" if len(rs) > 1 else f"{m:.2f} (1: {seeds})"


def hours(rs):
    known = [r.cpu for r in rs if r.cpu is not None]
    if not rs:
        return "-"
    text = f"{sum(known) / 3600:.2f}"
    return text if len(known) == len(rs) else f"{text} ({len(rs) - len(known)} run(s) without cpu_seconds.txt)"


def memory_check(a, b):
    """(saving fraction of mean quantized-weight memory of a against b, text) or (None, reason)."""
    ma, mb = [r.qmem for r in a if r.qmem is not None], [r.qmem for r in b if r.qmem is not None]
    if not ma or not mb:
        return None, "memory unknown (neither layer_weight_bits nor weight_bits_avg)"
    saving = 1.0 - mean(ma) / mean(mb)
    bits = mean([r.qbits for r in a])
    return saving, f"{bits:.2f} vs {mean([r.qbits for r in b]):.2f} bits, {100 * saving:.1f} % less"


def judge(row, runs, plan):
    """The table cells of one claim row: (status/verdict, p, interval, d, extra, needs5)."""
    claim, a, rel, b, _ = row
    ra, rb = runs.get(a, []), runs.get(b, [])
    n = max([MIN_SEEDS] + [len(plan.get(x, [])) for x in (a, b)])
    k = min(len(ra), len(rb))
    extra = ""
    if a.startswith("pdb-"):
        saving, extra = memory_check(ra, rb) if ra and rb else (None, "")
    if not ra and not rb:
        return "not run", "-", "-", "-", extra, False
    if k < n:
        return f"running ({k} of {n} seeds)", "-", "-", "-", extra, False
    xa, xb = [r.error for r in ra], [r.error for r in rb]
    v, p, ci, note = claimstats.verdict(xa, xb, rel, MARGIN)
    d = mean(xa) - mean(xb)
    if a.startswith("pdb-") and (saving is None or saving < PDB_SAVING - 1e-9):
        v = "not reproduced (memory saving below 25 %)" if saving is not None else "inconclusive (memory unknown)"
    if note:
        v += f" ({note})"
    return v, f"{p:.3f}", f"[{ci[0]:+.2f}, {ci[1]:+.2f}]", f"{d:+.2f}", extra, bool(note)


def rerun_command(arms, runs, lines):
    """A shell command that retrains every seed of the row's arms (epochs and overrides as the queue or result.json)."""
    specs = []
    for arm in arms:
        ql = [(s, e, kv) for c, s, e, kv in lines if c == PREFIX + arm]
        seeds = sorted({s for s, _, _ in ql} | {r.seed for r in runs.get(arm, [])}) or [1, 2, 3]
        epochs = ql[0][1] if ql else (runs[arm][0].epochs if runs.get(arm) else "E")
        kv = ql[0][2] if ql else ["data.path=../shared/data/cifar10"]
        specs.append((arm, " ".join(map(str, seeds)), epochs, " ".join(f"--set {x}" for x in kv)))
    groups = {}
    for arm, seeds, epochs, sets in specs:  # arms of one claim share seeds, epochs and overrides: one loop
        groups.setdefault((seeds, epochs, sets), []).append(arm)
    return "; ".join(f"for c in {' '.join(a)}; do for s in {seeds}; do lowbit train --config configs/{PREFIX}$c.json "
                     f"--out runs/$c-s$s --set seed=$s --set threads=1 --set train.epochs={epochs} {sets}; done; done"
                     for (seeds, epochs, sets), a in groups.items())


def bp_front(runs):
    """[(bits, error, target, lambda, seeds)] of the BitPruning points with a result (seed means)."""
    pts = []
    for t in BP_TARGETS:
        for lam in BP_LAMBDAS:
            rs = runs.get(f"bitpruning-{t}-lam{lam}", [])
            if rs and all(r.qbits is not None for r in rs):
                pts.append((mean([r.qbits for r in rs]), mean([r.error for r in rs]), t, lam, rs))
    return sorted(pts, key=lambda p: (p[0], p[1]))


def bend(pts, ref):
    """The fewest-bits point within MARGIN of the float mean, and the next point with fewer bits (None if none)."""
    inside = [p for p in pts if p[1] <= ref + MARGIN]
    if not inside:
        return None, None
    best = min(inside, key=lambda p: (p[0], p[1]))
    below = [p for p in pts if p[0] < best[0]]
    return best, (max(below, key=lambda p: p[0]) if below else None)


def bp_summary(rows):
    """Verdict of "~3.8 average bits within 0.5 pp of float" from the judged BitPruning rows [(verdict, bits)]."""
    if all(v == "not run" for v, _ in rows):
        return "not run"
    if any(v.startswith("running") or v == "not run" for v, _ in rows):
        done = [v for v, _ in rows if not (v.startswith("running") or v == "not run")]
        return f"running ({len(done)} of {len(rows)} rows decided)"
    low = [(v, bits) for v, bits in rows if bits is not None and bits <= BP_BITS]
    if any(v.startswith("reproduced") for v, _ in low):
        return "reproduced"
    if low and all(v.startswith("not reproduced") for v, _ in low):
        return "not reproduced"
    return "inconclusive" + ("" if low else f" (no point at <= {BP_BITS:g} bits)")


def claims_table(runs, plan, lines):
    out = [f"| # | claim | paper | a: Lowbit test error % mean +- sd (seeds) | b | d = a - b (pp) | p | 90 % CI of d | "
           f"verdict | CPU-h (a + b) | notes |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    needs5, cmds, bp_rows = [], [], []
    for i, row in enumerate(CLAIMS, 1):
        claim, a, rel, b, paper = row
        v, p, ci, d, extra, flag = judge(row, runs, plan)
        ra, rb = runs.get(a, []), runs.get(b, [])
        rel_s = f"a no worse than b + {MARGIN} pp" if rel == "le+" else "a better than b"
        if a.startswith("bitpruning-"):
            bits = mean([r.qbits for r in ra]) if ra and all(r.qbits is not None for r in ra) else None
            bp_rows.append((v, bits))
            extra = f"{bits:.2f} average bits" if bits is not None else ""
        notes = "; ".join(x for x in (rel_s, extra) if x)
        out.append(f"| {i} | {claim} (`{a}` vs `{b}`) | {paper} | {cell(ra)} | {cell(rb)} | {d} | {p} | {ci} | {v} | "
                   f"{hours(ra + rb)} | {notes} |")
        if flag:
            needs5.append((a, b))
        cmds.append(f"{i}. `{rerun_command([a, b], runs, lines)}`")
    bp = bp_summary(bp_rows)
    out += ["", f"**BitPruning, \"~3.8 average bits within {MARGIN} pp of float\"** (rows 13-14; reproduced when a "
            f"point at <= {BP_BITS:g} average bits is no worse than float + {MARGIN} pp): **{bp}**."]
    return out, needs5, cmds


def front_table(runs):
    pts = bp_front(runs)
    base = runs.get("float", [])
    out = ["| target | lambda | seeds | average bits (quantized layers, by weight) | per-layer mean bits | layer bits (seed 1) | "
           "test error % | - float (pp) | CPU-h |", "|---|---|---|---|---|---|---|---|---|"]
    ref = mean([r.error for r in base]) if base else None
    for t in BP_TARGETS:
        for lam in BP_LAMBDAS:
            rs = runs.get(f"bitpruning-{t}-lam{lam}", [])
            if not rs:
                out.append(f"| {t} | {lam} | 0 | - | - | - | not run | - | - |")
                continue
            q = [r.qbits for r in rs if r.qbits is not None]
            lm = [r.layer_mean for r in rs if r.layer_mean is not None]
            e = mean([r.error for r in rs])
            dd = f"{e - ref:+.2f}" if ref is not None else "-"
            lb = "/".join(f"{b:g}" for b in rs[0].r.get("layer_weight_bits", []))
            out.append(f"| {t} | {lam} | {len(rs)} | {mean(q):.2f} | {mean(lm):.2f} | {lb} | {cell(rs)} | {dd} | {hours(rs)} |"
                       if q and lm else f"| {t} | {lam} | {len(rs)} | - | - | {lb} | {cell(rs)} | {dd} | {hours(rs)} |")
    out.append("")
    if ref is None or not pts:
        out.append("Bend of the front: not determined (float reference or BitPruning points missing).")
        return out
    best, below = bend(pts, ref)
    out.append(f"Float reference: {cell(base)}.")
    if best is None:
        out.append(f"Bend of the front: no point is within {MARGIN} pp of float.")
    else:
        tail = (f"; the next point down, {below[0]:.2f} bits ({below[2]}, lambda {below[3]}), costs {below[1] - ref:+.2f} pp"
                if below else "; no point with fewer bits was measured")
        out.append(f"Bend of the front: **{best[0]:.2f} bits** ({best[2]}, lambda {best[3]}, {best[1] - ref:+.2f} pp against "
                   f"float), the fewest bits within {MARGIN} pp of the float mean{tail}.")
    return out


def runs_table(runs, epochs):
    out = ["| config | seed | epochs | test error % | best epoch | weight bits (quantized layers) | CPU-h |", "|---|---|---|---|---|---|---|"]
    total, n = 0.0, 0
    for arm in sorted(runs):
        for r in runs[arm]:
            qb = f"{r.qbits:.2f}" if r.qbits is not None else "-"
            cpu = f"{r.cpu / 3600:.2f}" if r.cpu is not None else "-"
            total += r.cpu or 0.0
            n += 1
            if r.bits_source != "layer_weight_bits":
                qb += f" ({r.bits_source})"
            if r.arm in epochs and r.epochs != epochs[r.arm]:
                cpu += f" (left out: the queue plans {epochs[r.arm]} epochs)"
            out.append(f"| {PREFIX}{arm} | {r.seed} | {r.epochs} | {r.error:.2f} | {r.r.get('best_epoch', '-')} | {qb} | {cpu} |")
    if n == 0:
        return ["(no run finished yet)"]
    out += ["", f"{n} run(s), {total / 3600:.1f} CPU-hours in all."]
    return out


def unfinished(lines, root):
    left = []
    for cfg, seed, epochs, _ in lines:
        p = os.path.join(root, cfg, f"seed{seed}", "result.json")
        if not (os.path.exists(p) and read_json(p).get("epochs") == epochs):
            left.append((cfg, seed))
    return left


def seed_lines(pairs, runs, lines):
    """Queue lines for seeds 4 and 5 of both arms of each pair, as the arm's queue line (or result.json) has them."""
    queued = {" ".join([c, str(s), str(e)] + kv) for c, s, e, kv in lines}
    add = []
    for pair in pairs:
        for arm in pair:
            ql = [(e, kv) for c, _, e, kv in lines if c == PREFIX + arm]
            epochs, kv = ql[0] if ql else (runs[arm][0].epochs, ["data.path=../shared/data/cifar10"])
            for seed in (4, 5):
                line = " ".join([PREFIX + arm, str(seed), str(epochs)] + kv)
                if line not in queued and line not in add:
                    add.append(line)
    return add


def planned_epochs(lines):
    """{arm: epochs} of the queue (the first line of an arm gives its epochs)."""
    out = {}
    for cfg, _, epochs, _ in lines:
        if cfg.startswith(PREFIX):
            out.setdefault(cfg[len(PREFIX):], epochs)
    return out


def report(root, queue, configs):
    every, plan, lines = load(root, configs), planned(queue), queue_lines(queue)
    # Only runs with the queue's epochs enter the rows (an arm's seeds must be alike); the run list shows every run.
    ep = planned_epochs(lines)
    runs = {a: [r for r in rs if a not in ep or r.epochs == ep[a]] for a, rs in every.items()}
    table, needs5, cmds = claims_table(runs, plan, lines)
    out = ["", "Papers ([C] a number checked against the paper's abstract, [R] recalled, unchecked): "
           + "; ".join(f"{k}: {v}" for k, v in PAPERS.items()) + ".", ""] + table
    out += ["", "**BitPruning front** (average weight bits of the 7 quantized layers vs test error; the float reference "
            "is the same network and recipe):", ""] + front_table(runs)
    out += ["", "**Every run** of the study found in results/ (runs whose epochs differ from the queue's are listed "
            "but left out of the rows):", ""] + runs_table(every, ep)
    qname = os.path.relpath(queue, os.path.join(HERE, "..")) if queue else "-"
    left = unfinished(lines, root)
    by_arm = {}
    for c, s in left:
        by_arm.setdefault(c[len(PREFIX):], []).append(str(s))
    out += ["", f"**Not finished** ({qname}, {len(left)} of {len(lines)} line(s)): "
            + ("; ".join(f"{a} seed(s) {','.join(ss)}" for a, ss in by_arm.items()) if left else "none") + "."]
    if needs5:
        add = seed_lines(needs5, runs, lines)
        out += ["", "**Seeds 4-5 to append** to the queue (rows with p between 0.05 and 0.2; lines already queued are "
                "left out):", "", "```"] + add + ["```"]
    out += ["", "**Rerun a row** (from the main checkout, with `lowbit` the built CLI):", ""] + cmds
    return out


def replace_block(text, lines):
    """text with the lines put between the BEGIN and END markers (everything else unchanged)."""
    i, j = text.index(BEGIN), text.index(END)
    return text[: i + len(BEGIN)] + "\n" + "\n".join(lines).strip("\n") + "\n" + text[j:]


def main(argv):
    root = os.path.join(HERE, "..", "results")
    queue = os.path.join(HERE, "queues", "claims-cifar10.txt")
    configs = os.path.join(HERE, "..", "configs")
    for flag in ("--results", "--queue", "--configs"):
        if flag in argv:
            value = argv[argv.index(flag) + 1]
            root, queue, configs = (value, queue, configs) if flag == "--results" else \
                (root, value, configs) if flag == "--queue" else (root, queue, value)
    lines = report(root, queue, configs)
    if "--write" not in argv:
        print("\n".join(lines))
        return
    path = os.path.join(HERE, "..", "docs", "RESULTS.md")
    with open(path) as f:
        text = replace_block(f.read(), lines)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    print(f"wrote {os.path.relpath(path)}")


if __name__ == "__main__":
    main(sys.argv[1:])
