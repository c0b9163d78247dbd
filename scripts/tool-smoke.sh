#!/usr/bin/env bash
# Packs every project, checks the packages' metadata, installs the lowbit .NET tool from the package folder into a
# temporary tool path and runs it from an empty folder: the shipped configs are found by name, `lowbit configs` lists
# them, and the bundled MNIST is found; runs samples/BinaryMlp and reads its files with the installed tool. Ends with
# one line "N passed, M failed" (.ci/run adds it to its count).
# Usage: scripts/tool-smoke.sh [--full]   (--full trains on all of MNIST; default: 2,000 training and test images)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() { # check NAME COMMAND...: runs the command, counts and reports the outcome
  local name="$1"; shift
  if "$@" >"$work/check.log" 2>&1; then passed=$((passed + 1)); echo "ok   $name"
  else failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     /' "$work/check.log" | tail -n 20; fi
}
limits=(--set data.train_limit=2000 --set data.test_limit=2000)
[ "${1:-}" = "--full" ] && limits=()

echo "== dotnet pack (Release) into $work/packages"
if ! dotnet pack "$root/Lowbit.slnx" -c Release -o "$work/packages" >"$work/pack.log" 2>&1; then
  tail -n 30 "$work/pack.log"; echo "0 passed, 1 failed"; exit 1
fi

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -n 1)
zip_list() { python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; }
zip_nuspec() { python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.read([n for n in z.namelist() if n.endswith(".nuspec")][0]).decode())' "$1"; }
nuspec_ok() { # nuspec_ok PACKAGE.nupkg: licence expression, a real description, the README inside, the shared version
  local spec; spec=$(zip_nuspec "$1") || return 1
  grep -q '<license type="expression">Apache-2.0</license>' <<<"$spec" || { echo "no licence expression"; return 1; }
  grep -q '<readme>README.md</readme>' <<<"$spec" || { echo "no readme element"; return 1; }
  grep -q "<version>$version</version>" <<<"$spec" || { echo "version is not $version"; return 1; }
  local description; description=$(sed -n 's:.*<description>\(.*\)</description>.*:\1:p' <<<"$spec")
  [ -n "$description" ] && [ "$description" != "Package Description" ] || { echo "description: '$description'"; return 1; }
  local files; files=$(zip_list "$1") || return 1
  grep -qx 'README.md' <<<"$files" || { echo "README.md not in the package"; return 1; }
  grep -qx 'LICENSE' <<<"$files" || { echo "LICENSE not in the package"; return 1; }
}
count=0
for pkg in "$work"/packages/*.nupkg; do
  count=$((count + 1))
  check "package $(basename "$pkg") carries licence, description, README and version $version" nuspec_ok "$pkg"
done
no_test_packages() { local names; names=$(ls "$work"/packages); ! grep -qiE 'tests|testing|benchmarks|samples' <<<"$names"; }
check "no test, benchmark or sample package ($count packages)" no_test_packages

check "dotnet tool install lowbit from the package folder" \
  dotnet tool install --tool-path "$work/tools" --add-source "$work/packages" lowbit --version "$version"
lowbit="$work/tools/lowbit"
mkdir -p "$work/empty"
cd "$work/empty" || exit 1
lists_configs() { "$lowbit" configs >"$work/configs.txt" && grep -qx 'mnist-mlp-float' "$work/configs.txt" && grep -qx 'mnist-binarynet' "$work/configs.txt"; }
check "lowbit configs lists the shipped configs (from an empty folder)" lists_configs
trains() {
  "$lowbit" train --config mnist-mlp-float.json --set train.epochs=1 "${limits[@]}" --quiet &&
    grep -q '"test_error"' runs/mnist-mlp-float/result.json && [ -f runs/mnist-mlp-float/checkpoint.lbck ]
}
check "lowbit train --config mnist-mlp-float.json --set train.epochs=1 from an empty folder (bundled MNIST)" trains
check "lowbit eval of that run's checkpoint" "$lowbit" eval --checkpoint runs/mnist-mlp-float/checkpoint.lbck
check "lowbit summary --config NAME" "$lowbit" summary --config mnist-binarynet
unknown_name() { ! "$lowbit" train --config no-such-config.json 2>"$work/err.txt" && grep -q "lowbit configs" "$work/err.txt"; }
check "an unknown config name is a one-line error pointing at lowbit configs" unknown_name

# The C# sample (docs/GUIDE.md), run from the repository (its bundled MNIST) into a folder the installed tool then reads.
sample_runs() {
  (cd "$root" && dotnet run -c Release --project samples/BinaryMlp -- "$work/empty/sample" 2000) >"$work/sample.txt" 2>&1 &&
    grep -q '^test accuracy' "$work/sample.txt" && grep -q '^packed model: ' "$work/sample.txt" && grep -q 'sample-bnn' "$work/sample.txt"
}
check "samples/BinaryMlp builds, trains, evaluates, saves, reloads, exports, infers and summarises (2,000 images)" sample_runs
check "lowbit eval reads the sample's saved checkpoint" "$lowbit" eval --checkpoint sample/model.lbck
check "lowbit eval reads the sample's run checkpoint" "$lowbit" eval --checkpoint sample/run/checkpoint.lbck
check "lowbit infer runs the sample's packed model, bit-exact against its checkpoint" "$lowbit" infer --model sample/model.lbpm --verify sample/model.lbck
check "lowbit summary reads the sample's checkpoint" "$lowbit" summary --checkpoint sample/model.lbck

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
