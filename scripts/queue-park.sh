#!/usr/bin/env bash
# Usage: scripts/queue-park.sh [OUTROOT]
# Copies every unfinished queue run (a checkpoint and no result.json) from OUTROOT (default runs/queue) to
# results/inflight/<run>/ with its queue line, so a session that ends before the run does can commit it and the next
# session's scripts/run-queue.sh continues from it (see that script). Stop the queue first (kill -INT saves a
# mid-epoch checkpoint). Prints what it parked; finished runs and runs already parked unchanged are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
outroot=${1:-runs/queue}
[ -d "$outroot" ] || { echo "queue-park: no folder $outroot" >&2; exit 1; }
mkdir -p results/inflight
for run in "$outroot"/*/; do
  run=${run%/}; name=$(basename "$run")
  [ -f "$run/checkpoint.lbck" ] || continue
  [ -f "$run/result.json" ] && continue
  [ -f "$run.queue-line" ] || { echo "queue-park: $run has no queue line, skipped" >&2; continue; }
  dest="results/inflight/$name"
  rm -rf "$dest.tmp"; mkdir -p "$dest.tmp"
  for f in "$run"/*; do case "$(basename "$f")" in *.tmp|*.lock|.lock) ;; *) cp -r "$f" "$dest.tmp/" ;; esac; done
  rm -rf "$dest"; mv "$dest.tmp" "$dest"; cp "$run.queue-line" "$dest.queue-line"
  echo "parked $name: $(cat "$run.queue-line") ($(du -sh "$dest" | cut -f1))"
done
