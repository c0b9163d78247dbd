#!/usr/bin/env bash
# What 6-bit gradients on the wire cost in accuracy: the BinaryNet MLP on an MNIST subset, 2 processes, float32 against
# 6-bit gradients, seeds 1..S (BENCHMARKS.md "Training on several processes"). Prints one line per run and the test
# errors per arm. Usage: scripts/mpi-gradient-bits.sh [SEEDS] [TRAIN_IMAGES] [EPOCHS]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-3}; images=${2:-6000}; epochs=${3:-2}
dotnet build src/Lowbit.Cli -c Release -v q -nologo >/dev/null
cli=src/Lowbit.Cli/bin/Release/net10.0/lowbit.dll
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mpi=(mpirun --oversubscribe --bind-to none --mca btl self,vader -np 2)
[ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
echo "load before: $(uptime)"
for seed in $(seq "${FIRST_SEED:-1}" "$seeds"); do
  for bits in 32 6; do
    sets=(--set seed=$seed --set threads=1 --set train.epochs=$epochs --set data.train_limit=$images --set data.validation=1000 --set data.test_limit=2000)
    [ $bits = 6 ] && sets+=(--set distributed.gradient_bits=6)
    "${mpi[@]}" dotnet "$cli" train --quiet --config configs/mnist-binarynet.json --out "$out/s$seed-b$bits" "${sets[@]}" >/dev/null
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[2], sys.argv[3], r['test_error'], r['best_val_accuracy'], r['train_examples_per_second'])" \
      "$out/s$seed-b$bits/result.json" "$seed" "$bits"
  done
done
echo "load after: $(uptime)"
