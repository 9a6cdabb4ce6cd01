#!/usr/bin/env bash
# SAGA's task graphs (../shared/peers/saga, beside the shared data; github ANRGUSC/saga): each is
# imported (dagplan import saga), planned with heft, and re-evaluated by scripts/saga-evaluate.py,
# the evaluator that shares no code with the predictor. Its makespan must equal the plan's
# predicted makespan (1e-5 relative), and heft's makespan must be at most 1% above SAGA's
# published HEFT makespan (benchmarks/saga-expected.json). The import_errors case checks the
# importer's errors on small inline graphs: exit 1, one line naming the file and the JSON path,
# no output written.
# Usage: saga_test.sh CASE DAGPLAN SOURCE_DIR SHARED_DATA_DIR
#   CASE: a graph of benchmarks/saga-expected.json, or import_errors.
#   Exits 77 (ctest: skipped) when the graph is absent. $DAGPLAN_SHARED_DATA overrides the folder.
set -u
case_name=$1 dagplan=$2 src=$3
shared=${DAGPLAN_SHARED_DATA:-$4}
shared=${shared%/}
saga=${shared%/*}/peers/saga
expected=$src/benchmarks/saga-expected.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }

# import_fails NAME PATH_PATTERN JSON: the import exits 1 with one line naming NAME.json and
# matching PATH_PATTERN (grep -E), and writes neither the workflow nor the platform.
import_fails() {
  local name=$1 pattern=$2 json=$3
  printf '%s' "$json" > "$tmp/$name.json"
  "$dagplan" import saga "$tmp/$name.json" -o "$tmp/w.json" --platform-out "$tmp/p.json" \
    > "$tmp/out" 2> "$tmp/err"
  local status=$?
  [ "$status" = 1 ] || fail "$name: expected exit 1, got $status ($(cat "$tmp/err"))"
  [ "$(wc -l < "$tmp/err")" = 1 ] || fail "$name: expected one line, got: $(cat "$tmp/err")"
  grep -qE -- "$name\\.json: $pattern" "$tmp/err" || fail "$name: stderr does not match '$pattern': $(cat "$tmp/err")"
  [ ! -e "$tmp/w.json" ] && [ ! -e "$tmp/p.json" ] || fail "$name: an output file was written"
}

if [ "$case_name" = import_errors ]; then
  machines='"nodes": 2, "speeds": [1, 2]'
  import_fails cycle "\\\$\\.tasks: .*cycle: 0 -> 1 -> 0" \
    '{"tasks": [{"id": 0, "work": 1, "deps": [1], "output_bytes": 10},
                {"id": 1, "work": 1, "deps": [0], "output_bytes": 10}], '"$machines"', "bandwidth": 1e6}'
  import_fails no-bandwidth "\\\$: missing member 'bandwidth'" \
    '{"tasks": [{"id": 0, "work": 1, "deps": [], "output_bytes": 10}], '"$machines"'}'
  import_fails bad-speed "\\\$\\.speeds\\[1\\] .*: expected a speed > 0, got -2" \
    '{"tasks": [{"id": 0, "work": 1, "deps": [], "output_bytes": 10}], "nodes": 2, "speeds": [1, -2], "bandwidth": 1e6}'
  import_fails unknown-dep "\\\$\\.tasks\\[1\\]\\.deps\\[1\\]: .*unknown task '7'" \
    '{"tasks": [{"id": 0, "work": 1, "deps": [], "output_bytes": 10},
                {"id": 1, "work": 1, "deps": [0, 7], "output_bytes": 10}], '"$machines"', "bandwidth": 1e6}'
  echo "PASS [$case_name]"
  exit 0
fi

graph=$saga/$case_name.json
if [ ! -f "$graph" ]; then
  echo "SKIP [$case_name]: $graph is absent (SAGA's graphs sit in peers/saga beside the shared data)"
  exit 77
fi
command -v python3 > /dev/null || fail "python3 is needed to run scripts/saga-evaluate.py (scripts/install-deps.sh)"

"$dagplan" import saga "$graph" -o "$tmp/workflow.json" --platform-out "$tmp/platform.json" \
  2> "$tmp/err" || fail "import: $(cat "$tmp/err")"
"$dagplan" plan "$tmp/workflow.json" --platform "$tmp/platform.json" --planner heft \
  -o "$tmp/plan.json" > "$tmp/out" 2> "$tmp/err" || fail "plan: $(cat "$tmp/err")"
python3 "$src/scripts/saga-evaluate.py" "$graph" "$tmp/plan.json" --json > "$tmp/eval.json" \
  2> "$tmp/err" || fail "saga-evaluate.py: $(cat "$tmp/err")"
python3 - "$case_name" "$tmp/plan.json" "$tmp/eval.json" "$expected" <<'PY' || exit 1
import json
import sys

name, plan_file, eval_file, expected_file = sys.argv[1:]
def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)
predicted = load(plan_file)["predictions"]["makespan_s"]
evaluated = load(eval_file)["makespan_s"]
saga = {g["graph"]: g for g in load(expected_file)["graphs"]}[name]["heft_makespan_s"]
print(f"{name}: predicted {predicted:.6f} s, evaluated {evaluated:.6f} s, SAGA's HEFT {saga:.3f} s "
      f"({100 * (predicted / saga - 1):+.2f}%)")
failed = False
if abs(evaluated - predicted) > 1e-5 * max(abs(evaluated), abs(predicted)):
    print(f"FAIL [{name}]: the evaluator's makespan {evaluated:.6f} s differs from the predicted "
          f"{predicted:.6f} s by more than 1e-5 relative", file=sys.stderr)
    failed = True
if predicted > 1.01 * saga:
    print(f"FAIL [{name}]: heft's makespan {predicted:.6f} s is more than 1% above SAGA's HEFT "
          f"{saga:.3f} s", file=sys.stderr)
    failed = True
sys.exit(1 if failed else 0)
PY
echo "PASS [$case_name]"
