#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [CASES]
# The long fuzz run (docs/RELIABILITY.md): the checkpoint reader, the config loader and the packed-model reader, CASES
# cases each (default 1000000; CI runs 10000). Seeds are fixed, so the same CASES checks the same inputs every time.
# A finding fails the test with its case number; replay one case with LOWBIT_FUZZ_CASE=N and the same filter.
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-1000000}
for project in tests/Lowbit.Training.Tests tests/Lowbit.Inference.Tests; do
  LOWBIT_FUZZ_CASES=$cases nice -n 5 dotnet test "$project" -c Release --filter Category=Fuzz
done
