#!/usr/bin/env bash
# Redraws every figure in docs/plots/ from results/ with `lowbit plot` (see docs/RESULTS.md).
# Usage: scripts/plots.sh [LOWBIT_BINARY]   (default: dotnet run of src/Lowbit.Cli)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ge 1 ]; then lb=("$1"); else lb=(dotnet run -c Release --project src/Lowbit.Cli --); fi
plot() { "${lb[@]}" plot --results results "$@" | head -1; }
plot --out docs/plots/mnist.svg --dataset mnist --include mnist-bc --include mnist-binarynet --include mnist-dorefa \
  --include mnist-fm --include mnist-xnor --include mnist-ste --include mnist-bnnplus --include mnist-hbb \
  --title "MNIST, 3x1024 MLP: test error vs average weight bits"
plot --out docs/plots/fashion-mnist.svg --dataset fashion-mnist --include fashion-mnist-hbb --include fashion-mnist-residual \
  --include fashion-mnist-ste --include fashion-mnist-bnnplus --include fashion-mnist-cnn \
  --title "Fashion-MNIST, 3x1024 MLP and small CNN: test error vs average weight bits"
plot --out docs/plots/fashion-mnist-w128-hbb.svg --dataset fashion-mnist --include w128-hbb --include w128-residual \
  --title "Fashion-MNIST, 3x128 MLP: HBB vs homogeneous residual weights, Middle-Out vs ablations"
plot --out docs/plots/mnist-w128-hbb.svg --dataset mnist --include w128-hbb --include w128-residual \
  --title "MNIST, 3x128 MLP: HBB vs homogeneous residual weights, Middle-Out vs ablations"
plot --out docs/plots/fashion-mnist-w128-weights.svg --dataset fashion-mnist --include w128-balanced --include w128-uniform \
  --include w128-dorefa --include w128-pdb --title "Fashion-MNIST, 3x128 MLP: balanced vs uniform, PDB staircases vs homogeneous DoReFa"
plot --out docs/plots/fashion-mnist-w128-bitpruning.svg --dataset fashion-mnist --include w128-bitpruning --include w128-dorefa \
  --title "Fashion-MNIST, 3x128 MLP: BitPruning fronts (bits, memory, BOPs targets) vs homogeneous DoReFa"
# Low-precision arithmetic (docs/ARITHMETIC.md): PI-MNIST test error against dynamic fixed-point propagation bits
# (12-bit updates) with the float32 mean, its margin and the knee; radix points of the first dfxp 10/12 run.
read -r ref lim knee state < <(python3 scripts/lowprec_report.py --summary)
marks=(); [ "$knee" != "-" ] && marks=(--mark "$knee=knee$([ "$state" = final ] || echo ' (so far)')")
# 6 bits is left out (about 30 % error: it would flatten the rest of the curve; docs/RESULTS.md has it).
widths=(); for b in 7 8 9 10 11 12 13 14 15 16; do widths+=(--include "mnist-lowprec-dfxp-$b-12"); done
plot --out docs/plots/mnist-lowprec-sweep.svg --dataset mnist "${widths[@]}" --x arithmetic.propagation_bits \
  --hline "$ref=float32" --hline "$lim=float32 + 0.3 pp" "${marks[@]}" \
  --title "PI-MNIST MLP: test error vs dfxp propagation bits, 12-bit updates (6 bits: see RESULTS)"
radix=results/mnist-lowprec-dfxp-10-12/seed1
"${lb[@]}" plot-radix --run "$radix" --out docs/plots/mnist-lowprec-dfxp-10-12-radix-L1.svg --group L1/ \
  --title "PI-MNIST, dfxp 10/12, seed 1: radix points of layer 1's ten groups" | head -1
"${lb[@]}" plot-radix --run "$radix" --out docs/plots/mnist-lowprec-dfxp-10-12-radix-gradients.svg --group dE/dW --group dE/dz \
  --title "PI-MNIST, dfxp 10/12, seed 1: radix points of dE/dW and dE/dz per layer" | head -1
# CIFAR-10 zoo (docs/RESULTS.md "Convnets on CIFAR-10: the zoo"): learning curves of every finished or parked run.
for cfg in cifar10-resnet20 cifar10-resnet20-binary cifar10-vgg-small-binary-w0.25 cifar10-vgg-small-w0.25 \
  cifar10-resnet20-dorefa-w2a2 cifar10-resnet20-dorefa-w1a2 cifar10-mobilenet-small; do
  runs=()
  for d in results/$cfg/seed* results/inflight/$cfg-s*; do
    [ -s "$d/metrics.csv" ] && [ "$(wc -l < "$d/metrics.csv")" -gt 1 ] && runs+=(--run "$d")
  done
  [ ${#runs[@]} -gt 0 ] && "${lb[@]}" plot-curves "${runs[@]}" --out "docs/plots/zoo-$cfg.svg" \
    --title "CIFAR-10, $cfg: validation and test error per epoch" | head -1
done
true
