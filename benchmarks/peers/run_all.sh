#!/usr/bin/env bash
# Runs the PyTorch peers one after another with 1 and 2 threads and prints a table.
# When the Lowbit CLI supports `bench`, also runs the Lowbit side and prints Lowbit/PyTorch ratios: training
# throughput (`lowbit bench train`) and, unless --no-infer, packed inference (`lowbit bench infer`, its PyTorch peer
# in the same run) with the inference targets checked, so one run of the shipped executable covers both.
#
# Usage (from anywhere):  benchmarks/peers/run_all.sh [--steps S] [--windows W] [--threads "1 2"]
#                                                      [--models "mlp-float mlp-binary cnn-float cnn-binary
#                                                                 vgg-small-float vgg-small-binary resnet20-float resnet20-binary"]
#                                                      [--no-infer] [--no-lowbit] [--no-sgemm] [--wait-idle SECONDS]
#                                                      [--infer-checkpoint FILE ...] [--infer-images N]
# --infer-checkpoint: a packable checkpoint for `lowbit bench infer`, repeatable (default: the BinaryNet MLP of
#   configs/mnist-binarynet.json trained here for one epoch, about a minute; the timing does not depend on accuracy).
#   Each is timed packed, Lowbit float, ONNX Runtime float and PyTorch float (its ONNX graph) in one bench infer run;
#   the table checks the MLP targets for 784-input models and packed >= 10x ONNX Runtime at batch 1, 1 thread for
#   the others (the binary VGG-small target).
# --wait-idle S: before each timed run wait up to S seconds for other processes to go idle (<0.15 cores).
# Last, unless --no-sgemm: benchmarks/sgemm-ratio.sh with the same thread counts (numpy/OpenBLAS vs Lowbit SGEMM).
# Env: LOWBIT_ARTIFACTS=DIR  build the Lowbit CLI with --artifacts-path DIR (keeps src/*/bin,obj untouched)
#      LOWBIT_CLI_CMD="..."  replace the Lowbit CLI prefix (e.g. a stub, to test the hook)
#      LOWBIT_CONFIG_DIR=DIR  look configs up as DIR/<model>.json instead of the mapping in lowbit-configs.sh
# Output: table on stdout; raw JSON lines in benchmarks/peers/results/run-<UTC timestamp>.jsonl
#
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set by the environment on some processors) are unset together
# for the benchmark commands only, so OpenBLAS picks its kernel by its own CPU detection; the kernel it
# then runs is recorded as the first line of the results file (blas_info.py).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=lowbit-configs.sh
. "$HERE/lowbit-configs.sh"
PY=/usr/bin/python3
STEPS=50
WINDOWS=5
THREADS="1 2"
MODELS="mlp-float mlp-binary cnn-float cnn-binary vgg-small-float vgg-small-binary resnet20-float resnet20-binary"
RUN_INFER=1
RUN_LOWBIT=1
RUN_SGEMM=1
WAIT_IDLE=0
INFER_CHECKPOINTS=()
INFER_IMAGES=2000
while [ $# -gt 0 ]; do
    case "$1" in
        --steps) STEPS="$2"; shift 2 ;;
        --windows) WINDOWS="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --models) MODELS="$2"; shift 2 ;;
        --no-infer) RUN_INFER=0; shift ;;
        --no-lowbit) RUN_LOWBIT=0; shift ;;
        --no-sgemm) RUN_SGEMM=0; shift ;;
        --wait-idle) WAIT_IDLE="$2"; shift 2 ;;
        --infer-checkpoint) INFER_CHECKPOINTS+=("$2"); shift 2 ;;
        --infer-images) INFER_IMAGES="$2"; shift 2 ;;
        -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

# Benchmark environment: OpenBLAS core overrides removed (both together), nothing else changed.
BENCH_ENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)

mkdir -p "$HERE/results"
OUT="$HERE/results/run-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
: > "$OUT"

"${BENCH_ENV[@]}" "$PY" "$HERE/blas_info.py" | sed -n 's/^BLAS_SUMMARY //p' \
    | "$PY" -c 'import json,sys; d=json.loads(sys.stdin.read()); d["mode"]="blas-info"; print(json.dumps(d))' >> "$OUT"

echo "# PyTorch peers: steps/window=$STEPS windows=$WINDOWS threads=[$THREADS] $(date -u +%Y-%m-%dT%H:%M:%SZ)" >&2
for m in $MODELS; do
    for t in $THREADS; do
        echo "# train $m threads=$t" >&2
        "${BENCH_ENV[@]}" "$PY" "$HERE/torch_train.py" --model "$m" --threads "$t" \
            --steps "$STEPS" --windows "$WINDOWS" --wait-idle "$WAIT_IDLE" | tee -a "$OUT" >/dev/null
    done
done
if [ "$RUN_INFER" = 1 ]; then
    for t in $THREADS; do
        echo "# infer mlp-float threads=$t" >&2
        "${BENCH_ENV[@]}" "$PY" "$HERE/torch_infer.py" --threads "$t" --batches 1 100 --wait-idle "$WAIT_IDLE" >> "$OUT"
    done
fi

# ---------------------------------------------------------------------------------------------------
# LOWBIT HOOK: the Lowbit side of the comparison.
# The Lowbit CLI provides
#   lowbit bench train --config configs/<name>.json --threads N --steps S
# printing one JSON line {"images_per_second": X}. It is used when `... -- bench --help` exits 0 AND prints
# something mentioning "bench" (the skeleton CLI exits 0 for any arguments, so the exit code alone would
# wrongly detect it). Configs: lowbit-configs.sh maps each peer model to the Lowbit config of the same network.
# ---------------------------------------------------------------------------------------------------
# Optional: LOWBIT_ARTIFACTS=/some/dir adds --artifacts-path so the build does not touch src/*/bin|obj.
# The CLI is built once here and its executable run directly: timing through `dotnet run` also timed the
# launcher, whose build process kept a core busy for the first seconds of every run (seen with top: a `dotnet`
# process at 100 % beside lowbit; the 2-thread windows read 3,700 images/s while it ran and 7,900 after).
if [ -n "${LOWBIT_ARTIFACTS:-}" ]; then
    LOWBIT_BUILD=(--artifacts-path "$LOWBIT_ARTIFACTS"); LOWBIT_EXE="$LOWBIT_ARTIFACTS/bin/Lowbit.Cli/release/lowbit"
else
    LOWBIT_BUILD=(); LOWBIT_EXE="$REPO/src/Lowbit.Cli/bin/Release/net10.0/lowbit"
fi
LOWBIT_CLI=("$LOWBIT_EXE")
if [ "$RUN_LOWBIT" = 1 ] && [ -z "${LOWBIT_CLI_CMD:-}" ]; then
    dotnet build -c Release "$REPO/src/Lowbit.Cli" "${LOWBIT_BUILD[@]}" -v q -nologo >&2 || echo "# lowbit: build failed" >&2
    sleep 5 # let the build's processes go idle before timing
fi
# Optional: LOWBIT_CLI_CMD="cmd args" replaces the whole CLI prefix (used to test this hook with a stub).
if [ -n "${LOWBIT_CLI_CMD:-}" ]; then read -r -a LOWBIT_CLI <<< "$LOWBIT_CLI_CMD"; fi
LOWBIT_OK=0
if [ "$RUN_LOWBIT" = 1 ] && command -v "${LOWBIT_CLI[0]}" >/dev/null 2>&1; then
    HELP_OUT="$(cd "$REPO" && "${LOWBIT_CLI[@]}" bench --help 2>&1)" && HELP_RC=0 || HELP_RC=$?
    if [ "$HELP_RC" = 0 ] && printf '%s' "$HELP_OUT" | grep -qi 'bench'; then
        LOWBIT_OK=1
    fi
fi
if [ "$LOWBIT_OK" = 1 ]; then
    for m in $MODELS; do
        # the Lowbit config that defines the same network as peer model $m (lowbit-configs.sh)
        if [ -n "${LOWBIT_CONFIG_DIR:-}" ]; then cfg="$LOWBIT_CONFIG_DIR/$m.json"; else cfg="$(lowbit_config "$m")"; fi
        if [ ! -f "$cfg" ] && [ ! -f "$REPO/$cfg" ]; then
            echo "# lowbit: $cfg missing, skipping $m" >&2
            continue
        fi
        for t in $THREADS; do
            echo "# lowbit train $m threads=$t" >&2
            line="$(cd "$REPO" && "${BENCH_ENV[@]}" "${LOWBIT_CLI[@]}" bench train --config "$cfg" \
                    "${LOWBIT_BATCH_SET[@]}" --threads "$t" --steps "$STEPS" 2>/dev/null | grep '^{' | tail -n 1)" || line=""
            if [ -n "$line" ]; then
                printf '%s' "$line" | "$PY" -c '
import json, sys
d = json.loads(sys.stdin.read())
d.update({"peer": "lowbit", "model": sys.argv[1], "mode": "train-throughput", "threads": int(sys.argv[2])})
print(json.dumps(d))' "$m" "$t" >> "$OUT"
            else
                echo "# lowbit: no JSON line for $m threads=$t" >&2
            fi
        done
    done
fi

# ---------------------------------------------------------------------------------------------------
# Lowbit packed inference: `lowbit bench infer` times packed vs Lowbit float (and PyTorch, --peer) at batch 1/100,
# threads 1/2, plus the XNOR GEMM probe; its JSON lines go to the results file with "peer": "lowbit-infer".
# ---------------------------------------------------------------------------------------------------
if [ "$LOWBIT_OK" = 1 ] && [ "$RUN_INFER" = 1 ]; then
    if [ ${#INFER_CHECKPOINTS[@]} -eq 0 ]; then
        tmp_run="$(mktemp -d)"
        echo "# lowbit: training configs/mnist-binarynet.json for one epoch for bench infer -> $tmp_run" >&2
        (cd "$REPO" && "${LOWBIT_CLI[@]}" train --quiet --config configs/mnist-binarynet.json --out "$tmp_run/run" \
            --set train.epochs=1 >/dev/null 2>&1) || echo "# lowbit: training the inference checkpoint failed" >&2
        INFER_CHECKPOINTS=("$tmp_run/run/checkpoint.lbck")
    fi
    for ck in "${INFER_CHECKPOINTS[@]}"; do
        if [ -f "$ck" ]; then
            echo "# lowbit bench infer --checkpoint $ck" >&2
            (cd "$REPO" && "${BENCH_ENV[@]}" "${LOWBIT_CLI[@]}" bench infer --checkpoint "$ck" --images "$INFER_IMAGES" \
                --peer "$HERE/torch_infer.py" --python "$PY" 2>/dev/null) | grep '^{' \
                | "$PY" -c 'import json,sys
for l in sys.stdin:
    d = json.loads(l); d["peer"] = "lowbit-infer"; d["checkpoint"] = sys.argv[1]; print(json.dumps(d))' "$ck" >> "$OUT" \
                || echo "# lowbit: bench infer failed" >&2
        else
            echo "# lowbit: no checkpoint $ck for bench infer" >&2
        fi
    done
fi

# ---------------------------------------------------------------------------------------------------
# Table
# ---------------------------------------------------------------------------------------------------
"$PY" - "$OUT" "$LOWBIT_OK" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
lowbit_ok = sys.argv[2] == "1"
info = next((r for r in rows if r.get("mode") == "blas-info"), {})
print(f"BLAS: {info.get('openblas_config')} (core {info.get('openblas_corename')}), torch {info.get('torch')}")
print()
print("Training throughput (batch 100, images/s, median window)")
train = [r for r in rows if r.get("mode") == "train-throughput"]
py = {(r["model"], r["threads"]): r for r in train if r["peer"] == "pytorch"}
lb = {(r["model"], r["threads"]): r for r in train if r["peer"] == "lowbit"}
hdr = f"{'model':<16} {'thr':>3} {'pytorch img/s':>14} {'min':>9} {'max':>9} {'other load':>10}"
if lowbit_ok:
    hdr += f" {'lowbit img/s':>13} {'lowbit/pytorch':>15}"
print(hdr)
for (m, t), r in py.items():
    line = (f"{m:<16} {t:>3} {r['images_per_second']:>14.1f} {r['images_per_second_min']:>9.1f}"
            f" {r['images_per_second_max']:>9.1f} {r.get('other_cpu_load', float('nan')):>10.2f}")
    if lowbit_ok:
        l = lb.get((m, t))
        if l:
            line += f" {l['images_per_second']:>13.1f} {l['images_per_second'] / r['images_per_second']:>15.2f}"
        else:
            line += f" {'-':>13} {'-':>15}"
    print(line)
if not lowbit_ok:
    print("lowbit bench not available yet")
inf = [r for r in rows if r.get("mode") == "inference-latency"]
if inf:
    print()
    print("Inference latency, float MLP (median)")
    print(f"{'thr':>3} {'batch':>5} {'ms/batch':>10} {'ms/image':>10} {'img/s':>10} {'other load':>10}")
    for r in inf:
        print(f"{r['threads']:>3} {r['batch']:>5} {r['ms_per_batch']:>10.4f} {r['ms_per_image']:>10.5f}"
              f" {r['images_per_second']:>10.1f} {r.get('other_cpu_load', float('nan')):>10.2f}")
lb_inf = [r for r in rows if r.get("peer") == "lowbit-infer" and r.get("bench") == "infer"]
if lb_inf:
    print()
    print("Packed inference, lowbit bench infer (µs per image). Targets: MLP (784 inputs): batch 1 >= 20x Lowbit float,")
    print("batch 100 >= 10x Lowbit float, batch 1 >= 50x PyTorch; convnets: batch 1, 1 thread >= 10x ONNX Runtime float")
    print(f"{'model':<32} {'thr':>3} {'batch':>5} {'packed':>9} {'float':>10} {'x float':>8} {'ORT':>9} {'x ORT':>7}"
          f" {'pytorch':>9} {'x pytorch':>9}  targets")
    for r in lb_inf:
        ok = []
        mlp = r["layers"][0]["kind"].split()[0] in ("1", "4", "6")
        if mlp:
            need = 20 if r["batch"] == 1 else 10
            ok.append(f"float {'met' if r['speedup_vs_float'] >= need else 'NOT met'}")
            if r["batch"] == 1 and "speedup_vs_pytorch" in r:
                ok.append(f"pytorch {'met' if r['speedup_vs_pytorch'] >= 50 else 'NOT met'}")
        elif r["batch"] == 1 and r["threads"] == 1 and "speedup_vs_onnxruntime" in r:
            ok.append(f"ORT {'met' if r['speedup_vs_onnxruntime'] >= 10 else 'NOT met'}")
        nan = float("nan")
        print(f"{r['model'][:32]:<32} {r['threads']:>3} {r['batch']:>5} {r['packed_us_per_image']:>9.2f}"
              f" {r['float_us_per_image']:>10.2f} {r['speedup_vs_float']:>8.2f}"
              f" {r.get('onnxruntime_us_per_image', nan):>9.2f} {r.get('speedup_vs_onnxruntime', nan):>7.2f}"
              f" {r.get('pytorch_us_per_image', nan):>9.2f} {r.get('speedup_vs_pytorch', nan):>9.2f}  {', '.join(ok)}")
    for r in lb_inf:
        if r["threads"] == 1:
            print(f"Per packed layer, {r['model']}, batch {r['batch']}, 1 thread (µs per image, share): " + "; ".join(
                f"{x['layer']}: {x['kind']} {x['us_per_image']:.1f} ({100 * x['share']:.0f} %)" for x in r["layers"]))
    for r in rows:
        if r.get("peer") == "lowbit-infer" and r.get("bench") == "pytorch-check":
            print(f"PyTorch ran the exported graph: same class as Lowbit float on {r.get('same_class_as_lowbit_float')} of"
                  f" {r['images']} images ({r['checkpoint']})")
    for r in rows:
        if r.get("peer") == "lowbit-infer" and r.get("bench") == "kernels":
            x = r["xnor_gemm_1024_bit_macs_per_cycle_per_core"]
            print(f"XNOR GEMM 1024^3: {x} bit-MACs/cycle/core (target >= 150: {'met' if x >= 150 else 'NOT met'}),"
                  f" clock {r['clock_ghz']} GHz, POPCNT {r['popcnt_bits_per_cycle']} bits/cycle")
print()
print("other load = CPU cores used by other processes while timing (0 = clean; >0.2 = numbers contaminated)")
print(f"raw: {sys.argv[1]}")
PYEOF

if [ "$RUN_SGEMM" = 1 ] && [ "$RUN_LOWBIT" = 1 ]; then
    echo
    echo "SGEMM, numpy (OpenBLAS) vs Lowbit (benchmarks/sgemm-ratio.sh $THREADS)"
    # shellcheck disable=SC2086
    "${BENCH_ENV[@]}" "$REPO/benchmarks/sgemm-ratio.sh" $THREADS
fi
