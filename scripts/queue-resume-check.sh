#!/usr/bin/env bash
# Checks that scripts/run-queue.sh continues a killed run from its checkpoint: runs a 4-epoch line once straight
# through and once killed (SIGKILL) during epoch 3 and restarted, and compares the two result.json files apart from
# timings. Works on a copy of the script and one config in a temporary folder (results/ of the repo is not touched).
# Usage: LOWBIT=/path/to/lowbit scripts/queue-resume-check.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
: "${LOWBIT:?set LOWBIT to a built lowbit binary}"
work=$(mktemp -d)
for d in straight killed; do
  mkdir -p "$work/$d/scripts" "$work/$d/configs"
  cp "$repo/scripts/run-queue.sh" "$work/$d/scripts/"
  cp "$repo/configs/mnist-binarynet.json" "$work/$d/configs/"
  echo "mnist-binarynet 7 4 data.path=$repo/data/mnist data.train_limit=6000 data.validation=2000 data.test_limit=2000" > "$work/$d/queue.txt"
done
LOWBIT=$LOWBIT "$work/straight/scripts/run-queue.sh" "$work/straight/queue.txt" 1 > "$work/straight.log"
(cd "$work/killed" && LOWBIT=$LOWBIT scripts/run-queue.sh queue.txt 1 > "$work/killed.log") &
queue_pid=$!
metrics="$work/killed/runs/queue/mnist-binarynet-s7/metrics.csv"
until [ -f "$metrics" ] && [ "$(wc -l < "$metrics")" -ge 3 ]; do sleep 0.2; done
sleep 1
pkill -9 -f -- "--out runs/queue/mnist-binarynet-s7" || true
wait "$queue_pid" || true
rows=$(( $(wc -l < "$metrics") - 1 ))
[ -f "$work/killed/results/mnist-binarynet/seed7/result.json" ] && { echo "queue resume check: the run finished before the kill; retry on a slower machine"; exit 1; }
(cd "$work/killed" && LOWBIT=$LOWBIT scripts/run-queue.sh queue.txt 1 >> "$work/killed.log")
grep -q "resume mnist-binarynet seed 7" "$work/killed.log" || { echo "queue resume check: the second start did not resume (see $work)"; exit 1; }
strip() { grep -v -E 'second' "$1"; }
if diff <(strip "$work/straight/results/mnist-binarynet/seed7/result.json") <(strip "$work/killed/results/mnist-binarynet/seed7/result.json"); then
  echo "queue resume check: killed after $rows epochs, resumed, result.json identical; cpu_seconds.txt lines: $(wc -l < "$work/killed/results/mnist-binarynet/seed7/cpu_seconds.txt")"
  rm -rf "$work"
else
  echo "queue resume check: DIFFERENT (see $work)"; exit 1
fi
