"""The tables run_all.sh prints from its JSON lines file, and the per-model summary of interleaved training windows.

  /usr/bin/python3 benchmarks/peers/peer_table.py RESULTS.jsonl LOWBIT_OK(0|1)

Training windows ("mode": "train-window") come in pairs: for each model, thread count and window index w, one PyTorch
window and one Lowbit window run back to back (A-B-B-A: PyTorch first for odd w, Lowbit first for even w), so that
host drift at a scale of minutes reaches both sides of a pair alike. Per model and thread count the summary gives
each peer's median window (and min-max), the ratio of the medians, and the ratio of each pair (median and min-max):
a wide pair range says the host moved within the run.
"""
import json
import statistics
import sys


def summarize_train(rows):
    """Per (model, threads), in first-seen order: a dict with each peer's window rates and the pairwise ratios.

    rows: parsed JSON lines; only "mode": "train-window" lines count. A window index with only one peer's window
    (the other failed) enters that peer's median but no pair.
    """
    groups = {}
    for r in rows:
        if r.get("mode") != "train-window":
            continue
        g = groups.setdefault((r["model"], r["threads"]), {"pytorch": {}, "lowbit": {}, "other_load": [], "alloc": []})
        g[r["peer"]][r["window"]] = r["images_per_second"]
        if r.get("other_cpu_load") is not None:
            g["other_load"].append(r["other_cpu_load"])
        if r["peer"] == "lowbit" and "allocated_bytes_per_step" in r:
            g["alloc"].append(r["allocated_bytes_per_step"])
    out = []
    for (model, threads), g in groups.items():
        s = {"model": model, "threads": threads, "windows": max(len(g["pytorch"]), len(g["lowbit"]))}
        for peer in ("pytorch", "lowbit"):
            rates = list(g[peer].values())
            s[peer] = _spread(rates)
        pairs = [g["lowbit"][w] / g["pytorch"][w] for w in sorted(g["pytorch"]) if w in g["lowbit"]]
        s["ratio_of_medians"] = s["lowbit"]["median"] / s["pytorch"]["median"] if s["lowbit"] and s["pytorch"] else None
        s["paired_ratio"] = _spread(pairs)
        s["other_load_max"] = max(g["other_load"]) if g["other_load"] else None
        s["lowbit_allocated_bytes_per_step_max"] = max(g["alloc"]) if g["alloc"] else None
        out.append(s)
    return out


def _spread(values):
    """{"median", "min", "max", "n"} of values, or None when there are none."""
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def _fmt(spread, digits):
    if spread is None:
        return "-"
    return f"{spread['median']:.{digits}f} [{spread['min']:.{digits}f}-{spread['max']:.{digits}f}]"


def train_table(rows, lowbit_ok):
    """Lines of the training table: interleaved windows when there are any, else PyTorch's own windows."""
    lines = []
    summary = summarize_train(rows)
    if summary:
        lines.append("Training throughput, batch 100, images/s: median [min-max] of the windows; PyTorch and Lowbit windows")
        lines.append("interleaved A-B-B-A per model and thread count, each window its own process after its own warm-up")
        lines.append(f"{'model':<16} {'thr':>3} {'pytorch img/s':>22} {'lowbit img/s':>22} {'ratio':>6}"
                     f" {'paired ratio':>18} {'other load':>10} {'lowbit B/step':>13}")
        for s in summary:
            ratio = "-" if s["ratio_of_medians"] is None else f"{s['ratio_of_medians']:.2f}"
            load = "-" if s["other_load_max"] is None else f"{s['other_load_max']:.2f}"
            alloc = s["lowbit_allocated_bytes_per_step_max"]
            lines.append(f"{s['model']:<16} {s['threads']:>3} {_fmt(s['pytorch'], 1):>22} {_fmt(s['lowbit'], 1):>22}"
                         f" {ratio:>6} {_fmt(s['paired_ratio'], 2):>18} {load:>10} {'-' if alloc is None else alloc:>13}")
        lines.append("ratio = Lowbit median / PyTorch median; paired ratio = Lowbit / PyTorch of the two windows of each pair;")
        lines.append("other load = the largest of the windows' CPU cores used by other processes; lowbit B/step = the largest")
        lines.append("managed allocation per timed step of a Lowbit window (flat across windows = nothing grows with the steps)")
        return lines
    lines.append("Training throughput (batch 100, images/s, median window)")
    lines.append(f"{'model':<16} {'thr':>3} {'pytorch img/s':>14} {'min':>9} {'max':>9} {'other load':>10}")
    for r in rows:
        if r.get("mode") == "train-throughput" and r.get("peer") == "pytorch":
            lines.append(f"{r['model']:<16} {r['threads']:>3} {r['images_per_second']:>14.1f} {r['images_per_second_min']:>9.1f}"
                         f" {r['images_per_second_max']:>9.1f} {r.get('other_cpu_load', float('nan')):>10.2f}")
    if not lowbit_ok:
        lines.append("lowbit bench not available")
    return lines


def infer_tables(rows):
    """Lines of the inference tables (PyTorch float MLP latency; lowbit bench infer against its targets)."""
    lines = []
    inf = [r for r in rows if r.get("mode") == "inference-latency"]
    if inf:
        lines += ["", "Inference latency, float MLP (median)",
                  f"{'thr':>3} {'batch':>5} {'ms/batch':>10} {'ms/image':>10} {'img/s':>10} {'other load':>10}"]
        for r in inf:
            lines.append(f"{r['threads']:>3} {r['batch']:>5} {r['ms_per_batch']:>10.4f} {r['ms_per_image']:>10.5f}"
                         f" {r['images_per_second']:>10.1f} {r.get('other_cpu_load', float('nan')):>10.2f}")
    lb_inf = [r for r in rows if r.get("peer") == "lowbit-infer" and r.get("bench") == "infer"]
    if not lb_inf:
        return lines
    lines += ["", "Packed inference, lowbit bench infer (µs per image). Targets: MLP (784 inputs): batch 1 >= 20x Lowbit float,",
              "batch 100 >= 10x Lowbit float, batch 1 >= 50x PyTorch; convnets: batch 1, 1 thread >= 10x ONNX Runtime float",
              f"{'model':<32} {'thr':>3} {'batch':>5} {'packed':>9} {'float':>10} {'x float':>8} {'ORT':>9} {'x ORT':>7}"
              f" {'pytorch':>9} {'x pytorch':>9}  targets"]
    nan = float("nan")
    for r in lb_inf:
        ok = []
        if r["layers"][0]["kind"].split()[0] in ("1", "4", "6"):  # an MLP
            need = 20 if r["batch"] == 1 else 10
            ok.append(f"float {'met' if r['speedup_vs_float'] >= need else 'NOT met'}")
            if r["batch"] == 1 and "speedup_vs_pytorch" in r:
                ok.append(f"pytorch {'met' if r['speedup_vs_pytorch'] >= 50 else 'NOT met'}")
        elif r["batch"] == 1 and r["threads"] == 1 and "speedup_vs_onnxruntime" in r:
            ok.append(f"ORT {'met' if r['speedup_vs_onnxruntime'] >= 10 else 'NOT met'}")
        lines.append(f"{r['model'][:32]:<32} {r['threads']:>3} {r['batch']:>5} {r['packed_us_per_image']:>9.2f}"
                     f" {r['float_us_per_image']:>10.2f} {r['speedup_vs_float']:>8.2f}"
                     f" {r.get('onnxruntime_us_per_image', nan):>9.2f} {r.get('speedup_vs_onnxruntime', nan):>7.2f}"
                     f" {r.get('pytorch_us_per_image', nan):>9.2f} {r.get('speedup_vs_pytorch', nan):>9.2f}  {', '.join(ok)}")
    for r in lb_inf:
        if r["threads"] == 1:
            lines.append(f"Per packed layer, {r['model']}, batch {r['batch']}, 1 thread (µs per image, share): " + "; ".join(
                f"{x['layer']}: {x['kind']} {x['us_per_image']:.1f} ({100 * x['share']:.0f} %)" for x in r["layers"]))
    for r in rows:
        if r.get("peer") == "lowbit-infer" and r.get("bench") == "pytorch-check":
            lines.append(f"PyTorch ran the exported graph: same class as Lowbit float on {r.get('same_class_as_lowbit_float')} of"
                         f" {r['images']} images ({r['checkpoint']})")
    for r in rows:
        if r.get("peer") == "lowbit-infer" and r.get("bench") == "kernels":
            x = r["xnor_gemm_1024_bit_macs_per_cycle_per_core"]
            lines.append(f"XNOR GEMM 1024^3: {x} bit-MACs/cycle/core (target >= 150: {'met' if x >= 150 else 'NOT met'}),"
                         f" clock {r['clock_ghz']} GHz, POPCNT {r['popcnt_bits_per_cycle']} bits/cycle")
    return lines


def main():
    path, lowbit_ok = sys.argv[1], sys.argv[2] == "1"
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    info = next((r for r in rows if r.get("mode") == "blas-info"), {})
    print(f"BLAS: {info.get('openblas_config')} (core {info.get('openblas_corename')}), torch {info.get('torch')}")
    print()
    print("\n".join(train_table(rows, lowbit_ok) + infer_tables(rows)))
    print()
    print("other load = CPU cores used by other processes while timing (0 = clean; >0.2 = numbers contaminated)")
    print(f"raw: {path}")


if __name__ == "__main__":
    main()
