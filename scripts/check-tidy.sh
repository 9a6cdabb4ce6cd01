#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy: bugprone, performance, naming, and clang-tidy's default
# clang-analyzer checks on the library, the simulator and the report) on every C++ source of the
# project and fails on any diagnostic.
#
# The sources are checked in CMake's unity batches (a configure-only build directory with
# CMAKE_UNITY_BUILD=ON): clang-tidy's matchers walk every declaration of a translation unit, the
# standard library's, CLI11's, Catch2's and nlohmann's included, so one unit of eight sources
# costs little more than one source (11 s against 42 s for eight tests): decision 0018. A source
# in a batch is checked as a header of it, so the header filter names every project folder, and
# the script fails if a project source is in no batch and no entry.
#
# Usage: scripts/check-tidy.sh [BUILD_DIR]   (default: build-tidy; configured, not built, here)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-tidy}
runner=$(command -v run-clang-tidy || command -v run-clang-tidy-14 || true)
if [ -z "$runner" ]; then
  echo "check-tidy: run-clang-tidy not found (Debian package clang-tidy)" >&2
  exit 2
fi
src=$(pwd)
# bench_simdjson.cpp is built only on request, with Debian's libsimdjson-dev (decision 0023):
# checked where that is installed, else named as not checked.
simdjson=OFF
optional=benchmarks/bench_simdjson.cpp
if [ -e /usr/include/simdjson.h ]; then
  simdjson=ON
  optional=
else
  echo "check-tidy: $optional not checked (it needs libsimdjson-dev)" >&2
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_UNITY_BUILD=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DDAGPLAN_BENCH_SIMDJSON="$simdjson" > "$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 2; }
rm -f "$build.configure.log"
db="$build/compile_commands.json"
build_abs=$(cd "$build" && pwd)

# Every project source must reach clang-tidy: as an entry of its own or inside a unity batch.
python3 - "$db" "$src" "$optional" <<'EOF'
import json, re, subprocess, sys
db, src, optional = sys.argv[1], sys.argv[2], sys.argv[3].split()
checked = set()
for entry in json.load(open(db)):
    f = entry["file"]
    if "/Unity/unity_" in f:
        checked.update(re.findall(r'#include "([^"]+)"', open(f).read()))
    else:
        checked.add(f)
folders = ["libplanner", "simulator", "executor", "cli", "report", "benchmarks", "tests"]
files = subprocess.run(["git", "ls-files", "--", *[f"{d}/*.cpp" for d in folders]], cwd=src,
                       capture_output=True, text=True, check=True).stdout.split()
missing = [f for f in files if f"{src}/{f}" not in checked and f not in optional]
if missing:
    sys.exit("check-tidy: not in the compile commands: " + " ".join(missing))
EOF

log=$(mktemp)
trap 'rm -f "$log"' EXIT
projects="(libplanner|simulator|executor|cli|report|benchmarks|tests)"
filter="^$src/$projects/"
# A unity batch includes sources, which is what bugprone-suspicious-include reports.
unity=-bugprone-suspicious-include
# The clang-analyzer checks on the library, the simulator and the report only: elsewhere their
# path-sensitive analysis took a third to a half of clang-tidy's time (9.0 s against 6.3 s for
# planners_test.cpp, 26.7 s against 13.5 s for the executor's Eigen kernels); the executor, the
# CLI, the tests and the benchmarks run under AddressSanitizer and UBSan.
"$runner" -p "$build" -quiet -j "$(nproc)" -header-filter="$filter" -checks="$unity" \
  "^($build_abs|$src)/(libplanner|simulator|report)/.*\\.(cpp|cxx)\$" > "$log" 2>&1 || true
"$runner" -p "$build" -quiet -j "$(nproc)" -header-filter="$filter" -checks="$unity,-clang-analyzer-*" \
  "^($build_abs|$src)/(executor|cli|benchmarks|tests)/.*\\.(cpp|cxx)\$" >> "$log" 2>&1 || true
# Diagnostics, without the colour codes; "N warnings generated" lines are counts, not findings.
found=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '(warning|error): ' | sort -u || true)
units=$(grep -c '^clang-tidy' "$log" || true)
if [ "$units" -eq 0 ]; then
  cat "$log"
  echo "check-tidy: clang-tidy ran on no file" >&2
  exit 2
fi
if [ -n "$found" ]; then
  echo "$found"
  echo "check-tidy: $(echo "$found" | wc -l) findings in $units translation units"
  exit 1
fi
echo "check-tidy: $units translation units clean"
