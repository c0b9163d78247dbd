#!/usr/bin/env bash
# CPU milliseconds per training step at 1 thread, side by side: the PyTorch peer and one or more Lowbit CLI builds,
# interleaved model by model so machine load affects all sides alike.
# Usage: benchmarks/cpu-per-step.sh LOWBIT_BINARY [MORE_LOWBIT_BINARIES ...]
#   e.g. benchmarks/cpu-per-step.sh /tmp/art-old/bin/Lowbit.Cli/release/lowbit /tmp/art-new/bin/Lowbit.Cli/release/lowbit
# Each side: user+sys CPU (/usr/bin/time) of a SHORT-step and a LONG-step run (5 warm-up steps, one window); the
# difference / (LONG - SHORT) is the CPU per step (start-up cancels, time spent descheduled does not count).
# Prints one line per model: PyTorch ms/step, each binary's ms/step, and PyTorch/binary (throughput ratio per CPU second).
# Env: MODELS="..." (default: the four MNIST models), SHORT=10 LONG=60 (step counts of the two runs).
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,9p' "$0"; exit 2; }
cd "$(dirname "$0")/.."
# shellcheck source=peers/lowbit-configs.sh
. benchmarks/peers/lowbit-configs.sh
SHORT="${SHORT:-10}"; LONG="${LONG:-60}"
cpu() { /usr/bin/time -f "%U %S" "$@" 2>&1 >/dev/null | tail -n 1 | awk '{print $1 + $2}'; }
for m in ${MODELS:-mlp-float mlp-binary cnn-float cnn-binary}; do
    c="$(lowbit_config "$m")"
    torch=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 benchmarks/peers/torch_train.py --model "$m" --threads 1 --windows 1 --warmup 5)
    t10=$(cpu "${torch[@]}" --steps "$SHORT"); t60=$(cpu "${torch[@]}" --steps "$LONG")
    d=$((LONG - SHORT))
    line="$m: pytorch $(awk -v a="$t10" -v b="$t60" -v d="$d" 'BEGIN{printf "%.1f", (b - a) / d * 1000}') ms"
    for bin in "$@"; do
        l10=$(cpu "$bin" bench train --config "$c" "${LOWBIT_BATCH_SET[@]}" --threads 1 --windows 1 --warmup 5 --steps "$SHORT")
        l60=$(cpu "$bin" bench train --config "$c" "${LOWBIT_BATCH_SET[@]}" --threads 1 --windows 1 --warmup 5 --steps "$LONG")
        line+=" | $bin $(awk -v a="$l10" -v b="$l60" -v p10="$t10" -v p60="$t60" -v d="$d" \
            'BEGIN{l = (b - a) / d * 1000; p = (p60 - p10) / d * 1000; printf "%.1f ms, pytorch/lowbit %.2f", l, p / l}')"
    done
    echo "$line   (load $(cut -d' ' -f1-3 /proc/loadavg))"
done
