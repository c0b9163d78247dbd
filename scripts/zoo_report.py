#!/usr/bin/env python3
"""The CIFAR-10 model zoo's accuracy runs (docs/RESULTS.md, "Convnets on CIFAR-10: the zoo"), from results/.

Standard library only. Usage: python3 scripts/zoo_report.py [--results DIR] [--queue FILE] [--write]
Prints markdown (with --write: puts it between the "zoo-cifar10" markers of docs/RESULTS.md): one row per zoo config
with its target, every finished seed (test accuracy at the best-validation epoch, the final epoch's test accuracy,
epochs, wall hours, CPU hours, threads), the runs still in flight (results/inflight/<config>-s<k>: epochs done and the
last test accuracy), and the verdict against the target:
- "met" / "not met" once a finished run exists (a target is on the mean over finished seeds);
- "running (epoch e of E, x %)" while the only run is in flight; "not run" otherwise.
Wall hours = the sum of metrics.csv's epoch_seconds (training + evaluation; a run resumed in another session counts
only the epochs it ran). CPU hours = the user + system seconds of every line of cpu_seconds.txt (scripts/run-queue.sh
writes one per start or resume). Queue runs use 1 thread with another training beside them, so their wall time is
not the 2-core figure; the 2-core wall time is projected from the CPU time and stated as a projection.
"""
import csv, json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BEGIN, END = "<!-- zoo-cifar10:begin -->", "<!-- zoo-cifar10:end -->"

# (config, target test accuracy % or None, anchor). Targets are the convnet milestones of the project (ResNet-20 float
# >= 89 % within 3 hours on 2 cores; binary ResNet-20 and binary VGG-small >= 80 %); anchors are the papers' numbers
# for bigger budgets ([C] checked against the paper's text, [R] recalled).
ZOO = [
    ("cifar10-resnet20", 89.0, "91.25 % (He et al. 2016, 50k images, 164 epochs) [R]"),
    ("cifar10-resnet20-binary", 80.0, "86.5 % (IR-Net, ResNet-20, Qin et al. 2020) [R]"),
    ("cifar10-resnet20-bireal-float", None, "real-valued twin of the binary ResNet-20 (stage 1 of two-stage training)"),
    ("cifar10-resnet20-binary-init", 80.0, "binary ResNet-20 started from its twin (Bi-Real Net's initialisation); 86.5 % IR-Net [R]"),
    ("cifar10-vgg-small-binary-w0.5", 80.0, "88.6 % full width, 500 epochs (BinaryNet, Hubara et al. 2016) [R]; FINN CNV (same channels, unpadded) W1A1 79.2 % [R]"),
    ("cifar10-vgg-small-binary-w0.25", None, "BinaryNet's VGG-small at width 1/4: the claims study's binary base"),
    ("cifar10-vgg-small-w0.25", None, "float reference of the binary VGG-small"),
    ("cifar10-resnet20-dorefa-w2a2", None, "DoReFa W2A2 (Zhou et al. 2016): no CIFAR-10 ResNet-20 number"),
    ("cifar10-resnet20-dorefa-w1a2", None, "DoReFa W1A2 (Zhou et al. 2016): no CIFAR-10 ResNet-20 number"),
    ("cifar10-mobilenet-small", None, "depthwise-separable net, no paper number"),
]
WALL_LIMIT_H = 3.0   # "within 3 hours on 2 cores" (ResNet-20 float)


def cpu_hours(run_dir):
    """User + system hours over every line of cpu_seconds.txt, or None without the file."""
    path = os.path.join(run_dir, "cpu_seconds.txt")
    if not os.path.exists(path):
        return None
    total = 0.0
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and all(re.fullmatch(r"[0-9.]+", p) for p in parts[:2]):
                total += float(parts[0]) + float(parts[1])
    return total / 3600.0


def metrics(run_dir):
    """metrics.csv rows as dicts of floats (empty list without the file)."""
    path = os.path.join(run_dir, "metrics.csv")
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return [{k: (float(v) if v not in ("", None) else None) for k, v in row.items()} for row in csv.DictReader(f)]


def finished_runs(results, config):
    """Finished seeds of a config: dicts with seed, epochs, acc (best-val epoch), final, wall_h, cpu_h, threads."""
    runs = []
    folder = os.path.join(results, config)
    if not os.path.isdir(folder):
        return runs
    for name in sorted(os.listdir(folder)):
        m = re.fullmatch(r"seed(\d+)", name)
        path = os.path.join(folder, name, "result.json")
        if not m or not os.path.exists(path):
            continue
        with open(path) as f:
            r = json.load(f)
        rows = metrics(os.path.join(folder, name))
        wall = sum(row.get("epoch_seconds") or 0.0 for row in rows) / 3600.0 if rows else r.get("train_seconds", 0) / 3600.0
        runs.append({
            "seed": int(m.group(1)), "epochs": r.get("epochs"), "acc": 100.0 * r["test_accuracy"],
            "final": 100.0 * r.get("final_test_accuracy", r["test_accuracy"]), "best_epoch": r.get("best_epoch"),
            "wall_h": wall, "cpu_h": cpu_hours(os.path.join(folder, name)), "threads": r.get("threads"),
        })
    return runs


def inflight_runs(results, queue_lines):
    """Runs parked in results/inflight/ as {config: [(seed, epochs done, planned epochs, last test %), ...]}."""
    found = {}
    folder = os.path.join(results, "inflight")
    if not os.path.isdir(folder):
        return found
    for name in sorted(os.listdir(folder)):
        m = re.fullmatch(r"(.+)-s(\d+)", name)
        if not m or not os.path.isdir(os.path.join(folder, name)):
            continue
        rows = metrics(os.path.join(folder, name))
        planned = queue_lines.get((m.group(1), int(m.group(2))))
        last = rows[-1] if rows else None
        found.setdefault(m.group(1), []).append((int(m.group(2)), int(last["epoch"]) if last else 0, planned,
                                                 100.0 * last["test_accuracy"] if last and last.get("test_accuracy") is not None else None))
    return found


def queue(path):
    """{(config, seed): epochs} of a queue file."""
    lines = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.split("#", 1)[0].split()
                if len(parts) >= 3:
                    lines[(parts[0], int(parts[1]))] = int(parts[2])
    return lines


def mean_sd(values):
    n = len(values)
    mean = sum(values) / n
    sd = (sum((v - mean) ** 2 for v in values) / (n - 1)) ** 0.5 if n > 1 else None
    return mean, sd


def verdict(target, runs, inflight):
    if runs:
        if target is None:
            return "no target"
        mean, _ = mean_sd([r["acc"] for r in runs])
        return "met" if mean >= target else "not met"
    if inflight:
        seed, done, planned, acc = inflight[0]
        where = f"epoch {done} of {planned}" if planned else f"epoch {done}"
        return f"running ({where}, {acc:.2f} % test)" if acc is not None else f"running ({where})"
    return "not run"


def fmt(x, spec="{:.2f}"):
    return "-" if x is None else spec.format(x)


def report(results, queue_path):
    lines_q = queue(queue_path)
    inflight = inflight_runs(results, lines_q)
    out = ["| config | target | anchor | seeds | test acc. % (best-val epoch) mean +- sd | final-epoch acc. % | epochs "
           "| wall h per run | CPU h per run | verdict |", "|---|---|---|---|---|---|---|---|---|---|"]
    detail = []
    for config, target, anchor in ZOO:
        runs = finished_runs(results, config)
        fl = inflight.get(config, [])
        if runs:
            mean, sd = mean_sd([r["acc"] for r in runs])
            acc = f"{mean:.2f} +- {sd:.2f}" if sd is not None else f"{mean:.2f}"
            final = fmt(mean_sd([r["final"] for r in runs])[0])
            epochs = "/".join(sorted({str(r["epochs"]) for r in runs}))
            wall = fmt(mean_sd([r["wall_h"] for r in runs])[0])
            cpus = [r["cpu_h"] for r in runs if r["cpu_h"] is not None]
            cpu = fmt(mean_sd(cpus)[0]) if cpus else "-"
            seeds = f"{len(runs)} ({','.join(str(r['seed']) for r in runs)})"
        else:
            acc = final = epochs = wall = cpu = "-"
            seeds = "0"
        out.append(f"| {config} | {'-' if target is None else f'>= {target:g} %'} | {anchor} | {seeds} | {acc} | {final} "
                   f"| {epochs} | {wall} | {cpu} | {verdict(target, runs, fl)} |")
        for r in runs:
            detail.append(f"- {config} seed {r['seed']}: {r['acc']:.2f} % at epoch {r['best_epoch']} of {r['epochs']} "
                          f"(final {r['final']:.2f} %), {r['threads']} thread(s), wall {r['wall_h']:.2f} h, CPU "
                          f"{fmt(r['cpu_h'])} h; curve `results/{config}/seed{r['seed']}/metrics.csv`")
            if config == "cifar10-resnet20" and r["cpu_h"] is not None:
                detail.append(f"  - 2-core projection: {r['cpu_h']:.2f} CPU-hours at 1 thread; at a 2-thread speed-up s the "
                              f"run takes {r['cpu_h']:.2f}/s hours, within {WALL_LIMIT_H:g} hours for s >= "
                              f"{r['cpu_h'] / WALL_LIMIT_H:.2f}")
        for seed, done, planned, a in fl:
            detail.append(f"- {config} seed {seed}: in flight, {done} of {planned or '?'} epochs, last test accuracy "
                          f"{fmt(a)} % (`results/inflight/{config}-s{seed}/metrics.csv`)")
    return "\n".join(out + [""] + (detail or ["- no run yet"]))


def write(text, path):
    with open(path) as f:
        doc = f.read()
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"{path}: markers {BEGIN} / {END} not found")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(head + BEGIN + "\n" + text + "\n" + END + tail)
    os.replace(tmp, path)


def main(argv):
    results, queue_path, do_write = os.path.join(ROOT, "results"), os.path.join(ROOT, "scripts/queues/zoo-cifar10.txt"), False
    i = 0
    while i < len(argv):
        if argv[i] == "--results":
            results, i = argv[i + 1], i + 2
        elif argv[i] == "--queue":
            queue_path, i = argv[i + 1], i + 2
        elif argv[i] == "--write":
            do_write, i = True, i + 1
        else:
            raise SystemExit(f"zoo_report.py: unknown argument '{argv[i]}' (allowed: --results DIR, --queue FILE, --write)")
    text = report(results, queue_path)
    if do_write:
        write(text, os.path.join(ROOT, "docs", "RESULTS.md"))
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
