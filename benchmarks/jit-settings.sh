#!/usr/bin/env bash
# JIT settings of the lowbit executable users run: training throughput and packed inference, side by side in one run.
#
# Usage: benchmarks/jit-settings.sh LOWBIT CHECKPOINT [ROUNDS] [SETTINGS...]
#   LOWBIT      the built executable (e.g. src/Lowbit.Cli/bin/Release/net10.0/lowbit, or the installed tool)
#   CHECKPOINT  a packable checkpoint for `lowbit bench infer` (e.g. the BinaryNet MLP of configs/mnist-binarynet.json)
#   ROUNDS      rounds (default 3); each round runs every setting once, in turn, so load bursts hit all settings alike
#   SETTINGS    names from the list below (default: all)
# Settings: "shipped" runs the executable with its own runtimeconfig (what users get); the others override it with
# the runtime's environment variables:
#   shipped      no override
#   tc-off       DOTNET_TieredCompilation=0 (full optimisation from the first call, no tier-up)
#   tc-pgo       DOTNET_TieredCompilation=1 DOTNET_TieredPGO=1 (the .NET default)
#   tc-nopgo     DOTNET_TieredCompilation=1 DOTNET_TieredPGO=0
#   tc-loops     DOTNET_TieredCompilation=1 DOTNET_TC_QuickJitForLoops=0 (methods with loops optimised at once)
#   tc-nopgo-loops  both of the last two
# Per round and setting:
#   lowbit bench train --config configs/mnist-mlp-float.json --threads 2 --steps 40 --windows 6
#   lowbit bench train --config configs/mnist-binarynet.json --threads 2 --steps 40 --windows 6
#   lowbit bench infer --checkpoint CHECKPOINT --images 1000 --onnx false   (probes: XNOR GEMM bit-MACs/cycle/core)
#   lowbit summary --config configs/mnist-binarynet.json, 3 times (start-up: process CPU seconds of a short command)
# Output: one table (medians over rounds; training: mean and first of the windows in images/s, which include any
# tier-up work during the run; inference: packed speed-up over Lowbit float per threads/batch, and the XNOR GEMM
# probe), the load average before and after, and the raw JSON lines in a temporary file named at the end.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,25p' "$0"; exit 2; }
exe="$1"; ck="$2"; rounds="${3:-3}"; shift 2; [ $# -gt 0 ] && shift
settings=("$@"); [ ${#settings[@]} -eq 0 ] && settings=(shipped tc-off tc-pgo tc-nopgo tc-loops)
repo="$(cd "$(dirname "$0")/.." && pwd)"
raw="$(mktemp /tmp/jit-settings-XXXXXX.jsonl)"
env_of() {
    case "$1" in
        shipped) echo "" ;;
        tc-off) echo "DOTNET_TieredCompilation=0" ;;
        tc-pgo) echo "DOTNET_TieredCompilation=1 DOTNET_TieredPGO=1" ;;
        tc-nopgo) echo "DOTNET_TieredCompilation=1 DOTNET_TieredPGO=0" ;;
        tc-loops) echo "DOTNET_TieredCompilation=1 DOTNET_TC_QuickJitForLoops=0" ;;
        tc-nopgo-loops) echo "DOTNET_TieredCompilation=1 DOTNET_TieredPGO=0 DOTNET_TC_QuickJitForLoops=0" ;;
        *) echo "unknown setting $1" >&2; exit 2 ;;
    esac
}
tag() { /usr/bin/python3 -c 'import json,sys
for l in sys.stdin:
    l = l.strip()
    if l.startswith("{"):
        d = json.loads(l); d["setting"] = sys.argv[1]; d["round"] = int(sys.argv[2]); d["what"] = sys.argv[3]; print(json.dumps(d))' "$@"; }
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(date -u +%FT%TZ) load $load_before; $exe; settings ${settings[*]}; $rounds rounds" >&2
for r in $(seq 1 "$rounds"); do
    for s in "${settings[@]}"; do
        read -r -a vars <<< "$(env_of "$s")"
        for cfg in mnist-mlp-float mnist-binarynet; do
            echo "# round $r $s train $cfg" >&2
            (cd "$repo" && env "${vars[@]}" "$exe" bench train --config "configs/$cfg.json" --threads 2 --steps 40 --windows 6) \
                | tag "$s" "$r" "train-$cfg" >> "$raw"
        done
        for i in 1 2 3; do
            t="$(mktemp)"
            (cd "$repo" && env "${vars[@]}" /usr/bin/time -o "$t" -f '%U %S' "$exe" summary --config configs/mnist-binarynet.json >/dev/null)
            awk -v s="$s" -v r="$r" '{printf "{\"what\": \"startup\", \"setting\": \"%s\", \"round\": %d, \"cpu_seconds\": %.3f}\n", s, r, $1 + $2}' "$t" >> "$raw"
            rm -f "$t"
        done
        echo "# round $r $s infer" >&2
        (cd "$repo" && env "${vars[@]}" "$exe" bench infer --checkpoint "$ck" --images 1000 --onnx false) | tag "$s" "$r" infer >> "$raw"
    done
done
echo "# load average before/after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$raw" "${settings[@]}" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
settings = sys.argv[2:]
med = lambda xs: statistics.median(xs) if xs else float("nan")
print("training: images/s, mean of the windows (first window); inference: packed CPU µs per image and packed/float")
print("speed-up (wall) per threads/batch; XNOR GEMM 1024^3 bit-MACs per cycle per core; start-up: CPU seconds of")
print("lowbit summary; medians over rounds")
cols = ["mlp-float train", "binarynet train", "packed 1/1", "packed 1/100", "x float 1/1", "x float 1/100", "x float 2/100", "xnor", "start-up s"]
print(f"{'setting':<15}" + "".join(f"{c:>17}" for c in cols))
for s in settings:
    mine = [r for r in rows if r["setting"] == s]
    cells = []
    for cfg in ("mnist-mlp-float", "mnist-binarynet"):
        t = [r for r in mine if r["what"] == "train-" + cfg and "images_per_second_windows" in r]
        mean = med([statistics.mean(r["images_per_second_windows"]) for r in t])
        first = med([r["images_per_second_windows"][0] for r in t])
        cells.append(f"{mean:>9.0f} ({first:>5.0f})")
    infer = lambda th, b, key: med([r[key] for r in mine if r.get("bench") == "infer" and r["threads"] == th and r["batch"] == b])
    cells += [f"{infer(1, 1, 'packed_cpu_us_per_image'):>17.1f}", f"{infer(1, 100, 'packed_cpu_us_per_image'):>17.1f}"]
    cells += [f"{infer(th, b, 'speedup_vs_float'):>17.2f}" for th, b in ((1, 1), (1, 100), (2, 100))]
    cells.append(f"{med([r['xnor_gemm_1024_bit_macs_per_cycle_per_core'] for r in mine if r.get('bench') == 'kernels']):>17.1f}")
    cells.append(f"{med([r['cpu_seconds'] for r in mine if r['what'] == 'startup']):>17.2f}")
    print(f"{s:<15}" + "".join(cells))
print(f"raw: {sys.argv[1]}")
PY
