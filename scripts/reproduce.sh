#!/usr/bin/env bash
# Usage: scripts/reproduce.sh <config-name> <seed> [<seed> ...] [--epochs N]
# Runs the seeds one after another (never in parallel), each with the config's thread count (2),
# and copies result.json, metrics.csv and the per-epoch log into results/<config>/seed<k>/.
# Before each run it waits until no other `lowbit train` process is running (the machine has 2 shared cores).
# Environment: LOWBIT (the lowbit binary; default /tmp/art-exp/bin/Lowbit.Cli/release/lowbit, built with
#   dotnet build src/Lowbit.Cli -c Release --artifacts-path /tmp/art-exp), OUTROOT (default /tmp/exp).
set -euo pipefail
cd "$(dirname "$0")/.."
LOWBIT=${LOWBIT:-/tmp/art-exp/bin/Lowbit.Cli/release/lowbit}
OUTROOT=${OUTROOT:-/tmp/exp}
[ $# -ge 2 ] || { echo "usage: $0 <config> <seed>... [--epochs N]" >&2; exit 1; }
cfg=${1%.json}; cfg=${cfg#configs/}; shift
seeds=(); epochs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs=$2; shift 2 ;;
    *) seeds+=("$1"); shift ;;
  esac
done
[ -f "configs/$cfg.json" ] || { echo "no such config: configs/$cfg.json" >&2; exit 1; }
for s in "${seeds[@]}"; do
  while pgrep -f "lowbit train" >/dev/null; do sleep 20; done
  out="$OUTROOT/$cfg-s$s"; rm -rf "$out"
  args=(train --config "configs/$cfg.json" --out "$out" --quiet --set "seed=$s")
  [ -n "$epochs" ] && args+=(--set "train.epochs=$epochs")
  dest="results/$cfg/seed$s"; mkdir -p "$dest"
  echo "lowbit ${args[*]}" > "$dest/command.txt"
  echo "[$(date -u +%H:%M:%S)] start $cfg seed $s: lowbit ${args[*]}"
  rc=0; "$LOWBIT" "${args[@]}" > "$dest/train.log" 2>&1 || rc=$?
  echo "exit code $rc" >> "$dest/train.log"
  [ -f "$out/metrics.csv" ] && cp "$out/metrics.csv" "$dest/"
  [ -f "$out/result.json" ] && cp "$out/result.json" "$dest/"
  echo "[$(date -u +%H:%M:%S)] end $cfg seed $s rc=$rc"
done
