#!/usr/bin/env bash
# Kills a training process (SIGKILL) during epoch 3, resumes it, and checks that result.json equals an
# uninterrupted run's apart from timings. Usage: scripts/kill-resume-check.sh [lowbit-command...]
# Default command: dotnet run -c Release --project src/Lowbit.Cli --
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then LOWBIT=("$@"); else LOWBIT=(dotnet run -c Release --project src/Lowbit.Cli --); fi
work=$(mktemp -d)
common=(--quiet --set data.train_limit=6000 --set data.validation=2000 --set data.test_limit=2000 --set train.epochs=4)
"${LOWBIT[@]}" train "${common[@]}" --out "$work/full" > "$work/full.log"
"${LOWBIT[@]}" train "${common[@]}" --out "$work/killed" > "$work/killed.log" &
pid=$!
# wait until two epochs are recorded (header + 2 rows), then kill somewhere inside epoch 3
until [ -f "$work/killed/metrics.csv" ] && [ "$(wc -l < "$work/killed/metrics.csv")" -ge 3 ]; do sleep 0.2; done
sleep 1
pkill -9 -P "$pid" 2>/dev/null || true; kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "killed during epoch 3; metrics rows at kill: $(( $(wc -l < "$work/killed/metrics.csv") - 1 ))"
"${LOWBIT[@]}" train --quiet --out "$work/killed" --resume > "$work/resumed.log"
strip() { grep -v -E 'second' "$1"; }
if diff <(strip "$work/full/result.json") <(strip "$work/killed/result.json"); then
  echo "resume check: result.json metrics identical"; rm -rf "$work"
else
  echo "resume check: DIFFERENT (see $work)"; exit 1
fi
