#!/usr/bin/env bash
# Usage: scripts/run-queue.sh QUEUE_FILE [JOBS]
# Runs the trainings listed in QUEUE_FILE (one "config seed epochs [key=value ...]" per line, '#' comments allowed; the
# optional key=value words become --set overrides, e.g. data.path=../shared/data/cifar10) with JOBS
# (default 2) single-threaded trainings at a time, and copies each run's command, per-epoch log, metrics.csv,
# arithmetic.csv (low-precision arithmetic runs) and
# result.json into results/<config>/seed<k>/. Lines are taken in order; a line already done (result.json present
# for the same epochs) is skipped, so the script can be restarted after an interruption.
# Results do not depend on the thread count (checked: 1 and 2 threads give identical epochs for mnist-binarynet),
# so JOBS one-thread runs side by side use the 2 cores better than one two-thread run (thread scaling of a single
# training is well under 2x on this machine).
# Environment: QUEUE_LOCKDIR (see below), LOWBIT (the lowbit binary; default /tmp/art-exp/bin/Lowbit.Cli/release/lowbit, built with
#   dotnet build src/Lowbit.Cli -c Release --artifacts-path /tmp/art-exp), OUTROOT (default /tmp/exp).
set -uo pipefail
cd "$(dirname "$0")/.."
queue=${1:?usage: $0 QUEUE_FILE [JOBS]}; jobs=${2:-2}
LOWBIT=${LOWBIT:-/tmp/art-exp/bin/Lowbit.Cli/release/lowbit}
OUTROOT=${OUTROOT:-/tmp/exp}
# QUEUE_LOCKDIR: share line claims between several runners of the same queue (e.g. a second runner started
# when a core frees up); a shared lock directory is left in place at the end.
lockdir=${QUEUE_LOCKDIR:-$(mktemp -d)}; mkdir -p "$lockdir"

run_one() {
  local cfg=$1 s=$2 ep=$3; shift 3
  local out="$OUTROOT/$cfg-s$s" dest="results/$cfg/seed$s"
  if [ -f "$dest/result.json" ] && grep -q "\"epochs\": *$ep[,}]" "$dest/result.json"; then
    echo "[$(date -u +%T)] skip $cfg seed $s (done)"; return; fi
  rm -rf "$out"; mkdir -p "$dest"
  local args=(train --config "configs/$cfg.json" --out "$out" --quiet --set "seed=$s" --set threads=1 --set "train.epochs=$ep")
  local kv; for kv in "$@"; do args+=(--set "$kv"); done
  echo "lowbit ${args[*]}" > "$dest/command.txt"
  echo "[$(date -u +%T)] start $cfg seed $s"
  local rc=0; "$LOWBIT" "${args[@]}" > "$dest/train.log" 2>&1 || rc=$?
  echo "exit code $rc" >> "$dest/train.log"
  [ -f "$out/metrics.csv" ] && cp "$out/metrics.csv" "$dest/"
  [ -f "$out/result.json" ] && cp "$out/result.json" "$dest/"
  [ -f "$out/arithmetic.csv" ] && cp "$out/arithmetic.csv" "$dest/"
  echo "[$(date -u +%T)] end $cfg seed $s rc=$rc $(grep -oE 'test (error [0-9.]* %|perplexity [0-9.]*)' "$dest/train.log" | tail -1)"
}

worker() {
  local n=0
  while read -r cfg s ep extra; do
    case "$cfg" in ''|'#'*) continue ;; esac
    n=$((n + 1))
    # claim line n atomically (mkdir succeeds for exactly one worker)
    mkdir "$lockdir/$n" 2>/dev/null || continue
    # shellcheck disable=SC2086 # extra holds space-separated key=value words
    run_one "$cfg" "$s" "$ep" $extra
  done < "$queue"
}

for ((j = 0; j < jobs; j++)); do worker & done
wait
[ -z "${QUEUE_LOCKDIR:-}" ] && rm -rf "$lockdir"
echo "[$(date -u +%T)] queue done"
