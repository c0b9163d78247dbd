#!/usr/bin/env bash
# LSTM language-model training step, Lowbit vs PyTorch, side by side in one run.
# Usage: benchmarks/lstm-ratio.sh [--rounds R] [--steps S] [--threads "1 2"] [--vocabulary V]
# Both sides train the configs/ptb-lstm-float.json model (embedding 300, LSTM 300, dropout 0.5, decoder to a
# V-word vocabulary, default 10000; SGD, clipping at 0.25) on random token windows of batch 20 x bptt 35, carrying the
# state across windows; a step = forward + cross-entropy + backward + clipping + update.
# Lowbit: the built executable's `lowbit bench train`; PyTorch: benchmarks/peers/torch_lstm.py (nn.LSTM).
# Each round runs Lowbit then PyTorch for each thread count (interleaved, so machine load hits both alike) and prints
# tokens/s of each side's median window and the ratio lowbit/pytorch (above 1: Lowbit faster), and each side's process
# CPU time per step over the timed windows with the ratio pytorch/lowbit (above 1: Lowbit cheaper); the last lines give
# the median ratios per thread count over the rounds. CPU time is the steadier figure on a shared machine; PyTorch's
# includes its OpenMP workers' spin-waiting at 2 threads. --vocabulary 2 leaves essentially the LSTM layer (embedding and softmax become negligible).
# Env: LOWBIT_ARTIFACTS (default /tmp/art-lstm-ratio): where the CLI is built (--artifacts-path keeps src/ clean).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
rounds=3; steps=10; threads="1 2"; vocabulary=10000
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --steps) steps="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --vocabulary) vocabulary="$2"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
art="${LOWBIT_ARTIFACTS:-/tmp/art-lstm-ratio}"
dotnet build "$repo/src/Lowbit.Cli" -c Release --artifacts-path "$art" -v q -nologo >/dev/null
lowbit="$art/bin/Lowbit.Cli/release/lowbit"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
echo "# lstm-ratio: rounds=$rounds steps=$steps threads=[$threads] vocabulary=$vocabulary load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
    for t in $threads; do
        lb_json=$("$lowbit" bench train --config "$repo/configs/ptb-lstm-float.json" --set "threads=$t" --set "data.vocabulary=$vocabulary" \
            --steps "$steps" --warmup 3 --windows 3)
        pt_json=$(/usr/bin/python3 "$here/peers/torch_lstm.py" --threads "$t" --steps "$steps" --warmup 3 --windows 3 --vocabulary "$vocabulary")
        lb=$(echo "$lb_json" | sed -n 's/.*"tokens_per_second":\([0-9.]*\).*/\1/p')
        lbc=$(echo "$lb_json" | sed -n 's/.*"cpu_ms_per_step":\([0-9.]*\).*/\1/p')
        pt=$(echo "$pt_json" | sed -n 's/.*"tokens_per_second": \([0-9.]*\).*/\1/p')
        ptc=$(echo "$pt_json" | sed -n 's/.*"cpu_ms_per_step": \([0-9.]*\).*/\1/p')
        echo "$r $t $lb $pt $lbc $ptc" | tee -a "$out" | awk '{printf "round %d threads %d: lowbit %7.1f tokens/s %6.1f CPU-ms/step  pytorch %7.1f tokens/s %6.1f CPU-ms/step  ratio %.2f (CPU %.2f)\n", $1, $2, $3, $5, $4, $6, $3 / $4, $6 / $5}'
    done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
for t in $threads; do
    awk -v t="$t" '$2 == t { print $3 / $4 }' "$out" | sort -g | awk -v t="$t" '{ v[NR] = $1 } END { printf "threads %d: median ratio lowbit/pytorch %.2f over %d rounds (min %.2f, max %.2f)\n", t, v[int((NR + 1) / 2)], NR, v[1], v[NR] }'
    awk -v t="$t" '$2 == t { print $6 / $5 }' "$out" | sort -g | awk -v t="$t" '{ v[NR] = $1 } END { printf "threads %d: median CPU-time ratio pytorch/lowbit %.2f over %d rounds (min %.2f, max %.2f)\n", t, v[int((NR + 1) / 2)], NR, v[1], v[NR] }'
done
