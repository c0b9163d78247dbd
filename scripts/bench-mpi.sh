#!/usr/bin/env bash
# Data-parallel training throughput under Open MPI (docs/DISTRIBUTED.md, BENCHMARKS.md "Training on several processes"):
# train images/s with 1 process and with 2 processes (1 thread each) for the BinaryNet MLP (MNIST) and ResNet-20
# (CIFAR-10), and per step the bytes each process hands to the exchange and the seconds rank 0 waits for it after its
# backward pass, for float32 gradients (overlapped with the backward pass or not) and 6-bit gradients.
# Usage: scripts/bench-mpi.sh [CIFAR10_DIR] [MLP_IMAGES] [RESNET_IMAGES]    (prints one table row per run)
set -euo pipefail
cd "$(dirname "$0")/.."
cifar=${1:-../shared/data/cifar10}
mlp_images=${2:-6000}
resnet_images=${3:-1280}
dotnet build src/Lowbit.Cli -c Release -v q -nologo >/dev/null
cli=src/Lowbit.Cli/bin/Release/net10.0/lowbit.dll
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mpi=(mpirun --oversubscribe --bind-to none --mca btl self,vader)
[ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)

run() { # name processes config sets...
  local name=$1 n=$2 config=$3; shift 3
  local sets=(--set threads=1 --set train.epochs=2 --set data.validation=100 --set data.test_limit=100 "$@")
  if [ "$n" = 1 ]; then dotnet "$cli" train --quiet --config "$config" --out "$out/$name" "${sets[@]}" >/dev/null
  else "${mpi[@]}" -np "$n" dotnet "$cli" train --quiet --config "$config" --out "$out/$name" "${sets[@]}" >/dev/null; fi
  python3 - "$out/$name/result.json" "$name" "$n" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); d = r.get("distributed", {})
print(f"| {sys.argv[2]} | {sys.argv[3]} | {r['train_examples_per_second']:.1f} | {d.get('bytes_per_step', 0):,} | "
      f"{1000 * d.get('exchange_wait_seconds_per_step', 0):.1f} | {1000 * d.get('codec_seconds_per_step', 0):.1f} |")
PY
}

echo "load before: $(uptime)"
echo "| run | processes | train images/s | bytes per step | exchange wait ms/step | codec ms/step |"
echo "|---|---|---|---|---|---|"
for model in mlp resnet; do
  if [ $model = mlp ]; then config=configs/mnist-binarynet.json; data=(--set data.train_limit=$mlp_images)
  else
    [ -d "$cifar" ] || { echo "CIFAR-10 not found at $cifar; skipping ResNet-20"; continue; }
    config=configs/cifar10-resnet20.json; data=(--set "data.path=$cifar" --set data.train_limit=$resnet_images)
  fi
  run $model-1 1 $config "${data[@]}"
  run $model-2-float 2 $config "${data[@]}"
  run $model-2-float-no-overlap 2 $config "${data[@]}" --set distributed.overlap=false
  run $model-2-6bit 2 $config "${data[@]}" --set distributed.gradient_bits=6
  run $model-1-again 1 $config "${data[@]}"
done
echo "load after: $(uptime)"
