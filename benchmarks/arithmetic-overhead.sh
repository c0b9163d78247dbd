#!/usr/bin/env bash
# CPU cost of simulated low-precision arithmetic: CPU milliseconds per training step of the PI-MNIST MLP
# (configs/mnist-lowprec-*.json, 1 thread) in plain float32 and under the float16, fixed 20/20 and dfxp 10/12
# formats, measured side by side, round after round, so machine load affects every format alike.
# Usage: benchmarks/arithmetic-overhead.sh LOWBIT_BINARY [ROUNDS]
# Each measurement: user+sys CPU (/usr/bin/time) of a SHORT-step and a LONG-step `lowbit bench train` run; the difference
# / (LONG - SHORT) is the CPU per step (start-up cancels; time spent descheduled does not count).
# Prints one line per round and format (ms/step and the ratio to float32 of that round), then the median ratio per format.
# Env: SHORT=10 LONG=210 (step counts; 60 was too short to rise above the noise of a loaded machine), FORMATS="float32 float16 fixed-20-20 dfxp-10-12".
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,9p' "$0"; exit 2; }
cd "$(dirname "$0")/.."
bin=$1; rounds=${2:-3}
SHORT="${SHORT:-10}"; LONG="${LONG:-210}"
formats=(${FORMATS:-float32 float16 fixed-20-20 dfxp-10-12})
cpu() { /usr/bin/time -f "%U %S" "$@" 2>&1 >/dev/null | tail -n 1 | awk '{print $1 + $2}'; }
declare -A ratios
for ((r = 1; r <= rounds; r++)); do
    base=""
    for f in "${formats[@]}"; do
        c="configs/mnist-lowprec-$f.json"
        a=$(cpu "$bin" bench train --config "$c" --threads 1 --windows 1 --warmup 5 --steps "$SHORT")
        b=$(cpu "$bin" bench train --config "$c" --threads 1 --windows 1 --warmup 5 --steps "$LONG")
        ms=$(awk -v a="$a" -v b="$b" -v d=$((LONG - SHORT)) 'BEGIN{printf "%.2f", (b - a) / d * 1000}')
        [ -z "$base" ] && base=$ms
        ratio=$(awk -v m="$ms" -v b="$base" 'BEGIN{printf "%.3f", m / b}')
        ratios[$f]+="$ratio "
        echo "round $r $f: $ms ms/step, ${ratio}x float32   (load $(cut -d' ' -f1-3 /proc/loadavg))"
    done
done
for f in "${formats[@]}"; do
    echo "median $f: $(echo ${ratios[$f]} | tr ' ' '\n' | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}')x float32"
done
