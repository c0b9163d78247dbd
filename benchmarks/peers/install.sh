#!/usr/bin/env bash
# Installs the PyTorch / numpy peers used by benchmarks/peers/*.py (Debian 12 packages; python3-onnx for the
# PyTorch column of bench infer, which runs the exported ONNX graph in PyTorch).
# PyTorch 1.13 (CPU, Debian build) links the system libblas.so.3, which the
# libopenblas0-openmp package routes (via update-alternatives) to OpenBLAS 0.3.21 (OpenMP threading).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y \
    python3-torch python3-numpy libopenblas0-openmp python3-threadpoolctl python3-onnx
# Show which BLAS is really used (see BENCHMARKS.md, section "Peers").
/usr/bin/python3 "$(dirname "$0")/blas_info.py"
