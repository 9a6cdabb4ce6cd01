#!/usr/bin/env bash
# Command-line tests for dagbench: the quick baseline check passes on the current code, and fails,
# naming the planner and the workflow, when a planner is deliberately made worse.
# Usage: dagbench_test.sh CASE DAGBENCH SOURCE_DIR SHARED_DATA_DIR ($DAGPLAN_SHARED_DATA overrides
# it; without the data dagbench checks the generated and example workflows only)
set -u
case_name=$1 dagbench=$2 src=$3 shared=${DAGPLAN_SHARED_DATA:-$4}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
baseline=$src/benchmarks/baseline.json
run() { "$dagbench" --quick --check --baseline "$baseline" --shared-data "$shared" "$@" > "$tmp/out" 2> "$tmp/err"; }

case $case_name in
  check_passes)
    # What CI runs: the quick suite against the committed baseline.
    run || fail "exit $? from dagbench --quick --check: $(cat "$tmp/err")"
    grep -q "check against .*: [1-9][0-9]* entries compared .*: ok$" "$tmp/out" ||
      fail "no successful comparison: $(tail -3 "$tmp/out")"
    ;;
  check_fails_on_worse_plan)
    # A 5% worse heft must fail, naming heft and a workflow, and not wukong, which runs beside
    # it (the simulations are not checked; two planners of five keep the case under 20 s).
    two=(--no-sim --planners heft,wukong)
    run "${two[@]}" --degrade heft=1.05
    status=$?
    [ "$status" = 1 ] || fail "expected exit 1, got $status"
    grep -qE "check failed: heft on [^ ]+ \(aws-lambda, passes none\): predicted makespan .* worse than the baseline" "$tmp/err" ||
      fail "no message naming heft and the workflow: $(head -3 "$tmp/err")"
    ! grep -q "check failed: wukong " "$tmp/err" || fail "wukong flagged"
    # Within the stated tolerance (1e-6 relative) it still passes.
    run "${two[@]}" --degrade heft=1.0000001 || fail "a change below the tolerance failed: $(head -3 "$tmp/err")"
    ;;
  check_fails_on_slower_planner)
    run --no-sim --planners dask,wukong --degrade-time dask=20
    status=$?
    [ "$status" = 1 ] || fail "expected exit 1, got $status"
    grep -q "check failed: dask: planning time is .* times slower (limit 3x)" "$tmp/err" ||
      fail "no message naming dask's time: $(cat "$tmp/err")"
    ;;
  usage_errors)
    "$dagbench" --quick --write-baseline --baseline "$tmp/b.json" > /dev/null 2> "$tmp/err"
    [ $? = 2 ] || fail "--quick --write-baseline accepted"
    [ ! -e "$tmp/b.json" ] || fail "a quick baseline was written"
    "$dagbench" --quick --degrade hfet=2 > /dev/null 2> "$tmp/err"
    [ $? = 2 ] || fail "unknown planner accepted"
    grep -q "unknown planner 'hfet'; did you mean 'heft'?" "$tmp/err" || fail "no suggestion: $(cat "$tmp/err")"
    ;;
  saga_check)
    # The comparison with SAGA's HEFT: skipped, saying why, and never failing, without the graphs;
    # with them, compared and passing, and failing, naming the graph, when heft is made 2% worse.
    fast=(--planners heft --no-sim)
    run "${fast[@]}" --saga "$tmp/no-saga" || fail "exit $? without SAGA's graphs: $(cat "$tmp/err")"
    grep -q "skipping the comparison with SAGA's HEFT: $tmp/no-saga is absent" "$tmp/err" ||
      fail "no skip message: $(cat "$tmp/err")"
    grep -q "^check against SAGA's HEFT skipped: " "$tmp/out" || fail "no skipped check: $(tail -3 "$tmp/out")"
    saga=$(dirname "$shared")/peers/saga
    if [ ! -d "$saga" ]; then echo "SKIP [$case_name]: $saga is absent"; exit 77; fi
    run "${fast[@]}" || fail "exit $? with SAGA's graphs: $(cat "$tmp/err")"
    grep -q "^check against SAGA's HEFT (.*): [1-9] graphs compared, geometric mean of the ratios .*: ok$" "$tmp/out" ||
      fail "no successful comparison with SAGA: $(tail -3 "$tmp/out")"
    grep -q "^| layered-1000-s1 .* | *1000 | *2950 |" "$tmp/out" || fail "no SAGA table: $(cat "$tmp/out")"
    run "${fast[@]}" --degrade heft=1.02
    status=$?
    [ "$status" = 1 ] || fail "expected exit 1 with heft 2% worse, got $status"
    grep -qE "check failed: heft on SAGA's layered-1000-s1: predicted makespan .* against SAGA's HEFT 32.288 s \(limit \+1%\)" "$tmp/err" ||
      fail "no message naming the graph: $(cat "$tmp/err")"
    grep -q "check failed: heft against SAGA's HEFT: the geometric mean of the makespan ratios" "$tmp/err" ||
      fail "no message on the geometric mean: $(cat "$tmp/err")"
    ;;
  *) fail "unknown case" ;;
esac
echo "PASS [$case_name]"
