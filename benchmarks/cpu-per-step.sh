#!/usr/bin/env bash
# CPU milliseconds per training step at 1 thread, side by side: the PyTorch peer and one or more Lowbit CLI builds,
# interleaved model by model so machine load affects all sides alike.
# Usage: benchmarks/cpu-per-step.sh LOWBIT_BINARY [MORE_LOWBIT_BINARIES ...]
#   e.g. benchmarks/cpu-per-step.sh /tmp/art-old/bin/Lowbit.Cli/release/lowbit /tmp/art-new/bin/Lowbit.Cli/release/lowbit
# Each side: user+sys CPU (/usr/bin/time) of a 10-step and a 60-step run (5 warm-up steps, one window); the
# difference / 50 is the CPU per step (start-up cancels, time spent descheduled does not count).
# Prints one line per model: PyTorch ms/step, each binary's ms/step, and PyTorch/binary (throughput ratio per CPU second).
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,8p' "$0"; exit 2; }
cd "$(dirname "$0")/.."
cpu() { /usr/bin/time -f "%U %S" "$@" 2>&1 >/dev/null | tail -n 1 | awk '{print $1 + $2}'; }
for m in mlp-float mlp-binary cnn-float cnn-binary; do
    case "$m" in
        mlp-float) c=mnist-mlp-float ;; mlp-binary) c=mnist-binarynet ;;
        cnn-float) c=mnist-cnn-float ;; cnn-binary) c=mnist-cnn-binary ;;
    esac
    torch=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 benchmarks/peers/torch_train.py --model "$m" --threads 1 --windows 1 --warmup 5)
    t10=$(cpu "${torch[@]}" --steps 10); t60=$(cpu "${torch[@]}" --steps 60)
    line="$m: pytorch $(awk -v a="$t10" -v b="$t60" 'BEGIN{printf "%.1f", (b - a) / 50 * 1000}') ms"
    for bin in "$@"; do
        l10=$(cpu "$bin" bench train --config "configs/$c.json" --threads 1 --windows 1 --warmup 5 --steps 10)
        l60=$(cpu "$bin" bench train --config "configs/$c.json" --threads 1 --windows 1 --warmup 5 --steps 60)
        line+=" | $bin $(awk -v a="$l10" -v b="$l60" -v p10="$t10" -v p60="$t60" \
            'BEGIN{l = (b - a) / 50 * 1000; p = (p60 - p10) / 50 * 1000; printf "%.1f ms, pytorch/lowbit %.2f", l, p / l}')"
    done
    echo "$line   (load $(cut -d' ' -f1-3 /proc/loadavg))"
done
