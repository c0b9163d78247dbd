#!/usr/bin/env bash
# Usage: scripts/run-queue.sh QUEUE_FILE [JOBS]
# Runs the trainings listed in QUEUE_FILE (one "config seed epochs [key=value ...]" per line, '#' comments allowed; the
# optional key=value words become --set overrides, e.g. data.path=../shared/data/cifar10) with JOBS
# (default 2) single-threaded trainings at a time, and copies each run's command, per-epoch log, metrics.csv,
# arithmetic.csv (low-precision arithmetic runs), result.json and CPU time into results/<config>/seed<k>/.
# Restartable, also across sessions: a line already done (result.json present for the same epochs) is skipped, and a
# line whose run stopped part-way (killed, Ctrl-C, machine restart) continues from its last checkpoint with
# `lowbit train --out DIR --resume` (the result is the same as an uninterrupted run's: same seed and thread count).
# A run continues only if its folder was started by the same queue line (config, seed, epochs, overrides); otherwise,
# or if the checkpoint is refused, it starts over. Stop a queue with Ctrl-C / kill -INT (each training saves a checkpoint
# mid-epoch and exits 130); after SIGKILL the runs continue from their last checkpoint (end of an epoch, or at most
# train.checkpoint_minutes = 10 minutes of training old).
# cpu_seconds.txt gets one "user system elapsed" line (seconds, /usr/bin/time) per start or resume of the run; their
# user + system sum is the run's CPU cost, which a loaded machine does not inflate (elapsed time it does).
# Results do not depend on the thread count (checked: 1 and 2 threads give identical epochs for mnist-binarynet),
# so JOBS one-thread runs side by side use the 2 cores better than one two-thread run (thread scaling of a single
# training is well under 2x on this machine).
# Environment: QUEUE_LOCKDIR (see below), LOWBIT (the lowbit binary; default /tmp/art-exp/bin/Lowbit.Cli/release/lowbit, built with
#   dotnet build src/Lowbit.Cli -c Release --artifacts-path /tmp/art-exp), OUTROOT (the runs' folders with their
#   checkpoints; default runs/queue, which survives a new session where /tmp may not).
# A queue started in the background from a script (`nohup ... &`) runs its trainings with SIGINT ignored (the shell's
# rule for background jobs), so kill -INT does nothing there: kill the runner, then kill -TERM the trainings (SIGTERM,
# like Ctrl-C, makes a training save a checkpoint where it is and exit 130; it continues from there).
# Across sessions on fresh checkouts (runs/ is not in git): stop the queue with kill -INT, then scripts/queue-park.sh
# copies every unfinished run's folder to results/inflight/ to be committed; the next run-queue.sh of the same line
# continues from it and removes the parked copy once the run has finished.
set -uo pipefail
# Linux scheduler autogroups: nice ranks processes only within one session's group, and busy groups share the CPU
# equally, so a `nice -n 19` queue started from a shell still took half of each core from other sessions' builds and
# benchmarks. The runner therefore moves into a session of its own (setsid; -w keeps it a child that `wait` and the
# exit status see) and gives that session's group its own nice value: it then really runs in the background.
# Only when stdin is not a terminal (nohup, &, scripts): at a terminal the runner stays in the shell's session, so that
# Ctrl-C still reaches it and its trainings. QUEUE_AUTOGROUP=0 skips this.
if [ "${QUEUE_AUTOGROUP:-1}" = 1 ] && [ -z "${QUEUE_IN_SESSION:-}" ] && [ ! -t 0 ] && [ -w /proc/self/autogroup ] \
    && command -v setsid > /dev/null; then
  QUEUE_IN_SESSION=1 exec setsid -w "$BASH" "$0" "$@"
fi
if [ -n "${QUEUE_IN_SESSION:-}" ]; then echo "$(nice)" > /proc/self/autogroup 2> /dev/null || true; fi
cd "$(dirname "$0")/.."
queue=${1:?usage: $0 QUEUE_FILE [JOBS]}; jobs=${2:-2}
LOWBIT=${LOWBIT:-/tmp/art-exp/bin/Lowbit.Cli/release/lowbit}
OUTROOT=${OUTROOT:-runs/queue}
# QUEUE_LOCKDIR: share line claims between several runners of the same queue (e.g. a second runner started
# when a core frees up); a shared lock directory is left in place at the end.
lockdir=${QUEUE_LOCKDIR:-$(mktemp -d)}; mkdir -p "$lockdir"
timed=(); [ -x /usr/bin/time ] && timed=(/usr/bin/time -a -f "%U %S %e")

# Runs lowbit with the given arguments, appending the CPU time to $1/cpu_seconds.txt and the output to $1/train.log.
lowbit_timed() {
  local dest=$1; shift
  local rc=0
  if [ ${#timed[@]} -gt 0 ]; then "${timed[@]}" -o "$dest/cpu_seconds.txt" "$LOWBIT" "$@" >> "$dest/train.log" 2>&1 || rc=$?
  else "$LOWBIT" "$@" >> "$dest/train.log" 2>&1 || rc=$?; fi
  echo "exit code $rc" >> "$dest/train.log"
  return $rc
}

run_one() {
  local cfg=$1 s=$2 ep=$3; shift 3
  local out="$OUTROOT/$cfg-s$s" dest="results/$cfg/seed$s" line="$cfg $s $ep $*"
  if [ -f "$dest/result.json" ] && grep -q "\"epochs\": *$ep[,}]" "$dest/result.json"; then
    echo "[$(date -u +%T)] skip $cfg seed $s (done)"; return; fi
  mkdir -p "$dest"
  local rc=fresh
  # A run parked by scripts/queue-park.sh in an earlier session (results/inflight/) continues here.
  local parked="results/inflight/$cfg-s$s"
  if [ ! -f "$out/checkpoint.lbck" ] && [ -f "$parked/checkpoint.lbck" ] && [ "$(cat "$parked.queue-line" 2>/dev/null)" = "$line" ]; then
    rm -rf "$out"; mkdir -p "$(dirname "$out")"; cp -r "$parked" "$out"; cp "$parked.queue-line" "$out.queue-line"
    echo "[$(date -u +%T)] unparked $cfg seed $s from $parked"
  fi
  if [ -f "$out/checkpoint.lbck" ] && [ "$(cat "$out.queue-line" 2>/dev/null)" = "$line" ]; then
    local resume=(train --out "$out" --resume --quiet --set threads=1)
    echo "lowbit ${resume[*]}" >> "$dest/command.txt"
    echo "[$(date -u +%T)] resume $cfg seed $s"
    rc=0; lowbit_timed "$dest" "${resume[@]}" || rc=$?
    if [ "$rc" = 1 ]; then echo "resume refused (exit 1): starting over" >> "$dest/train.log"; rc=fresh; fi
  fi
  if [ "$rc" = fresh ]; then
    local args=(train --config "configs/$cfg.json" --out "$out" --quiet --set "seed=$s" --set threads=1 --set "train.epochs=$ep")
    local kv; for kv in "$@"; do args+=(--set "$kv"); done
    rm -rf "$out"; mkdir -p "$(dirname "$out")"; echo "$line" > "$out.queue-line"
    echo "lowbit ${args[*]}" > "$dest/command.txt"; : > "$dest/train.log"; : > "$dest/cpu_seconds.txt"
    echo "[$(date -u +%T)] start $cfg seed $s"
    rc=0; lowbit_timed "$dest" "${args[@]}" || rc=$?
  fi
  if [ -f "$out/result.json" ] && [ -d "$parked" ]; then rm -rf "$parked" "$parked.queue-line"; fi
  [ -f "$out/metrics.csv" ] && cp "$out/metrics.csv" "$dest/"
  [ -f "$out/result.json" ] && cp "$out/result.json" "$dest/"
  [ -f "$out/arithmetic.csv" ] && cp "$out/arithmetic.csv" "$dest/"
  echo "[$(date -u +%T)] end $cfg seed $s rc=$rc $(grep -o 'test error [0-9.]* %' "$dest/train.log" | tail -1)"
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
