#!/usr/bin/env bash
# SGEMM peer ratio: numpy (OpenBLAS sgemm) vs Lowbit Sgemm.Multiply on the same shapes, 1 and 2 threads.
# Usage: benchmarks/sgemm-ratio.sh [threads ...]   (default: 1 2)
# Needs: apt-get install -y python3-numpy libopenblas0-openmp python3-threadpoolctl
# Both sides: best of 25 timed samples (~20 ms each) after 3 warm-up samples. Prints GFLOP/s and lowbit/numpy,
# from wall time and (1 thread only) from process CPU time, which ignores time spent descheduled on a busy machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
threads=("$@"); [ ${#threads[@]} -eq 0 ] && threads=(1 2)
art="${SGEMM_ARTIFACTS:-/tmp/art-sgemm-ratio}"
dotnet build "$here/Lowbit.Benchmarks" -c Release --artifacts-path "$art" -v q -nologo >/dev/null
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
for t in "${threads[@]}"; do
    # Interleave the two sides per thread count so machine load affects both alike.
    /usr/bin/python3 "$here/peers/sgemm_numpy.py" "$t" >>"$out"
    dotnet "$art/bin/Lowbit.Benchmarks/release/Lowbit.Benchmarks.dll" sgemm-ratio "$t" >>"$out"
done
grep '^#' "$out" | sort -u
echo "# load average before/after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$out" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    if line.startswith('#'):
        continue
    who, ta, tb, m, n, k, t, wall, cpu = line.split()
    rows.setdefault((int(t), int(m), int(n), int(k), ta + tb), {})[who] = (float(wall), float(cpu))
print(f"{'thr':>3} {'m':>5} {'n':>5} {'k':>5} {'op':>2} | {'numpy':>6} {'lowbit':>6} {'ratio':>5} | "
      f"{'cpu: numpy':>10} {'lowbit':>6} {'ratio':>5}   (GFLOP/s)")
for key in sorted(rows, key=lambda r: (r[0], -r[1] * r[2] * r[3], r[1], r[4])):
    t, m, n, k, op = key
    (nw, nc), (lw, lc) = rows[key]['numpy'], rows[key]['lowbit']
    cpu = f"{nc:>10.1f} {lc:>6.1f} {lc / nc:>5.2f}" if t == 1 else f"{'-':>10} {'-':>6} {'-':>5}"
    print(f"{t:>3} {m:>5} {n:>5} {k:>5} {op:>2} | {nw:>6.1f} {lw:>6.1f} {lw / nw:>5.2f} | {cpu}")
PY
