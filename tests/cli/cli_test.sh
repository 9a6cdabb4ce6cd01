#!/usr/bin/env bash
# Command-line tests for dagplan: golden outputs, exit codes, error messages, no partial output.
# Usage: cli_test.sh CASE DAGPLAN SOURCE_DIR SHARED_DATA_DIR ($DAGPLAN_SHARED_DATA overrides it)
# Regenerate goldens on purpose with: UPDATE_GOLDEN=1 ctest -R cli.
# A case that needs the shared data exits 77 when it is absent: ctest reports it as skipped.
set -u
case_name=$1 dagplan=$2 src=$3 shared=${DAGPLAN_SHARED_DATA:-$4}
golden=$src/tests/cli/golden
dagsim=$(dirname "$dagplan")/dagsim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src" || exit 1
fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
# need_dir DIR: the case needs DIR of the shared data; without it, skipped (exit 77).
need_dir() { [ -d "$1" ] || { echo "SKIP: $1 is absent"; exit 77; }; }

# expect_golden NAME CMD...: stdout must equal golden/NAME and the exit status must be 0.
expect_golden() {
  local name=$1; shift
  "$@" > "$tmp/out" 2> "$tmp/err" || fail "exit $? from: $* ($(cat "$tmp/err"))"
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$tmp/out" "$golden/$name"; fi
  diff -u "$golden/$name" "$tmp/out" || fail "output differs from golden/$name"
}
# expect_fail STATUS PATTERN CMD...: exit status STATUS and stderr matching PATTERN (grep -E).
expect_fail() {
  local status=$1 pattern=$2; shift 2
  "$@" > "$tmp/out" 2> "$tmp/err"
  local got=$?
  [ "$got" = "$status" ] || fail "expected exit $status, got $got from: $* (stderr: $(cat "$tmp/err"))"
  grep -qE -- "$pattern" "$tmp/err" || fail "stderr does not match '$pattern': $(cat "$tmp/err")"
  [ "$(wc -l < "$tmp/err")" -le 2 ] || fail "expected one clear error, got: $(cat "$tmp/err")"
}

case $case_name in
  show_text) expect_golden show_diamond.txt "$dagplan" show examples/workflows/diamond.json ;;
  show_json) expect_golden show_image_pipeline.json "$dagplan" show --format json examples/workflows/image-pipeline.json ;;
  export_dot) expect_golden diamond.dot "$dagplan" export --dot examples/workflows/diamond.json ;;
  validate_ok)
    "$dagplan" validate examples/workflows/*.json examples/platforms/*.json > "$tmp/out" || fail "validate failed"
    [ "$(grep -c ': ok (' "$tmp/out")" = "$(ls examples/workflows/*.json examples/platforms/*.json | wc -l)" ] || fail "not every file ok"
    ;;
  validate_errors)
    printf '{"format": "dagplan-workflow/1", "tasks": [{"id": "a"}, {"id": "b", "deps": ["a", "c"]}]}' > "$tmp/bad.json"
    expect_fail 1 "bad.json: \\\$\\.tasks\\[1\\]\\.deps\\[1\\]: .*unknown task 'c'" "$dagplan" validate "$tmp/bad.json"
    printf '{"format": "dagplan-workflow/1", "tasks": [{"id": "a", "deps": ["b"]}, {"id": "b", "deps": ["a"]}]}' > "$tmp/cyc.json"
    "$dagplan" validate "$tmp/cyc.json" 2> "$tmp/err" && fail "cycle accepted"
    grep -q "cycle: a -> b -> a" "$tmp/err" || fail "cycle not printed: $(cat "$tmp/err")"
    printf '{"format": "dagplan-workflow/1", "tasks": [' > "$tmp/trunc.json"
    expect_fail 1 "trunc.json: .*invalid JSON" "$dagplan" show "$tmp/trunc.json"
    expect_fail 1 "nothere.json: cannot open" "$dagplan" show "$tmp/nothere.json"
    ;;
  usage_errors)
    expect_fail 2 "unknown command 'shw'; did you mean 'show'\\?" "$dagplan" shw x
    expect_fail 2 "" "$dagplan" show
    expect_fail 2 "unknown shape 'chian'; did you mean 'chain'\\?" "$dagplan" generate chian --tasks 5
    expect_fail 2 "" "$dagplan" show --format yaml examples/workflows/diamond.json
    # Numbers out of range: one short line saying what was expected (not a 300-digit range).
    expect_fail 2 "^dagplan: --mean-work: expected a finite number > 0, got '-1'$" "$dagplan" generate chain --tasks 3 --mean-work -1
    expect_fail 2 "^dagplan: --mean-output-bytes: expected a finite number >= 0, got 'inf'$" "$dagplan" generate chain --tasks 3 --mean-output-bytes inf
    expect_fail 2 "^dagplan: --deadline: expected a finite number > 0, got 'nan'$" "$dagplan" plan examples/workflows/diamond.json --planner pareto --deadline nan
    ;;
  no_partial_output)
    printf '{"format": "dagplan-workflow/1", "tasks": [{"id": "a", "deps": ["a"]}]}' > "$tmp/loop.json"
    expect_fail 1 "self-loop" "$dagplan" export --dot "$tmp/loop.json" -o "$tmp/out.dot"
    [ ! -e "$tmp/out.dot" ] || fail "partial output written"
    echo '{}' > "$tmp/empty-wfc.json"
    expect_fail 1 "empty-wfc.json" "$dagplan" import wfcommons "$tmp/empty-wfc.json" -o "$tmp/w.json"
    [ -z "$(ls "$tmp" | grep -v -e loop.json -e empty-wfc.json -e out -e err)" ] || fail "leftover files: $(ls "$tmp")"
    # One output routine (issue 14): an output onto an input is refused and the input is intact;
    # an empty path is a usage error; a symbolic link's target is written and the link stays;
    # a device is written, not replaced; a write error on stdout or a device is reported.
    cp examples/workflows/diamond.json "$tmp/d.json"
    "$dagplan" plan "$tmp/d.json" -o "$tmp/p.json" > /dev/null || fail "plan"
    cp "$tmp/p.json" "$tmp/p-before.json"
    expect_fail 1 "refusing to write over an input of this command" "$dagplan" predict "$tmp/p.json" -o "$tmp/p.json"
    cmp -s "$tmp/p.json" "$tmp/p-before.json" || fail "the input was changed"
    ln -s d.json "$tmp/d-link.json"
    expect_fail 1 "refusing to write over an input" "$dagplan" plan "$tmp/d.json" -o "$tmp/d-link.json"
    cmp -s "$tmp/d.json" examples/workflows/diamond.json || fail "the workflow was changed through a link"
    expect_fail 2 "--output: expected a non-empty value" "$dagplan" plan "$tmp/d.json" -o ''
    ln -s p-target.json "$tmp/p-link.json"
    "$dagplan" plan "$tmp/d.json" -o "$tmp/p-link.json" > /dev/null || fail "plan through a link"
    [ -L "$tmp/p-link.json" ] && [ -s "$tmp/p-target.json" ] || fail "the link was replaced or its target not written"
    if [ -c /dev/null ]; then
      "$dagplan" plan "$tmp/d.json" -o /dev/null > /dev/null || fail "plan -o /dev/null"
      [ -c /dev/null ] || fail "/dev/null is no longer a device"
    fi
    if [ -e /dev/full ]; then
      expect_fail 1 "/dev/full: cannot write: No space left on device" "$dagplan" plan "$tmp/d.json" -o /dev/full
      "$dagplan" plan "$tmp/d.json" -o - > /dev/full 2> "$tmp/err" && fail "a full stdout exited 0"
      grep -q "standard output: cannot write" "$tmp/err" || fail "stdout error not said: $(cat "$tmp/err")"
      "$dagplan" show examples/workflows/diamond.json > /dev/full 2> "$tmp/err" && fail "show to a full stdout exited 0"
      grep -q "standard output: cannot write" "$tmp/err" || fail "stdout error not said: $(cat "$tmp/err")"
      "$dagsim" simulate --help > /dev/full 2> "$tmp/err" && fail "--help to a full stdout exited 0"
      grep -q "standard output: cannot write" "$tmp/err" || fail "stdout error not said: $(cat "$tmp/err")"
    fi
    ;;
  output_not_an_input)
    # Issue 14: an output onto a file the command reads is refused, the files a plan leads to
    # included (the workflow it names, relative to it), by every command that writes one; the
    # input is left intact and the refusal comes before the runs. Two outputs of one command
    # cannot be one file; an empty output path is a usage error everywhere.
    mkdir -p "$tmp/sub"
    cp examples/workflows/diamond.json "$tmp/sub/w.json"
    cp "$tmp/sub/w.json" "$tmp/w-before.json"
    "$dagplan" plan "$tmp/sub/w.json" -o "$tmp/sub/p.json" > /dev/null || fail "plan"
    expect_fail 1 "w.json: refusing to write over an input of this command" \
      "$dagplan" predict "$tmp/sub/p.json" -o "$tmp/sub/w.json"
    expect_fail 1 "w.json: refusing to write over an input" "$dagsim" simulate "$tmp/sub/p.json" --trace "$tmp/sub/w.json"
    [ ! -s "$tmp/out" ] || fail "simulate ran before refusing its output: $(cat "$tmp/out")"
    expect_fail 1 "w.json: refusing to write over an input" "$dagplan" report "$tmp/sub/p.json" -o "$tmp/sub/w.json"
    dagrun=$(dirname "$dagplan")/dagrun
    if [ -x "$dagrun" ]; then  # refused before any worker or Redis is started
      expect_fail 1 "w.json: refusing to write over an input" "$dagrun" "$tmp/sub/p.json" --trace "$tmp/sub/w.json"
      grep -q "run" "$tmp/out" && fail "dagrun ran before refusing its trace: $(cat "$tmp/out")"
    fi
    (cd "$tmp/sub" && "$dagplan" predict p.json -o ./w.json > /dev/null 2>&1) && fail "predict -o ./w.json from the plan's folder was accepted"
    cmp -s "$tmp/sub/w.json" "$tmp/w-before.json" || fail "the plan's workflow was overwritten"
    "$dagsim" simulate "$tmp/sub/p.json" --trace "$tmp/t.json" > /dev/null || fail "simulate --trace"
    cp "$tmp/t.json" "$tmp/t-before.json"
    expect_fail 1 "t.json: refusing to write over an input" "$dagplan" report --trace "$tmp/t.json" -o "$tmp/t.json"
    cmp -s "$tmp/t.json" "$tmp/t-before.json" || fail "the trace was overwritten"
    expect_fail 2 "--output: expected a non-empty value" "$dagplan" report "$tmp/sub/p.json" -o ''
    printf '{"tasks": [{"id": 0, "work": 1, "deps": [], "output_bytes": 10}], "nodes": 2, "speeds": [1, 2], "bandwidth": 1e6}' > "$tmp/g.json"
    expect_fail 2 "--platform-out and --output name the same file" \
      "$dagplan" import saga "$tmp/g.json" -o "$tmp/x.json" --platform-out "$tmp/./x.json"
    [ ! -e "$tmp/x.json" ] || fail "import wrote a file after refusing"
    expect_fail 2 "--platform-out: expected a non-empty value" "$dagplan" import saga "$tmp/g.json" -o "$tmp/x.json" --platform-out ''
    # Both outputs or neither: the workflow cannot be written, so the platform is not left alone.
    mkdir "$tmp/pair"
    expect_fail 1 "/dev/full: cannot write" "$dagplan" import saga "$tmp/g.json" -o /dev/full --platform-out "$tmp/pair/p.json"
    [ -z "$(ls -A "$tmp/pair")" ] || fail "import left files behind: $(ls -A "$tmp/pair")"
    "$dagplan" import saga "$tmp/g.json" -o "$tmp/pair/w.json" --platform-out "$tmp/pair/p.json" 2> /dev/null || fail "import saga"
    [ "$(ls -A "$tmp/pair" | tr '\n' ' ')" = "p.json w.json " ] || fail "import wrote: $(ls -A "$tmp/pair")"
    ;;
  predict_roundtrip)
    # Issue 14: `predict p.json -o p2.json` wrote "params": {} and dropped workers' prewarm. A
    # plan read and written comes back byte for byte: every planner with every pass, and a plan
    # with a pre-warm written by hand.
    "$dagplan" generate random-layered --tasks 120 --seed 5 -o "$tmp/w.json" 2> /dev/null || fail "generate"
    n=0
    for planner in $("$dagplan" plan --list-planners | awk '{print $1}'); do
      "$dagplan" plan "$tmp/w.json" --planner "$planner" --optimize all -o "$tmp/p-$planner.json" > /dev/null 2>&1 || fail "plan $planner"
      "$dagplan" predict "$tmp/p-$planner.json" -o "$tmp/q-$planner.json" > /dev/null || fail "predict $planner"
      cmp -s "$tmp/p-$planner.json" "$tmp/q-$planner.json" || { diff "$tmp/p-$planner.json" "$tmp/q-$planner.json" | head -5 >&2; fail "$planner: predict -o changed the plan"; }
      n=$((n + 1))
    done
    [ "$n" -ge 6 ] || fail "expected at least 6 planners, got $n"
    "$dagplan" plan examples/workflows/diamond.json --planner heft -o "$tmp/d.json" > /dev/null || fail "plan diamond"
    grep -q '"id": "w1", "config": "[^"]*"' "$tmp/d.json" || fail "no worker w1 in $(cat "$tmp/d.json")"
    sed 's/"id": "w1", "config": "\([^"]*\)"/"id": "w1", "config": "\1", "prewarm": {"after": "split"}/' "$tmp/d.json" > "$tmp/d-warm.json"
    grep -q '"prewarm": {"after": "split"}' "$tmp/d-warm.json" || fail "no pre-warm set"
    "$dagplan" predict "$tmp/d-warm.json" -o "$tmp/d2.json" > /dev/null || fail "predict the pre-warmed plan"
    grep -q '"prewarm": {"after": "split"}' "$tmp/d2.json" || fail "predict -o dropped the pre-warm"
    "$dagplan" predict "$tmp/d2.json" -o "$tmp/d3.json" > /dev/null || fail "predict again"
    cmp -s "$tmp/d2.json" "$tmp/d3.json" || fail "the pre-warmed plan changed when read and written"
    ;;
  validate_hostile)
    # Issue 14: every file of hostile/accepted that must be refused is refused by validate with
    # one line naming it (exit 1); the two workflows the plans refer to validate. Every file of
    # hostile/crash is refused by validate too (the plan, compare and library tests use them as
    # the README says).
    acc=$shared/hostile/accepted
    need_dir "$acc"
    "$dagplan" validate "$acc/diamond.json" "$acc/diamond_v2.json" > /dev/null || fail "the plans' workflows do not validate"
    n=0
    for f in "$acc"/*.json; do
      [[ $(basename "$f") == diamond*.json ]] && continue
      "$dagplan" validate "$f" > "$tmp/out" 2> "$tmp/err" && fail "$f was accepted: $(cat "$tmp/out")"
      [ "$(head -1 "$tmp/err" | grep -c "^dagplan: error: $f")" = 1 ] || fail "no error naming $f: $(cat "$tmp/err")"
      [ "$(wc -l < "$tmp/err")" = 2 ] || fail "$f: expected its error and the summary line, got: $(cat "$tmp/err")"
      [ "$(head -1 "$tmp/err" | wc -c)" -lt 600 ] || fail "$f: an error line of $(head -1 "$tmp/err" | wc -c) bytes"
      n=$((n + 1))
    done
    [ "$n" = 15 ] || fail "expected the 15 files to refuse of hostile/README.md, got $n"
    for f in "$shared"/hostile/crash/*.json; do
      "$dagplan" validate "$f" > /dev/null 2> "$tmp/err" && fail "validate accepted $f"
      [ "$(wc -l < "$tmp/err")" = 2 ] || fail "$f: $(cat "$tmp/err")"
    done
    ;;
  import_wfcommons)
    if [ ! -d "$shared/wfcommons" ]; then echo "SKIP: $shared/wfcommons is absent"; exit 77; fi
    "$dagplan" import wfcommons "$shared/wfcommons/montage-chameleon-2mass-005d-001.json" -o "$tmp/m15.json" 2>/dev/null || fail "import 1.5"
    "$dagplan" import wfcommons "$shared/wfcommons/v1.4/montage-chameleon-2mass-005d-001.json" -o "$tmp/m14.json" 2>/dev/null || fail "import 1.4"
    cmp -s "$tmp/m15.json" "$tmp/m14.json" || fail "1.4 and 1.5 imports differ"
    "$dagplan" show "$tmp/m15.json" > "$tmp/a" && "$dagplan" show "$shared/wfcommons/montage-chameleon-2mass-005d-001.json" > "$tmp/b" || fail "show"
    grep -q "tasks *58" "$tmp/a" || fail "expected 58 tasks: $(cat "$tmp/a")"
    diff <(tail -n +2 "$tmp/a") <(tail -n +2 "$tmp/b") || fail "show differs between the import and the WfCommons file read directly"
    ;;
  generate_roundtrip)
    "$dagplan" generate tree-reduction --tasks 31 --seed 7 -o "$tmp/a.json" 2> "$tmp/err" || fail "generate"
    grep -q "seed 7" "$tmp/err" || fail "seed not printed"
    "$dagplan" generate tree-reduction --tasks 31 --seed 7 -o "$tmp/b.json" 2>/dev/null
    cmp -s "$tmp/a.json" "$tmp/b.json" || fail "same seed, different output"
    "$dagplan" validate "$tmp/a.json" > /dev/null || fail "generated workflow does not validate"
    ;;
  plan_golden)
    # The planning time varies from run to run: everything else is golden.
    "$dagplan" plan examples/workflows/diamond.json --planner uniform -o "$tmp/p.json" | grep -v "planning time" > "$tmp/summary" || fail "plan failed"
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$tmp/summary" "$golden/plan_diamond.txt"; cp "$tmp/p.json" "$golden/plan_diamond.json"; fi
    diff -u "$golden/plan_diamond.txt" "$tmp/summary" || fail "summary differs from golden/plan_diamond.txt"
    # The plan file names the workflow relative to itself: compare with that path normalised.
    sed 's|"file": "[^"]*diamond.json"|"file": "diamond.json"|' "$tmp/p.json" > "$tmp/p-norm.json"
    sed 's|"file": "[^"]*diamond.json"|"file": "diamond.json"|' "$golden/plan_diamond.json" > "$tmp/g-norm.json"
    diff -u "$tmp/g-norm.json" "$tmp/p-norm.json" || fail "plan differs from golden/plan_diamond.json"
    ;;
  plan_predict_roundtrip)
    mkdir -p "$tmp/sub"
    "$dagplan" plan examples/workflows/image-pipeline.json --planner heft -o "$tmp/sub/p.json" > "$tmp/a" || fail "plan"
    (cd "$tmp" && "$dagplan" predict sub/p.json) > "$tmp/b" || fail "predict from another folder"
    diff <(grep -v "planning time" "$tmp/a") "$tmp/b" || fail "predict disagrees with plan"
    "$dagplan" validate "$tmp/sub/p.json" > /dev/null || fail "plan does not validate"
    # The same configurations with slower invocations: a different prediction.
    sed -e 's/"name": "aws-lambda"/"name": "slow-invoke"/' -e 's/"invoke_latency_s": 0.03/"invoke_latency_s": 0.5/' \
      examples/platforms/aws-lambda.json > "$tmp/slow.json"
    "$dagplan" predict "$tmp/sub/p.json" --platform "$tmp/slow.json" > "$tmp/c" || fail "predict on another platform"
    grep -q "on platform 'slow-invoke'" "$tmp/c" || fail "platform override ignored"
    ! diff -q "$tmp/b" "$tmp/c" > /dev/null || fail "slower invocations changed nothing"
    expect_fail 1 "unknown configuration '1792MB'.* on platform 'local'" "$dagplan" predict "$tmp/sub/p.json" --platform local
    ;;
  compare_formats)
    "$dagplan" compare examples/workflows/diamond.json --format json > "$tmp/c.json" || fail "compare json"
    for p in wukong uniform non-uniform heft dask; do grep -q "\"planner\": \"$p\"" "$tmp/c.json" || fail "no row for $p"; done
    "$dagplan" compare examples/workflows/diamond.json --planners heft,wukong --format markdown > "$tmp/c.md" || fail "compare md"
    [ "$(grep -c '^| ' "$tmp/c.md")" = 3 ] || fail "markdown table: $(cat "$tmp/c.md")"
    ;;
  plan_errors)
    expect_fail 2 "unknown planner 'hfet'; did you mean 'heft'\?" "$dagplan" plan examples/workflows/diamond.json --planner hfet
    expect_fail 2 "unknown platform 'aws-lamda'; did you mean 'aws-lambda'\?" "$dagplan" plan examples/workflows/diamond.json --platform aws-lamda
    expect_fail 2 "unknown configuration '999MB'" "$dagplan" plan examples/workflows/diamond.json --config 999MB
    expect_fail 2 "unknown planner 'nope'" "$dagplan" compare examples/workflows/diamond.json --planners heft,nope
    "$dagplan" plan examples/workflows/diamond.json -o "$tmp/p.json" > /dev/null || fail "plan"
    sed 's/"id": "left", "worker": "[^"]*"/"id": "left", "worker": "nobody"/' "$tmp/p.json" > "$tmp/bad.json"
    expect_fail 1 "bad.json: \\$\.tasks\[1\]\.worker .*unknown worker 'nobody'" "$dagplan" predict "$tmp/bad.json"
    ;;
  plan_hostile)
    # Every input that once crashed `dagplan plan` (hostile/README.md says how each is used):
    # exit 1, one line naming the file and a JSON path, and no plan written.
    crash=$shared/hostile/crash
    need_dir "$crash"
    n=0
    for f in "$crash"/*.json; do
      case $(basename "$f") in
        workflow__*|wfcommons__*) args=("$f") ;;
        platform__*) args=(examples/workflows/diamond.json --platform "$f") ;;
        profile__*) args=(examples/workflows/diamond.json --profile "$f") ;;
        *) fail "unknown kind of hostile file: $f" ;;
      esac
      expect_fail 1 "^dagplan: error: $f: \\\$\\." "$dagplan" plan "${args[@]}" -o "$tmp/plan.json"
      [ "$(wc -l < "$tmp/err")" = 1 ] || fail "more than one line for $f: $(cat "$tmp/err")"
      [ ! -e "$tmp/plan.json" ] || fail "a plan was written for $f"
      n=$((n + 1))
    done
    [ "$n" = 74 ] || fail "expected the 74 files of hostile/README.md, got $n"
    ;;
  plan_fingerprint)
    # Issue 14: a plan for another workflow, or without a fingerprint, is refused by every
    # command that reads it (one line naming the file and $.workflow.fingerprint, exit 1, nothing
    # written); --ignore-fingerprint turns the refusal into a warning.
    acc=$shared/hostile/accepted
    need_dir "$acc"
    for f in plan_fp_zero.json plan_fp_zero_on_v2.json plan_fp_missing_on_v2.json plan_for_v1_on_v2.json; do
      expect_fail 1 "^dagplan: error: $acc/$f: \\\$\\.workflow\\.fingerprint: the plan (gives no workflow fingerprint|was made for another workflow)" \
        "$dagplan" predict "$acc/$f" -o "$tmp/p2.json"
      [ ! -e "$tmp/p2.json" ] || fail "a plan was written for $f"
      expect_fail 1 "^dagsim: error: $acc/$f: \\\$\\.workflow\\.fingerprint" "$dagsim" simulate "$acc/$f"
      expect_fail 1 "^dagplan: error: $acc/$f: \\\$\\.workflow\\.fingerprint" "$dagplan" validate "$acc/$f"
      "$dagsim" simulate --ignore-fingerprint "$acc/$f" > "$tmp/out" 2> "$tmp/err" || fail "--ignore-fingerprint refused $f: $(cat "$tmp/err")"
      grep -q "^warning: $acc/$f: \\$\\.workflow\\.fingerprint: .*used anyway (--ignore-fingerprint)$" "$tmp/err" || fail "no warning: $(cat "$tmp/err")"
      grep -q "simulated 'diamond'" "$tmp/out" || fail "not simulated with --ignore-fingerprint"
    done
    expect_fail 1 "trace_fp_other.json \\(embedded plan\\): \\\$\\.workflow\\.fingerprint: the plan was made for another workflow" \
      "$dagsim" replay "$acc/trace_fp_other.json"
    # The platform: a plan must name one (never the default in silence).
    "$dagplan" plan examples/workflows/diamond.json -o "$tmp/p.json" > /dev/null || fail "plan"
    sed 's/"name": "aws-lambda"/"name": ""/' "$tmp/p.json" > "$tmp/noplat.json"
    expect_fail 1 "noplat.json: \\\$\\.platform\\.name .*expected a non-empty platform name" "$dagplan" predict "$tmp/noplat.json"
    sed 's/"fingerprint": "[0-9a-f]*"/"fingerprint": "0000000000000000", "version": 2/' "$tmp/p.json" > "$tmp/member.json"
    expect_fail 1 "member.json: \\\$\\.workflow\\.version .*unknown member 'version'" "$dagplan" predict "$tmp/member.json"
    ;;
  not_a_plan)
    # A document of another kind where a plan is read: say what it is and which command takes it.
    "$dagplan" plan examples/workflows/diamond.json -o "$tmp/p.json" > /dev/null || fail "plan"
    "$dagsim" simulate "$tmp/p.json" --trace "$tmp/t.json" > /dev/null || fail "simulate --trace"
    w=examples/workflows/diamond.json
    expect_fail 1 "^dagsim: error: $w: this is a workflow, not a plan: .dagplan plan $w -o plan.json. makes one$" "$dagsim" simulate $w
    expect_fail 1 "^dagplan: error: $w: this is a workflow, not a plan" "$dagplan" predict $w
    expect_fail 1 "^dagsim: error: $tmp/t.json: this is a trace, not a plan: .dagsim replay " "$dagsim" simulate "$tmp/t.json"
    expect_fail 1 "aws-lambda.json: this is a platform, not a plan" "$dagplan" predict examples/platforms/aws-lambda.json
    # validate reads traces too.
    "$dagplan" validate "$tmp/t.json" > "$tmp/out" || fail "validate trace: $(cat "$tmp/out")"
    grep -q "t.json: ok (trace of workflow 'diamond'" "$tmp/out" || fail "validate trace: $(cat "$tmp/out")"
    ;;
  messages)
    # What a new user reads: plan without -o says nothing was written; predict's --help does not
    # claim a default platform it does not use; a cluster plan reports no cold starts; --explain
    # keeps one unit per column and says whose noise it shows beside a mean; "1 trace".
    "$dagplan" plan examples/workflows/diamond.json > /dev/null 2> "$tmp/err" || fail "plan"
    grep -q "no plan file written" "$tmp/err" || fail "plan without -o is silent: $(cat "$tmp/err")"
    "$dagplan" predict --help | grep -q "default: the platform the plan names" || fail "predict --help"
    "$dagplan" predict --help | grep -q "default aws-lambda" && fail "predict --help claims aws-lambda"
    "$dagplan" plan examples/workflows/diamond.json --platform cluster > "$tmp/out" || fail "plan cluster"
    grep -q "cold start" "$tmp/out" && fail "a cluster plan reports cold starts: $(cat "$tmp/out")"
    "$dagplan" plan examples/workflows/diamond.json -o "$tmp/p.json" > /dev/null 2>&1 || fail "plan"
    "$dagsim" simulate "$tmp/p.json" --runs 3 --noise --explain > "$tmp/x" || fail "explain"
    grep -q "the noise of seed 1 alone, not of the 3-run mean" "$tmp/x" || fail "explain: $(cat "$tmp/x")"
    grep -q "makespan (s) *added (s)" "$tmp/x" || fail "explain units: $(cat "$tmp/x")"
    sed -n '/^effects/,$p' "$tmp/x" | grep -qE "[0-9] (min|ms|us)" && fail "explain mixes units: $(cat "$tmp/x")"
    "$dagsim" simulate "$tmp/p.json" --trace "$tmp/t.json" > /dev/null || fail "simulate --trace"
    "$dagsim" calibrate "$tmp/t.json" --min-samples 1 -o "$tmp/prof.json" > "$tmp/out" 2>&1 || fail "calibrate: $(cat "$tmp/out")"
    grep -q "calibrated from 1 trace (" "$tmp/out" || fail "calibrate: $(cat "$tmp/out")"
    grep -q "(1 samples" "$tmp/out" && fail "calibrate says '1 samples': $(cat "$tmp/out")"
    grep -q "(1 sample, fit error" "$tmp/out" || fail "calibrate: $(cat "$tmp/out")"
    ;;
  sim_simulate)
    "$dagplan" plan examples/workflows/image-pipeline.json --planner heft -o "$tmp/p.json" > /dev/null || fail "plan"
    "$dagsim" simulate "$tmp/p.json" --runs 7 --noise --seed 11 --format json > "$tmp/s.json" || fail "simulate"
    for k in '"runs": 7' '"seed": 11' '"p95"' '"p99"' '"predicted_makespan_s"'; do grep -q "$k" "$tmp/s.json" || fail "no $k"; done
    "$dagsim" simulate "$tmp/p.json" --runs 7 --noise --seed 11 --format json > "$tmp/s2.json"
    diff <(grep -v events_per_second "$tmp/s.json") <(grep -v events_per_second "$tmp/s2.json") || fail "same seed, different result"
    "$dagsim" simulate "$tmp/p.json" --noise --explain > "$tmp/x" || fail "explain"
    grep -q "+ noise" "$tmp/x" || fail "explain names no effect: $(cat "$tmp/x")"
    ;;
  sim_replay_calibrate)
    "$dagplan" generate map-reduce --tasks 60 --seed 3 -o "$tmp/w.json" 2> /dev/null || fail "generate"
    "$dagplan" plan "$tmp/w.json" --planner heft -o "$tmp/p.json" > /dev/null || fail "plan"
    for seed in 1 2 3; do
      "$dagsim" simulate "$tmp/p.json" --noise --seed $seed --trace "$tmp/t$seed.json" > /dev/null || fail "simulate --trace"
    done
    "$dagsim" replay "$tmp/t1.json" > "$tmp/r" || fail "replay"
    for phase in startup download execution upload waiting; do grep -q "^  $phase" "$tmp/r" || fail "no $phase row"; done
    "$dagsim" replay "$tmp/t1.json" --format json | grep -q '"makespan_relative_error"' || fail "replay json"
    "$dagsim" calibrate "$tmp"/t*.json -o "$tmp/profile.json" > "$tmp/c" || fail "calibrate: $(cat "$tmp/c")"
    "$dagplan" validate "$tmp/profile.json" > /dev/null || fail "the profile does not validate"
    "$dagplan" predict "$tmp/p.json" --profile "$tmp/profile.json" > /dev/null || fail "predict with the profile"
    "$dagsim" replay "$tmp/t1.json" --profile "$tmp/profile.json" > /dev/null || fail "replay with the profile"
    ;;
  sim_calibrate_wfcommons)
    if [ ! -d "$shared/wfcommons-runs" ]; then echo "SKIP: $shared/wfcommons-runs is absent"; exit 77; fi
    # Several folders; --quiet: nothing on stderr; the table, the summary and the timing on stdout.
    "$dagsim" calibrate --wfcommons "$shared/wfcommons" "$shared/wfcommons-runs" --quiet > "$tmp/c" 2> "$tmp/e" || fail "calibrate: $(cat "$tmp/e")"
    [ ! -s "$tmp/e" ] || fail "--quiet printed on stderr: $(cat "$tmp/e")"
    grep -q "^Leave-one-out over 27 runs: median |error|" "$tmp/c" || fail "no summary: $(tail -3 "$tmp/c")"
    grep -q "^calibrated 31 files (27 runs left out) in " "$tmp/c" || fail "no timing"
    grep -q "wfcommons-runs/bwa-chameleon-large-001.json" "$tmp/c" || fail "second folder not read"
    # Across folders: each run from the other folder's runs; the 23 runs with a partner there.
    "$dagsim" calibrate --wfcommons "$shared/wfcommons" "$shared/wfcommons-runs" --across-folders --quiet > "$tmp/c" 2> "$tmp/e" || fail "across: $(cat "$tmp/e")"
    grep -q "^Leave-one-out over 23 runs: median |error|" "$tmp/c" || fail "across: $(tail -3 "$tmp/c")"
    expect_fail 2 "across-folders needs two folders" "$dagsim" calibrate --wfcommons "$shared/wfcommons" --across-folders
    # The two model options reach the fits (another summary) and are named under the table.
    "$dagsim" calibrate --wfcommons "$shared/wfcommons" --quiet > "$tmp/d" || fail "default"
    "$dagsim" calibrate --wfcommons "$shared/wfcommons" --quiet --machines-chosen --prior-own-fits > "$tmp/o" || fail "options"
    grep -q "^Model options (not the default): machines chosen by the replay .*; the typical application from each application's own fit" "$tmp/o" || fail "options not named: $(tail -3 "$tmp/o")"
    grep -q "^Model options" "$tmp/d" && fail "default named as an option"
    [ "$(grep "^Leave-one-out over" "$tmp/d")" != "$(grep "^Leave-one-out over" "$tmp/o")" ] || fail "the options changed nothing"
    expect_fail 2 "apply to --wfcommons only" "$dagsim" calibrate "$tmp/d" --machines-chosen -o "$tmp/p.json"
    # Progress only on a terminal: under script(1) stderr is one, and --quiet silences it.
    if command -v script > /dev/null; then
      script -qec "\"$dagsim\" calibrate --wfcommons \"$shared/wfcommons\" --threads 1" /dev/null > "$tmp/tty" 2>&1
      grep -q "calibrate: runs fitted 4/4" "$tmp/tty" || fail "no progress on a terminal: $(tail -c 300 "$tmp/tty")"
      script -qec "\"$dagsim\" calibrate --wfcommons \"$shared/wfcommons\" --quiet" /dev/null > "$tmp/tty" 2>&1
      grep -q "runs fitted" "$tmp/tty" && fail "progress despite --quiet"
    fi
    # Bad input: one error naming the file and what was expected, exit 1.
    mkdir -p "$tmp/bad" "$tmp/none"
    cp "$shared/wfcommons/blast-chameleon-small-001.json" "$tmp/bad/"
    printf '{"schemaVersion": "1.5", "workflow": {' > "$tmp/bad/cut.json"
    expect_fail 1 "cut.json: .*invalid JSON|cut.json: .*expected" "$dagsim" calibrate --wfcommons "$tmp/bad" --quiet
    expect_fail 1 "none: .*expected WfCommons instances" "$dagsim" calibrate --wfcommons "$tmp/none"
    expect_fail 1 "nothere: .*expected a folder" "$dagsim" calibrate --wfcommons "$tmp/nothere"
    ;;
  progress)
    # Long commands show their step on stderr when it is a terminal (script(1) gives one), clear
    # the line at the end, and say nothing with -q or when stderr is not a terminal.
    command -v script > /dev/null || { echo "SKIP: script(1) is absent"; exit 77; }
    "$dagplan" generate random-layered --tasks 300 -o "$tmp/w.json" 2> /dev/null || fail "generate"
    on_tty() { script -qec "$1" /dev/null > "$tmp/tty" 2>&1; }
    on_tty "\"$dagplan\" plan \"$tmp/w.json\" --planner heft -o \"$tmp/p.json\""
    grep -q "plan: planning 300 tasks with heft (" "$tmp/tty" || fail "no plan progress: $(tail -c 300 "$tmp/tty")"
    grep -q "plan: predicting" "$tmp/tty" || fail "no predicting step"
    grep -q "predicted makespan" "$tmp/tty" || fail "no summary after the progress"
    on_tty "\"$dagplan\" plan \"$tmp/w.json\" -q -o \"$tmp/p.json\""
    grep -q "plan: " "$tmp/tty" && fail "plan progress despite -q"
    on_tty "\"$dagplan\" compare \"$tmp/w.json\" --planners wukong,dask"
    grep -q "compare: planner 2/2 (dask)" "$tmp/tty" || fail "no compare progress: $(tail -c 300 "$tmp/tty")"
    on_tty "\"$dagsim\" simulate \"$tmp/p.json\" --runs 3 --noise"
    grep -q "simulate: runs simulated 3/3" "$tmp/tty" || fail "no simulate progress: $(tail -c 300 "$tmp/tty")"
    on_tty "\"$dagsim\" simulate \"$tmp/p.json\" --runs 3 --quiet"
    grep -q "runs simulated" "$tmp/tty" && fail "simulate progress despite --quiet"
    on_tty "\"$dagplan\" predict \"$tmp/p.json\""
    grep -q "predict: predicting 300 tasks" "$tmp/tty" || fail "no predict progress"
    # Not a terminal: nothing on stderr.
    "$dagplan" plan "$tmp/w.json" -o "$tmp/p.json" > /dev/null 2> "$tmp/err" || fail "plan"
    [ ! -s "$tmp/err" ] || fail "progress without a terminal: $(cat "$tmp/err")"
    # An error on a terminal: the progress line is cleared and the one error remains.
    on_tty "\"$dagplan\" plan \"$tmp/nothere.json\""
    grep -q "nothere.json: cannot open" "$tmp/tty" || fail "no error on a terminal: $(cat "$tmp/tty")"
    ;;
  sim_errors)
    expect_fail 2 "unknown command 'simulat'; did you mean 'simulate'\\?" "$dagsim" simulat x
    expect_fail 1 "nothere.json: cannot open" "$dagsim" replay "$tmp/nothere.json"
    "$dagplan" plan examples/workflows/diamond.json -o "$tmp/p.json" > /dev/null
    expect_fail 1 "p.json: \\$\\.format.*expected format 'dagplan-trace/1'" "$dagsim" replay "$tmp/p.json"
    expect_fail 2 "" "$dagsim" simulate "$tmp/p.json" --task-failure 2
    # Values that used to be wrapped, let through or replaced by a default.
    expect_fail 2 "--seed: expected a whole number from 0 to 18446744073709551615, got '-1'" \
      "$dagsim" simulate "$tmp/p.json" --seed -1
    expect_fail 2 "got '18446744073709551616'" "$dagsim" simulate "$tmp/p.json" --seed 18446744073709551616
    expect_fail 2 "--seed: expected a whole number" "$dagplan" generate chain --tasks 3 --seed 1e3
    expect_fail 2 "--task-failure: expected a finite number, got 'nan'" \
      "$dagsim" simulate "$tmp/p.json" --task-failure nan
    expect_fail 2 "--worker-crash: expected a finite number" "$dagsim" simulate "$tmp/p.json" --worker-crash inf
    expect_fail 2 "--platform: expected a non-empty value" "$dagsim" simulate "$tmp/p.json" --platform ''
    expect_fail 2 "--worker-crash: expected a finite number, got 'nan'" "$dagsim" simulate "$tmp/p.json" --worker-crash nan
    expect_fail 2 "--outlier-mads: expected a finite number > 0, got 'nan'" "$dagsim" calibrate "$tmp/p.json" --outlier-mads nan
    expect_fail 2 "--config: expected a non-empty value" "$dagplan" plan examples/workflows/diamond.json --config ''
    expect_fail 2 "--platform: expected a non-empty value" "$dagplan" predict "$tmp/p.json" --platform ''
    mkdir -p "$tmp/no-instances"
    expect_fail 1 "no-instances: expected WfCommons instances" "$dagsim" calibrate --wfcommons "$tmp/no-instances"
    expect_fail 2 "--planner: expected a non-empty value" "$dagplan" plan examples/workflows/diamond.json --planner ''
    expect_fail 2 "no planner named in ','" "$dagplan" compare examples/workflows/diamond.json --planners ,
    expect_fail 2 "--max-cost-increase: expected a finite number" \
      "$dagplan" plan examples/workflows/diamond.json --optimize all --max-cost-increase nan
    # Every run failed: an error, not statistics of failed runs (exit 1); some failed: the
    # figures are over those that completed, and the output says so.
    "$dagsim" simulate "$tmp/p.json" --runs 5 --task-failure 1 --max-attempts 1 > "$tmp/out" 2> "$tmp/err"
    [ $? = 1 ] || fail "all runs failed but the exit status was not 1"
    grep -q "all 5 runs have failed" "$tmp/err" || fail "no error line: $(cat "$tmp/err")"
    [ ! -s "$tmp/out" ] || fail "statistics printed for failed runs: $(cat "$tmp/out")"
    "$dagsim" simulate "$tmp/p.json" --runs 5 --task-failure 0.5 --max-attempts 1 > "$tmp/out" 2> /dev/null ||
      fail "some runs completed but the exit status was not 0"
    grep -q "runs failed (a task ran out of attempts): the figures above are over the" "$tmp/out" ||
      fail "the partial failure is not said: $(cat "$tmp/out")"
    ;;
  *) fail "unknown case" ;;
esac
echo "PASS [$case_name]"
