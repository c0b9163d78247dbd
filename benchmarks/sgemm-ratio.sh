#!/usr/bin/env bash
# SGEMM peer ratio: numpy (OpenBLAS sgemm) vs Lowbit Sgemm.Multiply on the same shapes, 1 and 2 threads.
# Usage: benchmarks/sgemm-ratio.sh [threads ...]   (default: 1 2)
# Needs: apt-get install -y python3-numpy libopenblas0-openmp python3-threadpoolctl
# Both sides: best of 25 timed samples (~20 ms each) after 3 warm-up samples. Prints GFLOP/s and lowbit/numpy.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
threads=("$@"); [ ${#threads[@]} -eq 0 ] && threads=(1 2)
art="${SGEMM_ARTIFACTS:-/tmp/art-sgemm-ratio}"
dotnet build "$here/Lowbit.Benchmarks" -c Release --artifacts-path "$art" -v q -nologo >/dev/null
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
for t in "${threads[@]}"; do
    # Interleave the two sides per thread count so machine load affects both alike.
    /usr/bin/python3 "$here/peers/sgemm_numpy.py" "$t" >>"$out"
    dotnet "$art/bin/Lowbit.Benchmarks/release/Lowbit.Benchmarks.dll" sgemm-ratio "$t" >>"$out"
done
grep '^#' "$out" | sort -u
/usr/bin/python3 - "$out" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    if line.startswith('#'):
        continue
    who, ta, tb, m, n, k, t, g = line.split()
    rows.setdefault((int(t), int(m), int(n), int(k), ta + tb), {})[who] = float(g)
print(f"{'threads':>7} {'m':>5} {'n':>5} {'k':>5} {'op':>3} {'numpy GF/s':>10} {'lowbit GF/s':>11} {'ratio':>6}")
for key in sorted(rows, key=lambda r: (r[0], -r[1] * r[2] * r[3], r[1], r[4])):
    t, m, n, k, op = key
    v = rows[key]
    print(f"{t:>7} {m:>5} {n:>5} {k:>5} {op:>3} {v['numpy']:>10.1f} {v['lowbit']:>11.1f} {v['lowbit'] / v['numpy']:>6.2f}")
PY
