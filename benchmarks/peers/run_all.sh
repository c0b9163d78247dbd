#!/usr/bin/env bash
# Times the PyTorch peers with 1 and 2 threads and prints a table. When the Lowbit CLI supports `bench`, also runs the
# Lowbit side and prints Lowbit/PyTorch ratios: training throughput (`lowbit bench train`) and, unless --no-infer,
# packed inference (`lowbit bench infer`, its PyTorch peer in the same run) with the inference targets checked, so one
# run of the shipped executable covers both.
# Training is interleaved: per model and thread count, W windows of each peer alternate A-B-B-A (PyTorch then Lowbit
# for odd windows, Lowbit then PyTorch for even ones), each window its own process after --warmup steps, so host
# drift (this KVM host drifts by 20-30 % at a scale of minutes) reaches both peers alike. The table gives each
# peer's median window, the ratio of the medians and the ratio of each adjacent pair (median, min-max).
#
# Usage (from anywhere):  benchmarks/peers/run_all.sh [--steps S] [--windows W] [--threads "1 2"]
#                                                      [--models "mlp-float mlp-binary cnn-float cnn-binary
#                                                                 vgg-small-float vgg-small-binary resnet20-float resnet20-binary"]
#                                                      [--warmup N] [--no-infer] [--no-lowbit] [--no-sgemm] [--wait-idle SECONDS]
#                                                      [--autogroup-nice N]
#                                                      [--infer-checkpoint FILE ...] [--infer-images N]
# --infer-checkpoint: a packable checkpoint for `lowbit bench infer`, repeatable (default: the BinaryNet MLP of
#   configs/mnist-binarynet.json trained here for one epoch, about a minute; the timing does not depend on accuracy).
#   Each is timed packed, Lowbit float, ONNX Runtime float and PyTorch float (its ONNX graph) in one bench infer run;
#   the table checks the MLP targets for 784-input models and packed >= 10x ONNX Runtime at batch 1, 1 thread for
#   the others (the binary VGG-small target).
# --windows W: timed windows per peer, model and thread count (default 5); --steps S: steps per window (default 50);
# --warmup N: untimed steps before each window (default 5; every window is a fresh process).
# --wait-idle S: before each timed run wait up to S seconds for other processes to go idle (<0.15 cores).
# --autogroup-nice N: rerun this script in a new session whose scheduler autogroup has nice N (e.g. -20; lowering it
#   needs root or CAP_SYS_NICE). With autogroup scheduling on (/proc/sys/kernel/sched_autogroup_enabled = 1) a
#   process's own nice only ranks it inside its session: other sessions' nice-19 jobs still get an equal share of each
#   core against this script's group, so a 2-thread window gets about one core. Both peers run in the same group.
# Last, unless --no-sgemm: benchmarks/sgemm-ratio.sh with the same thread counts (numpy/OpenBLAS vs Lowbit SGEMM).
# Env: LOWBIT_ARTIFACTS=DIR  build the Lowbit CLI with --artifacts-path DIR (keeps src/*/bin,obj untouched)
#      LOWBIT_CLI_CMD="..."  replace the Lowbit CLI prefix (e.g. a stub, to test the hook)
#      LOWBIT_CONFIG_DIR=DIR  look configs up as DIR/<model>.json instead of the mapping in lowbit-configs.sh
# Output: table on stdout; raw JSON lines in benchmarks/peers/results/run-<UTC timestamp>.jsonl: one
#   "mode": "train-window" line per window (peer, model, threads, window, order, images_per_second, other_cpu_load),
#   then per peer, model and thread count one "mode": "train-throughput" line (median, min and max of the windows).
#   Without a Lowbit CLI (--no-lowbit) PyTorch runs its W windows in one process, as before.
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
WARMUP=5
THREADS="1 2"
MODELS="mlp-float mlp-binary cnn-float cnn-binary vgg-small-float vgg-small-binary resnet20-float resnet20-binary"
RUN_INFER=1
RUN_LOWBIT=1
RUN_SGEMM=1
WAIT_IDLE=0
INFER_CHECKPOINTS=()
INFER_IMAGES=2000
AUTOGROUP_NICE=""
ARGS=("$@")
while [ $# -gt 0 ]; do
    case "$1" in
        --steps) STEPS="$2"; shift 2 ;;
        --windows) WINDOWS="$2"; shift 2 ;;
        --warmup) WARMUP="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --models) MODELS="$2"; shift 2 ;;
        --no-infer) RUN_INFER=0; shift ;;
        --no-lowbit) RUN_LOWBIT=0; shift ;;
        --no-sgemm) RUN_SGEMM=0; shift ;;
        --wait-idle) WAIT_IDLE="$2"; shift 2 ;;
        --autogroup-nice) AUTOGROUP_NICE="$2"; shift 2 ;;
        --infer-checkpoint) INFER_CHECKPOINTS+=("$2"); shift 2 ;;
        --infer-images) INFER_IMAGES="$2"; shift 2 ;;
        -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

if [ -n "$AUTOGROUP_NICE" ] && [ -z "${RUN_ALL_AUTOGROUP:-}" ]; then
    # A new session gets a new autogroup; its nice is set from inside before anything is timed. --wait: setsid forks
    # when this script leads its process group (a job started from a shell), and the caller must wait for the run.
    exec env RUN_ALL_AUTOGROUP="$AUTOGROUP_NICE" setsid --wait bash -c \
        'echo "$RUN_ALL_AUTOGROUP" > /proc/self/autogroup || { echo "run_all.sh: cannot set autogroup nice $RUN_ALL_AUTOGROUP" >&2; exit 2; }
         exec "$0" "$@"' "$0" "${ARGS[@]}"
fi
if [ -r /proc/self/autogroup ]; then echo "# scheduler: $(cat /proc/self/autogroup) (autogroup scheduling $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo '?'))" >&2; fi

# Benchmark environment: OpenBLAS core overrides removed (both together), nothing else changed.
BENCH_ENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)

mkdir -p "$HERE/results"
OUT="$HERE/results/run-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
: > "$OUT"

"${BENCH_ENV[@]}" "$PY" "$HERE/blas_info.py" | sed -n 's/^BLAS_SUMMARY //p' \
    | "$PY" -c 'import json,sys; d=json.loads(sys.stdin.read()); d["mode"]="blas-info"; print(json.dumps(d))' >> "$OUT"

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

# ---------------------------------------------------------------------------------------------------
# Training throughput
# ---------------------------------------------------------------------------------------------------
# One timed window of one peer, appended to $OUT as a "train-window" line: pytorch_window / lowbit_window M T W ORDER.
pytorch_window() {
    "${BENCH_ENV[@]}" "$PY" "$HERE/measured_run.py" --wait-idle "$WAIT_IDLE" --tag mode=train-window \
        --tag window="$3" --tag order="$4" -- "$PY" "$HERE/torch_train.py" --model "$1" --threads "$2" \
        --steps "$STEPS" --windows 1 --warmup "$WARMUP" >> "$OUT" || echo "# pytorch: no window $3 for $1 threads=$2" >&2
}
lowbit_window() {
    (cd "$REPO" && "${BENCH_ENV[@]}" "$PY" "$HERE/measured_run.py" --wait-idle "$WAIT_IDLE" --tag mode=train-window \
        --tag peer=lowbit --tag model="$1" --tag threads="$2" --tag window="$3" --tag order="$4" -- \
        "${LOWBIT_CLI[@]}" bench train --config "$5" "${LOWBIT_BATCH_SET[@]}" --threads "$2" --steps "$STEPS" \
        --windows 1 --warmup "$WARMUP" 2>/dev/null) >> "$OUT" || echo "# lowbit: no window $3 for $1 threads=$2" >&2
}
# Per peer, model and thread count: one "train-throughput" line, the median (min, max) of its windows.
summarize_windows() {
    "$PY" - "$OUT" "$1" "$2" <<'PYEOF' >> "$OUT"
import json, statistics, sys
model, threads = sys.argv[2], int(sys.argv[3])
windows = [r for r in map(json.loads, open(sys.argv[1])) if r.get("mode") == "train-window"
           and r["model"] == model and r["threads"] == threads]
for peer in ("pytorch", "lowbit"):
    mine = sorted((r for r in windows if r["peer"] == peer), key=lambda r: r["window"])
    if not mine:
        continue
    rates = [r["images_per_second"] for r in mine]
    d = {k: v for k, v in mine[-1].items() if k not in ("mode", "window", "order", "utc")}
    d.update({"mode": "train-throughput", "interleaved": True, "windows": len(rates),
              "images_per_second": round(statistics.median(rates), 1), "images_per_second_min": round(min(rates), 1),
              "images_per_second_max": round(max(rates), 1), "images_per_second_windows": rates,
              "other_cpu_load": max(r.get("other_cpu_load") or 0 for r in mine)})
    if "allocated_bytes_per_step" in d:  # Lowbit: one figure per window process, in time order
        d["allocated_bytes_per_step_windows"] = [r.get("allocated_bytes_per_step") for r in mine]
    print(json.dumps(d))
PYEOF
}

echo "# training: steps/window=$STEPS windows=$WINDOWS warmup=$WARMUP threads=[$THREADS] $(date -u +%Y-%m-%dT%H:%M:%SZ)" >&2
for m in $MODELS; do
    cfg=""
    if [ "$LOWBIT_OK" = 1 ]; then
        # the Lowbit config that defines the same network as peer model $m (lowbit-configs.sh)
        if [ -n "${LOWBIT_CONFIG_DIR:-}" ]; then cfg="$LOWBIT_CONFIG_DIR/$m.json"; else cfg="$(lowbit_config "$m")"; fi
        if [ ! -f "$cfg" ] && [ ! -f "$REPO/$cfg" ]; then
            echo "# lowbit: $cfg missing, PyTorch only for $m" >&2
            cfg=""
        fi
    fi
    for t in $THREADS; do
        if [ -z "$cfg" ]; then
            echo "# train $m threads=$t (PyTorch only)" >&2
            "${BENCH_ENV[@]}" "$PY" "$HERE/torch_train.py" --model "$m" --threads "$t" \
                --steps "$STEPS" --windows "$WINDOWS" --wait-idle "$WAIT_IDLE" >> "$OUT"
            continue
        fi
        echo "# train $m threads=$t, $WINDOWS windows each, interleaved" >&2
        for ((w = 1; w <= WINDOWS; w++)); do
            if ((w % 2 == 1)); then
                pytorch_window "$m" "$t" "$w" 1; lowbit_window "$m" "$t" "$w" 2 "$cfg"
            else
                lowbit_window "$m" "$t" "$w" 1 "$cfg"; pytorch_window "$m" "$t" "$w" 2
            fi
        done
        summarize_windows "$m" "$t"
    done
done
if [ "$RUN_INFER" = 1 ]; then
    for t in $THREADS; do
        echo "# infer mlp-float threads=$t" >&2
        "${BENCH_ENV[@]}" "$PY" "$HERE/torch_infer.py" --threads "$t" --batches 1 100 --wait-idle "$WAIT_IDLE" >> "$OUT"
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
"$PY" "$HERE/peer_table.py" "$OUT" "$LOWBIT_OK"

if [ "$RUN_SGEMM" = 1 ] && [ "$RUN_LOWBIT" = 1 ]; then
    echo
    echo "SGEMM, numpy (OpenBLAS) vs Lowbit (benchmarks/sgemm-ratio.sh $THREADS)"
    # shellcheck disable=SC2086
    "${BENCH_ENV[@]}" "$REPO/benchmarks/sgemm-ratio.sh" $THREADS
fi
