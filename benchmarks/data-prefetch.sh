#!/usr/bin/env bash
# Training time with and without batch prefetching (data.prefetch), interleaved run by run so machine load affects
# both alike, with the loader's own figures from result.json: data_fill_seconds (time spent preparing batches,
# any thread) and data_wait_seconds (time the training loop waited for them).
# Usage: benchmarks/data-prefetch.sh LOWBIT_BINARY CIFAR10_DIR [REPEATS]
#   e.g. benchmarks/data-prefetch.sh src/Lowbit.Cli/bin/Release/net10.0/lowbit /work/shared/data/cifar10 3
# Cases: the small CIFAR-10 convnet (augmentation on) at batch 25 and 128, and the MNIST float MLP (the cheapest
# step per image, so the largest data share), each at 1 and 2 threads; one epoch of 10,000 training images.
# Prints one line per run and a summary per case: mean train seconds off/on and their ratio.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,9p' "$0"; exit 2; }
bin=$1; cifar=$2; repeats=${3:-3}
cd "$(dirname "$0")/.."
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
common=(--set train.epochs=1 --set data.validation=0 --set data.train_limit=10000 --set data.test_limit=500)
run() { # name threads prefetch config extra-sets...
    local name=$1 threads=$2 prefetch=$3 config=$4; shift 4
    rm -rf "$out/run"
    "$bin" train --config "$config" --out "$out/run" --set threads="$threads" --set data.prefetch="$prefetch" "${common[@]}" "$@" >/dev/null
    /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["train_seconds"], r["data_fill_seconds"], r["data_wait_seconds"])' "$out/run/result.json"
}
cases=("cifar-cnn-b25|configs/cifar10-small-cnn.json|--set data.path=$cifar"
       "cifar-cnn-b128|configs/cifar10-small-cnn.json|--set data.path=$cifar --set train.batch_size=128"
       "mnist-mlp-b100|configs/mnist-mlp-float.json|")
for case in "${cases[@]}"; do
    IFS='|' read -r name config sets <<< "$case"
    for threads in 1 2; do
        on=(); off=()
        for ((r = 0; r < repeats; r++)); do
            for prefetch in false true; do
                # shellcheck disable=SC2086
                read -r train fill wait <<< "$(run "$name" "$threads" "$prefetch" "$config" $sets)"
                printf '%-15s threads %d prefetch %-5s train %7.3f s  fill %6.3f s  wait %6.3f s  (load %s)\n' \
                    "$name" "$threads" "$prefetch" "$train" "$fill" "$wait" "$(cut -d' ' -f1 /proc/loadavg)"
                if [ "$prefetch" = true ]; then on+=("$train"); else off+=("$train"); fi
            done
        done
        /usr/bin/python3 -c 'import sys,statistics as s; off=[float(x) for x in sys.argv[2].split()]; on=[float(x) for x in sys.argv[3].split()]
print(f"== {sys.argv[1]}: train seconds without prefetch {s.mean(off):.3f}, with {s.mean(on):.3f}, ratio without/with {s.mean(off)/s.mean(on):.3f}")' \
            "$name threads $threads" "${off[*]}" "${on[*]}"
    done
done
