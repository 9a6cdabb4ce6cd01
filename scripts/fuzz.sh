#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, Clang, ASan + UBSan) in build-fuzz/ and runs each for a
# while on a seed corpus built at run time (fuzz/seeds.py: examples/, tests/,
# ../shared/data/hostile and, when build/ holds the command-line tools, the plans, traces and
# profile they write).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET [TARGET...]]   (default 8 s each, every target:
# workflow wfcommons platform profile plan trace). CI runs the default; run longer locally, e.g.
# scripts/fuzz.sh 600 plan. New inputs accumulate in build-fuzz/corpus/TARGET across runs; a
# crashing input is written to build-fuzz/findings/ and the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-8}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(workflow wfcommons platform profile plan trace)
build=build-fuzz
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# Line tables only (-g1): a finding's stack still names file and line, and the build is quicker.
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
  -DDAGPLAN_FUZZ=ON -DDAGPLAN_BUILD_TESTS=OFF -DDAGPLAN_BUILD_BENCHMARKS=OFF \
  -DDAGPLAN_BUILD_CLI=OFF "${launcher[@]}" > /dev/null
cmake --build "$build" --target dagplan_fuzz

rm -rf "$build/seeds"
python3 fuzz/seeds.py "$build/seeds" --tools build
mkdir -p "$build/findings"
# One target per core at a time (each is single-threaded): 6 targets of 8 s take 24 s on 2 cores.
jobs=$(nproc)
run_target() {
  local t=$1 log="$build/fuzz_$1.log"
  mkdir -p "$build/corpus/$t"
  # -timeout: one input taking 10 s is a finding (a hang); -rss_limit_mb: so is 2 GB of memory.
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$build/fuzz/fuzz_$t" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/findings/$t-" "$build/corpus/$t" "$build/seeds/$t" > "$log" 2>&1
}
failed=()
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  batch=("${targets[@]:i:jobs}")
  pids=()
  for t in "${batch[@]}"; do
    echo "fuzz: $t for $seconds s"
    run_target "$t" &
    pids+=($!)
  done
  for k in "${!batch[@]}"; do
    t=${batch[$k]}
    log="$build/fuzz_$t.log"
    if wait "${pids[$k]}"; then
      stats=$(grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' \
        "$log" | sed 's/^stat:://' | tr -s ' ' | tr '\n' ' ')
      echo "fuzz: $t: $stats"
    else
      tail -n 40 "$log"
      echo "fuzz: $t FAILED (log $log, input in $build/findings/)"
      failed+=("$t")
    fi
  done
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, no finding"
