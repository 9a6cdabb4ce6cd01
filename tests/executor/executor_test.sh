#!/usr/bin/env bash
# End-to-end tests of dagrun: real worker processes, a real redis-server, real bytes.
# Usage: executor_test.sh CASE BIN_DIR SOURCE_DIR
# After every run: no process of the run left (workers carry "--run <id>" in their command line)
# and, on a given Redis, no key of the run.
set -u
case_name=$1 bin=$2 src=$3
dagplan=$bin/dagplan dagsim=$bin/dagsim dagrun=$bin/dagrun
tmp=$(mktemp -d)
redis_pid=""
cleanup() { [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
command -v redis-server > /dev/null || { echo "SKIP: redis-server is absent"; exit 77; }
cd "$src" || exit 1

# no_orphans RUN_ID: no process of that run is left (give the kernel a moment to reap).
no_orphans() {
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    pgrep -f -- "--run $1" > /dev/null || return 0
    sleep 0.1
  done
  fail "processes of run $1 left: $(pgrep -af -- "--run $1")"
}
# run_ok PLAN [ARGS...]: dagrun succeeds; sets run_id from its JSON summary.
# replay_shows_pass TRACE PASS N: dagsim replay reports PASS with its fact N of N, predicted
# and recorded (the pass's effect, docs/optimisations.md).
replay_shows_pass() {
  "$dagsim" replay "$1" --format json > "$tmp/replay.json" || fail "the trace does not replay"
  python3 - "$tmp/replay.json" "$2" "$3" <<'PY' || fail "replay per pass: $(cat "$tmp/replay.json")"
import json, sys
r, name, n = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
p = [x for x in r["passes"] if x["pass"] == name]
assert len(p) == 1 and p[0]["out_of"] == n and p[0]["predicted"] == n and p[0]["actual"] == n, p
print(f"replay: {name} {p[0]['actual']:.0f} of {n}, predicted gain "
      f"{p[0]['predicted_makespan_gain_s']:.3f} s")
PY
}
run_ok() {
  "$dagrun" "$@" --format json -q > "$tmp/run.json" 2> "$tmp/run.err" ||
    fail "dagrun $* failed: $(cat "$tmp/run.err")"
  run_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"])' "$tmp/run.json")
  no_orphans "$run_id"
}
# start_redis PORT [PASSWORD]: a redis-server of the test's own.
start_redis() {
  local args=(--port "$1" --bind 127.0.0.1 --save "" --appendonly no --daemonize no)
  [ $# -ge 2 ] && args+=(--requirepass "$2")
  redis-server "${args[@]}" > "$tmp/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 50); do
    redis-cli -p "$1" ${2:+-a "$2"} --no-auth-warning ping 2> /dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  fail "the test's redis-server did not start: $(cat "$tmp/redis.log")"
}
# plan_on_two WORKFLOW [PLANNER]: the local platform with two workers at once ($tmp/local2.json)
# and a plan of WORKFLOW on it (heft unless named) in $tmp/p.json, for a case to rewrite by hand.
plan_on_two() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["max_concurrency"]=2; json.dump(d,open(sys.argv[2],"w"))' examples/platforms/local.json "$tmp/local2.json"
  "$dagplan" plan "$1" --platform "$tmp/local2.json" --planner "${2:-heft}" -o "$tmp/p.json" > /dev/null || fail "plan"
}
# write_workflow NAME FILE: a dagplan-workflow/1 file named NAME at FILE whose tasks are the list
# `tasks` that the Python code on standard input builds.
write_workflow() {
  python3 -c 'import json, sys
scope = {}
exec(sys.stdin.read(), scope)
json.dump({"format": "dagplan-workflow/1", "name": sys.argv[1], "tasks": scope["tasks"]}, open(sys.argv[2], "w"))' "$1" "$2"
}
# stream_workflow: $tmp/st.json, the stream and inline-dag cases' workflow: x (0.05 s) and
# s (0.2 s) -> p (8 MB) -> c, which also reads y's output.
stream_workflow() {
  write_workflow stream "$tmp/st.json" <<'PY'
tasks = [{"id": "x", "work_s": 0.05, "output_bytes": 1000},
         {"id": "s", "work_s": 0.2, "output_bytes": 1000},
         {"id": "p", "work_s": 0.02, "output_bytes": 8000000, "deps": ["s"]},
         {"id": "y", "work_s": 0.01, "output_bytes": 1000},
         {"id": "c", "work_s": 0.01, "output_bytes": 1000, "deps": ["x", "p", "y"]}]
PY
}
# delayio_workflow: $tmp/dl.json, the delayed-I/O cases' workflow: a (0.02 s, 4 MB) and b (0.3 s)
# feed the fan-in j.
delayio_workflow() {
  write_workflow delayio "$tmp/dl.json" <<'PY'
tasks = [{"id": "a", "work_s": 0.02, "output_bytes": 4000000},
         {"id": "b", "work_s": 0.3, "output_bytes": 1000},
         {"id": "j", "work_s": 0.01, "output_bytes": 1000, "deps": ["a", "b"]}]
PY
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# plan_inline WORKFLOW PLANNER BYTES WORKERS: the local platform letting an invocation carry BYTES
# of DAG and WORKERS workers run at once ($tmp/inline-platform.json), and a plan of WORKFLOW on it
# by PLANNER in $tmp/p.json, for a case to rewrite by hand.
plan_inline() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["dag_inline_bytes"]=int(sys.argv[3]); d["max_concurrency"]=int(sys.argv[4]); json.dump(d,open(sys.argv[2],"w"))' examples/platforms/local.json "$tmp/inline-platform.json" "$3" "$4"
  "$dagplan" plan "$1" --platform "$tmp/inline-platform.json" --planner "$2" -o "$tmp/p.json" > /dev/null || fail "plan"
}
# same_decisions PLAIN-TRACE INLINE-TRACE INLINE-WORKERS: the inline run's workers INLINE-WORKERS
# (comma-separated) started from their parts, reading no DAG, while the plain run's read it;
# and both runs took the same decisions: where each task ran (which worker), where each of its
# inputs came from (local, download, stream), whether its output was uploaded, and the same
# optimisation events (duplicates, held outputs with their outcome).
same_decisions() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
plain, inline = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
workers = sys.argv[3].split(",")
for i in inline["instances"]:
    if i["worker"] in workers:
        assert i["dag_part_bytes"] > 0 and i["dag_fetched_bytes"] == 0 and i["dag_fetch_us"] == 0, i
for i in plain["instances"]:
    assert i["dag_part_bytes"] == 0 and i["dag_fetched_bytes"] > 0 or i["warm"], i
assert not [e for e in inline["events"] if e["kind"] == "note" and "inline_dag" in e["detail"]], inline["events"]
def decisions(tr):
    worker = [i["worker"] for i in tr["instances"]]
    out = {}
    for t in tr["tasks"]:
        a = t["attempts"][-1]
        out[t["id"]] = (worker[a["instance"]] or "flexible",
                        sorted((x.get("from") or "", x["source"]) for x in a["inputs"]),
                        a["upload_end_us"] > a["upload_start_us"])
    events = sorted((e["kind"], e["task"], "upload avoided" in e["detail"])
                    for e in tr["events"] if e["kind"] in ("duplicate", "delayed_io"))
    return out, events
d_plain, d_inline = decisions(plain), decisions(inline)
assert d_plain == d_inline, (d_plain, d_inline)
parts = [i["dag_part_bytes"] for i in inline["instances"] if i["worker"] in workers]
print(f"same decisions with and without inline-dag ({len(d_plain[0])} tasks, events {d_plain[1]}); "
      f"parts of {parts} bytes in the invocations, the plain run read "
      f"{max(i['dag_fetched_bytes'] for i in plain['instances'])} bytes of DAG")
PY
}

# Small, fast workflows: the diamond example and generated shapes with little work.
"$dagplan" generate tree-reduction --tasks 15 --mean-work 0.02 --mean-output-bytes 20000 -o "$tmp/tree.json" 2> /dev/null || fail "generate"
"$dagplan" generate fanout-fanin --tasks 24 --mean-work 0.02 --mean-output-bytes 20000 -o "$tmp/fan.json" 2> /dev/null || fail "generate"

case $case_name in
  planners)
    # Every planner on two shapes: the run completes, every task ran once, the makespan is there.
    for wf in "$tmp/tree.json" "$tmp/fan.json"; do
      for planner in wukong uniform non-uniform heft dask; do
        "$dagplan" plan "$wf" --platform local --planner "$planner" -o "$tmp/p.json" > /dev/null || fail "plan $planner"
        run_ok "$tmp/p.json" --timeout 60
        tasks=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["tasks"]))' "$wf")
        python3 - "$tmp/run.json" "$tasks" <<'PY' || fail "$planner on $wf: $(cat "$tmp/run.json")"
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2])
assert r["attempts"] == n, (r["attempts"], n)
assert r["makespan_s"]["measured"] > 0
assert r["instances"] >= 1 and r["cold_starts"] >= 1
assert r["cold_starts"] + r["warm_starts"] == r["instances"]
PY
      done
    done
    ;;
  kernels)
    # Every kernel example under every planner: builtin kernels (Eigen block products, a tree of
    # sums, word counts) and shell commands on real data. --check compares each sink's output
    # with the workflow evaluated inside dagrun; the word counts are also compared with a count
    # of the whole text in Python (an independent implementation).
    for wf in gemm tree-reduction wordcount command-pipeline; do
      for planner in wukong uniform non-uniform heft dask; do
        "$dagplan" plan examples/workflows/$wf.json --platform local --planner "$planner" -o "$tmp/p.json" > /dev/null || fail "plan $planner $wf"
        rm -rf "$tmp/out"
        run_ok "$tmp/p.json" --timeout 60 --check --outputs "$tmp/out"
        python3 - "$tmp/run.json" "$tmp/out" "$wf" <<'PY' || fail "$planner on $wf: $(cat "$tmp/run.json")"
import collections, json, os, re, sys
r = json.load(open(sys.argv[1])); out = sys.argv[2]; wf = sys.argv[3]
sinks = {"gemm": 4, "tree-reduction": 1, "wordcount": 1, "command-pipeline": 2}[wf]
assert r["checked_outputs"] == sinks, r["checked_outputs"]
assert r["real_kernel_tasks"] == r["tasks"] and r["failed_attempts"] == 0
assert len(os.listdir(out)) == sinks
words = collections.Counter(re.findall("[a-z]+", open("examples/data/text.txt").read().lower()))
if wf == "wordcount":
    got = {w: int(n) for w, n in (l.split() for l in open(os.path.join(out, "counts")))}
    assert got == dict(words), "word counts differ from a direct count"
if wf == "command-pipeline":
    assert int(open(os.path.join(out, "total")).read()) == sum(words.values())
    top = [l.split() for l in open(os.path.join(out, "top"))]
    assert [(int(n), w) for n, w in top] == sorted(((n, w) for w, n in words.items()), key=lambda x: (-x[0], x[1]))[:10]
PY
      done
    done
    ;;
  failing_task)
    # A task whose command fails: tried --max-attempts times, then the run fails within seconds
    # with one message naming the task and quoting its stderr; no worker and no key left.
    cat > "$tmp/fail.json" <<'EOF'
{"format": "dagplan-workflow/1", "name": "failing", "tasks": [
  {"id": "first", "command": "echo hello > {output}", "work_s": 0.01, "output_bytes": 6},
  {"id": "broken", "command": "cat {inputs} > /dev/null; echo 'disk full, says the task' >&2; exit 3", "work_s": 0.01, "deps": ["first"]},
  {"id": "last", "kernel": "wordcount_reduce", "work_s": 0.01, "deps": ["broken"]}
]}
EOF
    port=$(free_port)
    start_redis "$port"
    for planner in heft wukong; do
      "$dagplan" plan "$tmp/fail.json" --platform local --planner $planner -o "$tmp/p.json" > /dev/null || fail "plan"
      start=$(date +%s)
      "$dagrun" "$tmp/p.json" --redis "127.0.0.1:$port" --max-attempts 3 --trace "$tmp/t.json" > "$tmp/out" 2> "$tmp/err"; st=$?
      [ "$st" = 1 ] || fail "$planner: exit $st ($(cat "$tmp/err"))"
      [ $(( $(date +%s) - start )) -le 10 ] || fail "$planner: slow to fail"
      grep -q "task 'broken' failed 3 times; the last time: command exited with status 3; its stderr ends with: disk full, says the task" "$tmp/err" || fail "$planner: message: $(cat "$tmp/err")"
      [ "$(wc -l < "$tmp/err")" = 1 ] || fail "$planner: more than one line: $(cat "$tmp/err")"
      [ ! -e "$tmp/t.json" ] || fail "a trace was written for a failed run"
      sleep 0.3
      pgrep -f "dagworker --redis 127.0.0.1:$port" > /dev/null && fail "$planner: workers left: $(pgrep -af dagworker)"
      [ "$(redis-cli -p "$port" --scan --pattern 'dagrun:*' | wc -l)" = 0 ] || fail "$planner: keys left"
    done
    ;;
  kernel_inputs)
    # Kernel mistakes are refused before any worker starts, naming the file and the JSON path.
    "$dagplan" plan examples/workflows/diamond.json --platform local -o "$tmp/p.json" > /dev/null || fail "plan"
    "$dagrun" "$tmp/p.json" --kernel builtin > /dev/null 2> "$tmp/err"; st=$?
    [ "$st" = 1 ] || fail "--kernel builtin on synthetic tasks: exit $st ($(cat "$tmp/err"))"
    grep -q 'diamond.json: $.tasks\[0\].kernel: .*needs a builtin kernel for every task' "$tmp/err" || fail "builtin message: $(cat "$tmp/err")"
    check_refused() {  # WORKFLOW-TEXT EXPECTED-MESSAGE
      printf '%s\n' "$1" > "$tmp/k.json"
      "$dagplan" plan "$tmp/k.json" --platform local -o "$tmp/kp.json" > /dev/null 2> "$tmp/err" || fail "plan of $1: $(cat "$tmp/err")"
      # A Redis nobody listens on: an error about it would mean the check came too late (a
      # run connects to Redis before it starts any worker).
      "$dagrun" "$tmp/kp.json" --redis "127.0.0.1:$(free_port)" > "$tmp/out" 2> "$tmp/err"; st=$?
      [ "$st" = 1 ] || fail "exit $st for $1"
      grep -qF "$2" "$tmp/err" || fail "message for $1: $(cat "$tmp/err")"
      [ "$(wc -l < "$tmp/err")" = 1 ] || fail "more than one line: $(cat "$tmp/err")"
      [ ! -s "$tmp/out" ] || fail "output for a refused run"
      return 0
    }
    check_refused '{"format": "dagplan-workflow/1", "tasks": [{"id": "a", "command": "no-such-program-xyz {inputs}"}]}' \
      "k.json: \$.tasks[0].command: task 'a': the command's program 'no-such-program-xyz' is not found"
    check_refused '{"format": "dagplan-workflow/1", "tasks": [{"id": "a", "kernel": "matrix", "args": {"rows": 0, "cols": 2}}]}' \
      "k.json: \$.tasks[0].args.rows: task 'a': expected an integer in [1, 134217728], got 0"
    check_refused '{"format": "dagplan-workflow/1", "tasks": [{"id": "a", "kernel": "matrix", "args": {"rows": 1, "cols": 1}}, {"id": "b", "kernel": "matmul", "args": {"left": "a", "right": "c"}, "deps": ["a"]}]}' \
      "k.json: \$.tasks[1].args.right: task 'b': expected the id of one of the task's deps, got 'c'"
    check_refused '{"format": "dagplan-workflow/1", "tasks": [{"id": "a", "kernel": "wordcount_map", "input_file": "missing.txt"}]}' \
      "k.json: \$.tasks[0].input_file: task 'a': cannot read"
    ;;
  dagrun_killed)
    # dagrun killed (SIGKILL) mid-run. Its workers die with it: here they are started by a launch
    # template that puts them out of reach of the parent-death signal (as on another machine),
    # so they must notice that dagrun's heartbeat key expired. Every key of the run has a TTL.
    port=$(free_port)
    start_redis "$port"
    "$dagplan" generate chain --tasks 8 --mean-work 0.4 --mean-output-bytes 1000 -o "$tmp/chain.json" 2> /dev/null || fail "generate"
    "$dagplan" plan "$tmp/chain.json" --platform local --planner wukong -o "$tmp/p.json" > /dev/null || fail "plan"
    "$dagrun" "$tmp/p.json" --redis "127.0.0.1:$port" --launch "'$bin/dagworker' {worker_args} & wait" > /dev/null 2>&1 &
    run_pid=$!
    for _ in $(seq 100); do pgrep -f "dagworker --redis 127.0.0.1:$port" > /dev/null && break; sleep 0.05; done
    run_id=$(pgrep -af "dagworker --redis 127.0.0.1:$port" | head -1 | sed 's/.*--run \([^ ]*\).*/\1/')
    [ -n "$run_id" ] || fail "no worker started"
    sleep 0.5
    kill -KILL "$run_pid"
    wait "$run_pid" 2> /dev/null
    pgrep -f -- "--run $run_id" > /dev/null || fail "the workers were gone at once: the heartbeat is not what is tested"
    for key in $(redis-cli -p "$port" --scan --pattern "dagrun:$run_id:*"); do
      ttl=$(redis-cli -p "$port" ttl "$key")
      [ "$ttl" -gt 0 ] || fail "key $key has no TTL ($ttl)"
    done
    for _ in $(seq 100); do pgrep -f -- "--run $run_id" > /dev/null || break; sleep 0.1; done
    pgrep -f -- "--run $run_id" > /dev/null && fail "workers left 10 s after dagrun was killed: $(pgrep -af -- "--run $run_id")"
    ;;
  trace_replay)
    # The trace reads back (validated by dagsim replay), embeds the plan, and its makespan is the
    # one printed; the diamond's data moves through Redis (uploads and downloads counted).
    "$dagplan" plan examples/workflows/diamond.json --platform local -o "$tmp/p.json" > /dev/null || fail "plan"
    run_ok "$tmp/p.json" --trace "$tmp/t.json"
    "$dagsim" replay "$tmp/t.json" --format json > "$tmp/replay.json" || fail "replay: $(cat "$tmp/replay.json")"
    python3 - "$tmp/run.json" "$tmp/replay.json" "$tmp/t.json" <<'PY' || fail "trace does not match the run"
import json, sys
run = json.load(open(sys.argv[1])); rep = json.load(open(sys.argv[2])); tr = json.load(open(sys.argv[3]))
assert abs(rep["makespan_s"]["actual"] - run["makespan_s"]["measured"]) < 1e-6
assert tr["source"] == "dagrun"
assert len(tr["tasks"]) == 4 and all(len(t["attempts"]) == 1 for t in tr["tasks"])
assert run["bytes_uploaded"] > 0 and run["bytes_downloaded"] > 0
PY
    ;;
  calibrate_queued)
    # Calibration from real traces where invocations waited for the concurrency limit (local:
    # 2 workers; a fan-out of 8 flexible tasks): the wait is not an invoke latency. (It was
    # once fitted as one, about 3 s, when the queued start came a few ms after an exit.)
    "$dagplan" generate fanout-fanin --tasks 10 --mean-work 0.3 --mean-output-bytes 1000 -o "$tmp/f.json" 2> /dev/null || fail "generate"
    "$dagplan" plan "$tmp/f.json" --platform local --planner wukong -o "$tmp/p.json" > /dev/null || fail "plan"
    run_ok "$tmp/p.json" --trace "$tmp/t1.json"
    run_ok "$tmp/p.json" --trace "$tmp/t2.json"
    "$dagsim" calibrate "$tmp/t1.json" "$tmp/t2.json" -o "$tmp/profile.json" > "$tmp/cal" || fail "calibrate: $(cat "$tmp/cal")"
    python3 - "$tmp/profile.json" <<'PY' || fail "invoke latency: $(grep -i invoke "$tmp/cal")"
import json, sys
p = json.load(open(sys.argv[1]))
inv = p.get("invoke_latency_s")
v = inv["value"] if isinstance(inv, dict) else inv
assert v is None or v < 0.2, v
PY
    ;;
  bad_inputs)
    "$dagplan" plan examples/workflows/diamond.json --platform local -o "$tmp/p.json" > /dev/null || fail "plan"
    # A plan for another workflow: refused before any worker starts.
    "$dagrun" "$tmp/p.json" --workflow "$tmp/tree.json" > "$tmp/out" 2> "$tmp/err"; st=$?
    [ "$st" = 1 ] || fail "a plan for another workflow: exit $st ($(cat "$tmp/err"))"
    # Refused while reading the plan, before Redis or any worker: the reader's error, one line.
    grep -q "p.json: .*unknown task" "$tmp/err" || fail "not the plan reader's error: $(cat "$tmp/err")"
    [ "$(wc -l < "$tmp/err")" = 1 ] || fail "more than one line: $(cat "$tmp/err")"
    [ ! -s "$tmp/out" ] || fail "output for a refused plan: $(cat "$tmp/out")"
    # A bad --kernel, a bad --redis, a missing password file, a bad launch template.
    "$dagrun" "$tmp/p.json" --kernel gpu > /dev/null 2> "$tmp/err"; [ $? = 2 ] || fail "--kernel gpu: $(cat "$tmp/err")"
    "$dagrun" "$tmp/p.json" --redis nohost > /dev/null 2> "$tmp/err"; [ $? = 2 ] || fail "--redis nohost"
    grep -q "expected HOST:PORT" "$tmp/err" || fail "redis message: $(cat "$tmp/err")"
    "$dagrun" "$tmp/p.json" --launch 'sh -c true' > /dev/null 2> "$tmp/err"; [ $? = 2 ] || fail "launch without {worker_args}"
    # Redis unreachable: one clear error, quickly.
    port=$(free_port)
    timeout 30 "$dagrun" "$tmp/p.json" --redis "127.0.0.1:$port" > /dev/null 2> "$tmp/err"; st=$?
    [ "$st" = 1 ] || fail "unreachable redis: exit $st"
    grep -q "redis 127.0.0.1:$port: cannot connect" "$tmp/err" || fail "unreachable message: $(cat "$tmp/err")"
    [ "$(wc -l < "$tmp/err")" -le 2 ] || fail "more than one error: $(cat "$tmp/err")"
    ;;
  external_redis_auth)
    # A given server with a password: the run uses it, and leaves none of its keys behind.
    port=$(free_port)
    start_redis "$port" s3cret
    printf 's3cret\n' > "$tmp/pw"
    redis-cli -p "$port" -a s3cret --no-auth-warning set unrelated:key keep > /dev/null
    "$dagplan" plan "$tmp/fan.json" --platform local --planner wukong -o "$tmp/p.json" > /dev/null || fail "plan"
    run_ok "$tmp/p.json" --redis "127.0.0.1:$port" --password-file "$tmp/pw"
    left=$(redis-cli -p "$port" -a s3cret --no-auth-warning --scan --pattern 'dagrun:*' | wc -l)
    [ "$left" = 0 ] || fail "$left keys of the run left"
    [ "$(redis-cli -p "$port" -a s3cret --no-auth-warning get unrelated:key)" = keep ] || fail "another key was touched"
    # A launch template (as for another machine): the workers start through /bin/sh.
    run_ok "$tmp/p.json" --redis "127.0.0.1:$port" --password-file "$tmp/pw" --launch "exec '$bin/dagworker' {worker_args}"
    [ "$(redis-cli -p "$port" -a s3cret --no-auth-warning --scan --pattern 'dagrun:*' | wc -l)" = 0 ] || fail "keys left after the launched run"
    # A wrong password: one clear error.
    printf 'wrong\n' > "$tmp/bad"
    "$dagrun" "$tmp/p.json" --redis "127.0.0.1:$port" --password-file "$tmp/bad" > /dev/null 2> "$tmp/err"; st=$?
    [ "$st" = 1 ] || fail "wrong password: exit $st"
    grep -qi "AUTH" "$tmp/err" || fail "wrong password message: $(cat "$tmp/err")"
    ;;
  worker_killed)
    # A worker process killed mid-task (SIGKILL): detected, restarted as a new instance that
    # makes the lost outputs again, and the run completes; the trace shows the crashed instance.
    # With --max-attempts 1 the same kill fails the run with a message naming the worker.
    "$dagplan" generate chain --tasks 6 --mean-work 0.5 --mean-output-bytes 1000 -o "$tmp/chain.json" 2> /dev/null || fail "generate"
    for planner in heft wukong; do
      for attempts in 4 1; do
        "$dagplan" plan "$tmp/chain.json" --platform local --planner $planner -o "$tmp/p.json" > /dev/null || fail "plan"
        "$dagrun" "$tmp/p.json" --timeout 60 --max-attempts $attempts --trace "$tmp/t.json" --format json > "$tmp/out" 2> "$tmp/err" &
        run_pid=$!
        victim=""
        for _ in $(seq 100); do
          victim=$(pgrep -f "dagworker --redis .*--run" | while read -r p; do
            [ "$(ps -o ppid= -p "$p" | tr -d ' ')" = "$run_pid" ] && echo "$p"; done | head -1)
          [ -n "$victim" ] && break
          sleep 0.05
        done
        [ -n "$victim" ] || fail "no worker of the run found"
        run_id=$(tr '\0' ' ' < "/proc/$victim/cmdline" | sed 's/.*--run \([^ ]*\).*/\1/')
        sleep 1.2  # the second or third task of the chain
        kill -KILL "$victim"
        start=$(date +%s)
        wait "$run_pid"; st=$?
        [ $(( $(date +%s) - start )) -le 20 ] || fail "took more than 20 s after the kill"
        no_orphans "$run_id"
        if [ $attempts = 1 ]; then
          [ "$st" = 1 ] || fail "$planner, --max-attempts 1: exit $st ($(cat "$tmp/err"))"
          grep -q "died: killed by signal 9.*given up after 1 attempts" "$tmp/err" || fail "message: $(cat "$tmp/err")"
        else
          [ "$st" = 0 ] || fail "$planner: the run did not survive a killed worker: $(cat "$tmp/err")"
          python3 - "$tmp/t.json" "$tmp/out" <<'PY' || fail "$planner: trace after the crash"
import json, sys
tr = json.load(open(sys.argv[1])); out = json.load(open(sys.argv[2]))
assert any(i.get("crashed") for i in tr["instances"]), "no crashed instance"
assert all(t["attempts"] and t["attempts"][-1].get("ok", True) for t in tr["tasks"])
assert out["attempts"] >= len(tr["tasks"])
assert any(e["kind"] == "crash" for e in tr["events"])
PY
          "$dagsim" replay "$tmp/t.json" > /dev/null || fail "$planner: the trace after a crash does not replay"
        fi
      done
    done
    ;;
  redis_killed)
    # The given Redis killed mid-run: a clear error within seconds, no orphan.
    port=$(free_port)
    start_redis "$port"
    "$dagplan" generate chain --tasks 6 --mean-work 1 -o "$tmp/chain.json" 2> /dev/null || fail "generate"
    "$dagplan" plan "$tmp/chain.json" --platform local -o "$tmp/p.json" > /dev/null || fail "plan"
    "$dagrun" "$tmp/p.json" --redis "127.0.0.1:$port" --timeout 60 > "$tmp/out" 2> "$tmp/err" &
    run_pid=$!
    for _ in $(seq 100); do pgrep -f "dagworker --redis 127.0.0.1:$port" > /dev/null && break; sleep 0.05; done
    run_id=$(pgrep -af "dagworker --redis 127.0.0.1:$port" | head -1 | sed 's/.*--run \([^ ]*\).*/\1/')
    [ -n "$run_id" ] || fail "no worker started"
    kill -KILL "$redis_pid"; redis_pid=""
    start=$(date +%s)
    wait "$run_pid"; st=$?
    [ "$st" = 1 ] || fail "exit $st after Redis was killed ($(cat "$tmp/err"))"
    [ $(( $(date +%s) - start )) -le 20 ] || fail "took more than 20 s"
    grep -q "redis 127.0.0.1:$port" "$tmp/err" || fail "message: $(cat "$tmp/err")"
    no_orphans "$run_id"
    ;;
  timeout)
    "$dagplan" generate chain --tasks 5 --mean-work 2 -o "$tmp/chain.json" 2> /dev/null || fail "generate"
    "$dagplan" plan "$tmp/chain.json" --platform local -o "$tmp/p.json" > /dev/null || fail "plan"
    start=$(date +%s)
    "$dagrun" "$tmp/p.json" --timeout 1 --trace "$tmp/t.json" > /dev/null 2> "$tmp/err"; st=$?
    [ "$st" = 1 ] || fail "exit $st"
    grep -q "did not finish within --timeout 1 s" "$tmp/err" || fail "message: $(cat "$tmp/err")"
    [ $(( $(date +%s) - start )) -le 10 ] || fail "slow to give up"
    [ ! -e "$tmp/t.json" ] || fail "a trace was written for a failed run"
    # A command still running when the run is given up: its processes are stopped with it.
    printf '%s\n' '{"format": "dagplan-workflow/1", "tasks": [{"id": "a", "command": "sleep 4321 | cat > {output}"}]}' > "$tmp/slow.json"
    "$dagplan" plan "$tmp/slow.json" --platform local -o "$tmp/p.json" > /dev/null || fail "plan slow"
    "$dagrun" "$tmp/p.json" --timeout 1 > /dev/null 2> "$tmp/err"; st=$?
    [ "$st" = 1 ] || fail "slow command: exit $st ($(cat "$tmp/err"))"
    sleep 0.3
    pgrep -f "sleep 4321" > /dev/null && fail "the command's processes outlived the run: $(pgrep -af "sleep 4321")"
    ;;
  limits)
    # The trace's note names the limits method (the summary's); --limits none says so.
    "$dagplan" plan examples/workflows/diamond.json --platform local -o "$tmp/p.json" > /dev/null || fail "plan"
    run_ok "$tmp/p.json" --trace "$tmp/t.json"
    method=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["limits"])' "$tmp/run.json")
    note_has() {
      python3 - "$1" "$2" <<'PY'
import json, sys
tr = json.load(open(sys.argv[1]))
notes = [e.get("detail", "") for e in tr["events"] if e["kind"] == "note"]
assert any("vCPU and memory limits: " + sys.argv[2] in n for n in notes), notes
PY
    }
    note_has "$tmp/t.json" "$method" || fail "the trace's note does not name the method $method"
    run_ok "$tmp/p.json" --trace "$tmp/t.json" --limits none
    note_has "$tmp/t.json" "none (--limits none)" || fail "--limits none: the note"
    # --limits cgroup2 where it does not work: refused before any worker starts, naming why.
    "$dagrun" "$tmp/p.json" --limits cgroup2 --format json -q > "$tmp/out" 2> "$tmp/err"; st=$?
    if [ "$st" != 0 ]; then
      grep -q "limits cgroup2: cgroup v2 limits do not work here: ." "$tmp/err" || fail "cgroup2 refused: $(cat "$tmp/err")"
      [ ! -s "$tmp/out" ] || fail "output for a refused run: $(cat "$tmp/out")"
    else
      no_orphans "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"])' "$tmp/out")"
    fi
    "$dagrun" "$tmp/p.json" --limits bogus > /dev/null 2> "$tmp/err"; [ $? = 2 ] || fail "--limits bogus: $(cat "$tmp/err")"
    if [ "$method" = none ]; then
      # A sanitizer build (ASan reserves terabytes of virtual memory): no RLIMIT_AS to test.
      note_has "$tmp/t.json" "none" || fail "note"
      echo "limits: none in this build (sanitizers); the out-of-memory case is skipped"
      echo "PASS [$case_name]"
      exit 0
    fi
    # A configuration of 64 MB and half a vCPU (a dagworker at rest maps about 6 MB: outputs of
    # 56 MB fit, 62 MB do not): a task with an 8 MB output runs; one of 200 MB runs out of
    # memory, and the run fails with one clear message, leaving no worker and no key.
    python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
p = json.load(open("examples/platforms/local.json"))
c = dict(p["configs"][0], name="64MB", memory_mb=64, vcpus=0.5)
p["configs"] = [c]
p["name"] = "local-64MB"
json.dump(p, open(tmp + "/small.platform.json", "w"))
def wf(name, out):
    return {"format": "dagplan-workflow/1", "name": name, "tasks": [
        {"id": "a", "work_s": 0.5, "output_bytes": out, "deps": []},
        {"id": "b", "work_s": 0.05, "output_bytes": 1000, "deps": ["a"]}]}
json.dump(wf("fits", 8_000_000), open(tmp + "/fits.json", "w"))
json.dump(wf("too-big", 200_000_000), open(tmp + "/big.json", "w"))
PY
    port=$(free_port)
    start_redis "$port"
    "$dagplan" plan "$tmp/fits.json" --platform "$tmp/small.platform.json" -o "$tmp/fits.plan" > /dev/null || fail "plan fits"
    "$dagrun" "$tmp/fits.plan" --limits rlimit --redis "127.0.0.1:$port" --format json -q > "$tmp/run.json" 2> "$tmp/run.err" &
    run_pid=$!
    # While it runs: the worker has one core (half a vCPU, rounded up) and 64 MB of address space.
    victim=""
    for _ in $(seq 100); do
      victim=$(pgrep -f "dagworker --redis 127.0.0.1:$port" | head -1)
      [ -n "$victim" ] && break
      sleep 0.02
    done
    [ -n "$victim" ] || fail "no worker of the run found"
    cpus=$(awk '/^Cpus_allowed_list/ {print $2}' "/proc/$victim/status")
    as=$(awk '/^Max address space/ {print $4}' "/proc/$victim/limits")
    wait "$run_pid" || fail "dagrun --limits rlimit at 64 MB failed: $(cat "$tmp/run.err")"
    case $cpus in *,* | *-*) fail "the worker may run on $cpus, not one core" ;; esac
    [ "$as" = 67108864 ] || fail "the worker's address space limit is $as, not 64 MiB"
    [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["limits"])' "$tmp/run.json")" = rlimit ] || fail "limits not rlimit: $(cat "$tmp/run.json")"
    [ "$(redis-cli -p "$port" --scan --pattern 'dagrun:*' | wc -l)" = 0 ] || fail "keys left after the run that fits"
    "$dagplan" plan "$tmp/big.json" --platform "$tmp/small.platform.json" -o "$tmp/big.plan" > /dev/null || fail "plan big"
    start=$(date +%s)
    "$dagrun" "$tmp/big.plan" --limits rlimit --redis "127.0.0.1:$port" --timeout 60 > "$tmp/out" 2> "$tmp/err"; st=$?
    [ "$st" = 1 ] || fail "over its memory: exit $st ($(cat "$tmp/err"))"
    [ $(( $(date +%s) - start )) -le 20 ] || fail "took more than 20 s"
    grep -q "out of memory (limit 64 MB)" "$tmp/err" || fail "message: $(cat "$tmp/err")"
    [ "$(wc -l < "$tmp/err")" -le 2 ] || fail "more than one error: $(cat "$tmp/err")"
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      pgrep -f -- "dagworker --redis 127.0.0.1:$port" > /dev/null || break
      sleep 0.1
    done
    ! pgrep -f -- "dagworker --redis 127.0.0.1:$port" > /dev/null || fail "workers left: $(pgrep -af -- "dagworker --redis 127.0.0.1:$port")"
    left=$(redis-cli -p "$port" --scan --pattern 'dagrun:*' | wc -l)
    [ "$left" = 0 ] || fail "$left keys of the run left"
    ;;
  slots)
    # Several tasks at once on one strict worker (rule 5 and Plan::worker_order): a root and a
    # fan-out of six 0.3 s tasks on ONE worker of the 2048MB configuration (2 vCPUs: 2 slots),
    # in a given order. The trace shows two tasks running at once on the instance, never three,
    # no task starting before an earlier one in the order; the measured makespan is within 30%
    # of the predicted one. On the 1024MB configuration (1 slot): one at a time.
    write_workflow fan "$tmp/slots.json" <<'PY'
tasks = [{"id": "root", "work_s": 0.02, "output_bytes": 1000}]
tasks += [{"id": f"t{i}", "work_s": 0.3, "output_bytes": 1000, "deps": ["root"]} for i in range(6)]
PY
    "$dagplan" plan "$tmp/slots.json" --platform local --planner heft -o "$tmp/p.json" > /dev/null || fail "plan"
    for config in 2048MB 1024MB; do
      python3 - "$tmp/p.json" "$config" "$tmp/one.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
ids = [t["id"] for t in p["tasks"]]
p["workers"] = [{"id": "w0", "config": sys.argv[2], "order": ["root", "t3", "t0", "t5", "t1", "t4", "t2"]}]
p["tasks"] = [{"id": t, "worker": "w0"} for t in ids]
p.pop("predictions", None)
json.dump(p, open(sys.argv[3], "w"))
PY
      # The overlaps and the order hold on every run; the makespan is CPU time on a shared
      # machine: up to three runs for it to come within 30% of the prediction, and on the last,
      # if the tasks executed more than 1.3 times slower than the kernel's measured speed (the
      # cores were busy), within 30% of the prediction scaled by that slowdown.
      for try in 1 2 3; do
        run_ok "$tmp/one.json" --trace "$tmp/t.json"
        python3 - "$tmp/t.json" "$tmp/run.json" "$config" "$([ "$try" = 3 ] && echo last)" <<'PY'; st=$?
import json, sys
tr = json.load(open(sys.argv[1])); run = json.load(open(sys.argv[2]))
slots = 2 if sys.argv[3] == "2048MB" else 1
assert len(tr["instances"]) == 1, tr["instances"]
att = {t["id"]: t["attempts"][-1] for t in tr["tasks"]}
assert all(a["instance"] == 0 for a in att.values())
# The most tasks executing at once (execution intervals on the instance).
edges = sorted([(a["exec_start_us"], 1) for a in att.values()] + [(a["exec_end_us"], -1) for a in att.values()])
most = now = 0
for _, d in edges:
    now += d
    most = max(most, now)
assert most == slots, f"{most} tasks at once with {slots} slots"
order = ["root", "t3", "t0", "t5", "t1", "t4", "t2"]
starts = [att[t]["start_us"] for t in order]
assert starts == sorted(starts), f"the plan's order is not kept: {starts}"
ms = run["makespan_s"]
# How much slower the 0.3 s tasks executed than the synthetic kernel's speed measured at the
# run's start says (other processes on the machine's cores).
slow = sum(att[f"t{i}"]["exec_end_us"] - att[f"t{i}"]["exec_start_us"] for i in range(6)) / 6 / 0.3e6
print(f"{sys.argv[3]}: {most} at once, makespan measured {ms['measured']:.3f} s, predicted {ms['predicted']:.3f} s; tasks executed {slow:.2f}x their time")
if abs(ms["measured"] - ms["predicted"]) <= 0.3 * ms["predicted"]:
    sys.exit(0)
# On the last try, on a busy machine (the tests run two at a time), the prediction scaled by the
# measured slowdown of the tasks' execution (at least 1): it once failed at 1.30x, 34% off.
if sys.argv[4] == "last" and slow > 1.0 and abs(ms["measured"] - slow * ms["predicted"]) <= 0.3 * slow * ms["predicted"]:
    print(f"{sys.argv[3]}: the cores were busy: within 30% of the prediction scaled by {slow:.2f}")
    sys.exit(0)
sys.exit(3)
PY
        [ "$st" = 0 ] && break
        [ "$st" = 3 ] && [ "$try" -lt 3 ] && continue
        fail "$config: $(cat "$tmp/run.json")"
      done
    done
    ;;
  preload)
    # Pre-load (rule 4): task c of worker wb needs p's 2 MB output from worker wa, and pre-loads:
    # wb fetches it as soon as p stored it, while it runs b0 (1 s: room for a loaded machine,
    # where the tests run two at a time); c's input record says it was downloaded from storage
    # before c started. No worker and no key left.
    write_workflow preload "$tmp/pre.json" <<'PY'
tasks = [{"id": "b0", "work_s": 1.0, "output_bytes": 1000},
         {"id": "p", "work_s": 0.05, "output_bytes": 2000000},
         {"id": "c", "work_s": 0.05, "output_bytes": 1000, "deps": ["b0", "p"]}]
PY
    # Two workers at once (the local platform runs one at a time).
    plan_on_two "$tmp/pre.json"
    python3 - "$tmp/p.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["workers"] = [{"id": "wb", "config": "1024MB", "order": ["b0", "c"]}, {"id": "wa", "config": "512MB"}]
p["tasks"] = [{"id": "b0", "worker": "wb"}, {"id": "p", "worker": "wa"}, {"id": "c", "worker": "wb", "preload": True}]
p.pop("predictions", None)
json.dump(p, open(sys.argv[1], "w"))
PY
    port=$(free_port)
    start_redis "$port"
    run_ok "$tmp/p.json" --trace "$tmp/t.json" --redis "127.0.0.1:$port"
    [ "$(redis-cli -p "$port" --scan --pattern 'dagrun:*' | wc -l)" = 0 ] || fail "keys left"
    python3 - "$tmp/t.json" <<'PY' || fail "pre-load: $(cat "$tmp/t.json")"
import json, sys
tr = json.load(open(sys.argv[1]))
att = {t["id"]: t["attempts"][-1] for t in tr["tasks"]}
c = att["c"]
got = {i["from"]: i for i in c["inputs"]}
assert got["b0"]["source"] == "local", got
assert got["p"]["source"] == "download" and got["p"]["bytes"] == 2000000, got
# The fetch starts once p's upload has begun: the producer announces "stored" in the pipeline of
# its last SETs, so the fetcher may see it a few hundred microseconds before the producer reads
# the pipeline's replies and stamps its upload's end.
assert got["p"]["start_us"] >= att["p"]["upload_start_us"], (got["p"], att["p"])
assert got["p"]["end_us"] <= c["start_us"], f"not fetched ahead: {got['p']} start {c['start_us']}"
assert c["instance"] == att["b0"]["instance"] != att["p"]["instance"]
print(f"p's output fetched {got['p']['start_us']}-{got['p']['end_us']} us, c started at {c['start_us']} us")
PY
    "$dagsim" replay "$tmp/t.json" > /dev/null || fail "the trace does not replay"
    ;;
  prewarm)
    # Pre-warm (rule 9): w0 runs x, a and y; b on w1 reads a's output. The plan pre-warms w1
    # when x ends: a worker process of w1's configuration starts then and waits; when a ends,
    # w0 is still busy with y, and w1's instance takes the pre-warmed process: a warm start.
    write_workflow prewarm "$tmp/pw.json" <<'PY'
tasks = [{"id": "x", "work_s": 0.05, "output_bytes": 1000},
         {"id": "a", "work_s": 0.3, "output_bytes": 1000, "deps": ["x"]},
         {"id": "y", "work_s": 0.2, "output_bytes": 1000, "deps": ["a"]},
         {"id": "b", "work_s": 0.05, "output_bytes": 1000, "deps": ["a"]}]
PY
    plan_on_two "$tmp/pw.json"
    python3 - "$tmp/p.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["workers"] = [{"id": "w0", "config": "512MB", "order": ["x", "a", "y"]},
                {"id": "w1", "config": "512MB", "prewarm": {"after": "x"}}]
p["tasks"] = [{"id": "x", "worker": "w0"}, {"id": "a", "worker": "w0"}, {"id": "y", "worker": "w0"},
              {"id": "b", "worker": "w1"}]
p.pop("predictions", None)
json.dump(p, open(sys.argv[1], "w"))
PY
    # The model says the same: w1 starts warm.
    "$dagplan" predict "$tmp/p.json" --format json > "$tmp/pred.json" || fail "predict"
    run_ok "$tmp/p.json" --trace "$tmp/t.json"
    python3 - "$tmp/t.json" <<'PY' || fail "pre-warm: $(cat "$tmp/t.json")"
import json, sys
tr = json.load(open(sys.argv[1]))
att = {t["id"]: t["attempts"][-1] for t in tr["tasks"]}
inst = tr["instances"]
w1 = inst[att["b"]["instance"]]
assert w1["worker"] == "w1" and w1["warm"], w1
pre = [e for e in tr["events"] if e["kind"] == "prewarm"]
assert len(pre) == 1 and pre[0]["task"] == "x", pre
assert att["x"]["finish_us"] <= pre[0]["time_us"] <= w1["start_us"], (att["x"], pre, w1)
assert inst[att["y"]["instance"]]["exited_us"] > w1["start_us"], "w0 was idle: the test proves nothing"
print(f"pre-warm sent at {pre[0]['time_us']} us, w1 started warm at {w1['start_us']} us "
      f"(ready {w1['ready_us'] - w1['start_us']} us later)")
PY
    replay_shows_pass "$tmp/t.json" prewarm 1
    ;;
  taskdup)
    # Task-dup (rule 9): w1 runs s (0.3 s) and then p, whose 4 MB go to c and d on w0. c
    # duplicates p: once x is done, w0 runs p itself in c's slot and c reads that copy locally,
    # long before the original's copy is stored (after s and p on w1); d, which does not
    # duplicate, waits for the stored copy. The original p still runs.
    write_workflow taskdup "$tmp/td.json" <<'PY'
tasks = [{"id": "x", "work_s": 0.02, "output_bytes": 1000},
         {"id": "s", "work_s": 0.3, "output_bytes": 1000},
         {"id": "p", "work_s": 0.01, "output_bytes": 4000000},
         {"id": "c", "work_s": 0.01, "output_bytes": 1000, "deps": ["x", "p"]},
         {"id": "d", "work_s": 0.01, "output_bytes": 1000, "deps": ["p"]}]
PY
    plan_on_two "$tmp/td.json"
    python3 - "$tmp/p.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["workers"] = [{"id": "w0", "config": "512MB"},
                {"id": "w1", "config": "512MB", "order": ["s", "p"]}]
p["tasks"] = [{"id": "x", "worker": "w0"}, {"id": "s", "worker": "w1"}, {"id": "p", "worker": "w1"},
              {"id": "c", "worker": "w0", "dup": "p"}, {"id": "d", "worker": "w0"}]
p.pop("predictions", None)
p.pop("passes", None)
json.dump(p, open(sys.argv[1], "w"))
PY
    run_ok "$tmp/p.json" --trace "$tmp/t.json"
    python3 - "$tmp/t.json" <<'PY' || fail "taskdup: $(cat "$tmp/t.json")"
import json, sys
tr = json.load(open(sys.argv[1]))
att = {t["id"]: t["attempts"][-1] for t in tr["tasks"]}
p, c, d = att["p"], att["c"], att["d"]
ev = [e for e in tr["events"] if e["kind"] == "duplicate"]
assert len(ev) == 1 and ev[0]["task"] == "p" and "'c'" in ev[0]["detail"], ev
# The duplicate ran in c's slot, on w0's instance, not where the original ran.
assert c["instance"] != p["instance"], (c, p)
assert f"instance {c['instance']} " in ev[0]["detail"], (ev, c)
cp = [x for x in c["inputs"] if x["from"] == "p"]
assert len(cp) == 1 and cp[0]["source"] == "local" and cp[0]["bytes"] == 4000000, c
# The duplicate's output was used before the original's copy was even stored ...
assert p["upload_end_us"] > p["upload_start_us"], ("the original was not stored", p)
assert cp[0]["end_us"] <= c["exec_start_us"] < p["upload_end_us"], (cp, c, p)
# ... which d, without a duplicate, had to wait for and download.
dp = [x for x in d["inputs"] if x["from"] == "p"]
assert len(dp) == 1 and dp[0]["source"] == "download" and dp[0]["end_us"] > p["upload_end_us"], d
print(f"c used p's duplicate at {c['exec_start_us']} us; the original stored its copy at "
      f"{p['upload_end_us']} us, d had it at {dp[0]['end_us']} us; event: {ev[0]['detail']}")
PY
    replay_shows_pass "$tmp/t.json" taskdup 1
    ;;
  stream)
    # Output streaming (rule 10): w1 runs s (0.2 s) and then p, whose 8 MB c on w0 reads. w0
    # ran x (0.05 s) and waits, up, for c when p ends, so p streams its output to w0's
    # instance, which reads it while p writes it, and nothing is stored. The same plan without
    # the stream stores p's output and c downloads it: the streamed copy was complete sooner
    # after p's end than that upload plus that download. c also downloads y's output (w1).
    stream_workflow
    plan_on_two "$tmp/st.json"
    python3 - "$tmp/p.json" "$tmp/plain.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["workers"] = [{"id": "w0", "config": "2048MB"}, {"id": "w1", "config": "512MB"}]
p["tasks"] = [{"id": "x", "worker": "w0"}, {"id": "s", "worker": "w1"}, {"id": "p", "worker": "w1"},
              {"id": "y", "worker": "w1"}, {"id": "c", "worker": "w0"}]
p.pop("predictions", None)
p.pop("passes", None)
json.dump(p, open(sys.argv[2], "w"))
p["tasks"][2]["stream"] = ["c"]
json.dump(p, open(sys.argv[1], "w"))
PY
    # Three runs of each, alternated, on a machine whose load varies: the best of each compared.
    for i in 1 2 3; do
      run_ok "$tmp/p.json" --trace "$tmp/t$i.json"
      run_ok "$tmp/plain.json" --trace "$tmp/u$i.json"
    done
    python3 - "$tmp" <<'PY' || fail "stream: $(cat "$tmp/t1.json")"
import json, sys
tmp = sys.argv[1]
def attempts(f):
    tr = json.load(open(f))
    return tr, {t["id"]: t["attempts"][-1] for t in tr["tasks"]}
streamed, stored = [], []
for i in (1, 2, 3):
    tr, att = attempts(f"{tmp}/t{i}.json")
    tr0, att0 = attempts(f"{tmp}/u{i}.json")
    p, c = att["p"], att["c"]
    ev = [e for e in tr["events"] if e["kind"] == "stream"]
    assert len(ev) == 1 and ev[0]["task"] == "p" and "'c'" in ev[0]["detail"], ev
    assert f"instance {c['instance']} " in ev[0]["detail"], (ev, c)
    assert not [e for e in tr0["events"] if e["kind"] == "stream"], tr0["events"]
    cp = [x for x in c["inputs"] if x["from"] == "p"]
    assert len(cp) == 1 and cp[0]["source"] == "stream" and cp[0]["bytes"] == 8000000, c
    # y's output, stored, is downloaded beside the stream.
    cy = [x for x in c["inputs"] if x["from"] == "y"]
    assert len(cy) == 1 and cy[0]["source"] == "download" and cy[0]["bytes"] == 1000, c
    # Read while p wrote it: from p's end on, nothing stored.
    assert cp[0]["start_us"] >= p["exec_end_us"], (cp, p)
    p0, c0 = att0["p"], att0["c"]
    dp = [x for x in c0["inputs"] if x["from"] == "p"]
    assert len(dp) == 1 and dp[0]["source"] == "download", c0
    upload = p0["upload_end_us"] - p0["exec_end_us"]
    assert upload > 0, p0
    streamed.append(cp[0]["end_us"] - p["exec_end_us"])
    stored.append(upload + dp[0]["end_us"] - dp[0]["start_us"])
# The streamed copy was complete sooner after p's end than the stored one was uploaded and then
# downloaded. Not asserted in a sanitizer build (its note says so): there the subscriber's reading
# of 122 published chunks is CPU-bound beside the producer and redis-server on two cores, so the
# overlap buys nothing (CI: 77-97 ms streamed against 71-106 ms stored); what the stream does is
# checked above in every build.
notes = " ".join(e["detail"] for e in tr["events"] if e["kind"] == "note")
if "(sanitizer build)" in notes:
    print(f"sanitizer build: timing not compared (streamed {streamed} us, stored {stored} us)")
else:
    assert min(streamed) < min(stored), (streamed, stored)
print(f"c had p's 8 MB by stream {min(streamed)} us after p ended (best of {streamed}); "
      f"without the stream, upload + download: {min(stored)} us (best of {stored})")
PY
    replay_shows_pass "$tmp/t1.json" stream 1
    ;;
  cluster)
    # WUKONG clustering (rule 11): s makes 4 MB that four children read. Without clustering,
    # s's instance runs c0 and invokes one instance per other child, each downloading the 4 MB;
    # clustered, all four run on s's instance (its slots), read s's output locally, and s's
    # output never goes to storage.
    write_workflow cluster "$tmp/cl.json" <<'PY'
tasks = [{"id": "s", "work_s": 0.02, "output_bytes": 4000000}]
tasks += [{"id": f"c{i}", "work_s": 0.02, "output_bytes": 1000, "deps": ["s"]} for i in range(4)]
tasks += [{"id": "j", "work_s": 0.01, "output_bytes": 1000, "deps": [f"c{i}" for i in range(4)]}]
PY
    "$dagplan" plan "$tmp/cl.json" --platform examples/platforms/local.json --planner wukong \
      -o "$tmp/p.json" > /dev/null || fail "plan"
    python3 - "$tmp/p.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for t in p["tasks"]:
    if t["id"] == "s":
        t["cluster"] = True
p.pop("predictions", None)
json.dump(p, open(sys.argv[1], "w"))
PY
    run_ok "$tmp/p.json" --trace "$tmp/t.json"
    python3 - "$tmp/t.json" <<'PY' || fail "cluster: $(cat "$tmp/t.json")"
import json, sys
tr = json.load(open(sys.argv[1]))
att = {t["id"]: t["attempts"][-1] for t in tr["tasks"]}
s = att["s"]
assert s["upload_end_us"] == s["upload_start_us"], ("s's output was uploaded", s)
for i in range(4):
    c = att[f"c{i}"]
    assert c["instance"] == s["instance"], (f"c{i} ran elsewhere", c)
    src = [x for x in c["inputs"] if x["from"] == "s"]
    assert len(src) == 1 and src[0]["source"] == "local", (f"c{i} did not read s locally", c)
ev = [e for e in tr["events"] if e["kind"] == "cluster"]
assert len(ev) == 1 and ev[0]["task"] == "s" and ev[0]["detail"].startswith("4 of 4"), ev
print(f"clustered: s and its 4 children on one instance, s's 4 MB never stored; "
      f"{len(tr['instances'])} instances in all; event: {ev[0]['detail']}")
PY
    replay_shows_pass "$tmp/t.json" cluster 4
    ;;
  delayio)
    # Delayed I/O (rule 11): a (0.02 s) makes 4 MB for the fan-in j, whose other input b runs
    # 0.3 s. a holds its output (for at most 2 s) instead of uploading it, watching j's counter;
    # when b is counted, a counts itself last and runs j on its own instance with its output
    # local: the 4 MB are never stored.
    delayio_workflow
    plan_on_two "$tmp/dl.json" wukong
    python3 - "$tmp/p.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for t in p["tasks"]:
    if t["id"] == "a":
        t["delayed_io_s"] = 2
p.pop("predictions", None)
json.dump(p, open(sys.argv[1], "w"))
PY
    run_ok "$tmp/p.json" --trace "$tmp/t.json"
    python3 - "$tmp/t.json" <<'PY' || fail "delayio: $(cat "$tmp/t.json")"
import json, sys
tr = json.load(open(sys.argv[1]))
att = {t["id"]: t["attempts"][-1] for t in tr["tasks"]}
a, b, j = att["a"], att["b"], att["j"]
assert a["upload_end_us"] == a["upload_start_us"], ("a's output was uploaded", a)
assert j["instance"] == a["instance"] != b["instance"], ("j did not run on a's instance", a, b, j)
src = [x for x in j["inputs"] if x["from"] == "a"]
assert len(src) == 1 and src[0]["source"] == "local" and src[0]["bytes"] == 4000000, j
# a held its output from its end until b was counted, then counted itself.
assert a["exec_end_us"] < b["finish_us"] <= a["upload_start_us"] < a["finish_us"], (a, b)
ev = [e for e in tr["events"] if e["kind"] == "delayed_io"]
assert len(ev) == 1 and ev[0]["task"] == "a" and "upload avoided" in ev[0]["detail"], ev
print(f"a held its 4 MB {(a['upload_start_us'] - a['exec_end_us']) / 1e3:.1f} ms until b was "
      f"counted ({b['finish_us']} us), never stored them; j ran on a's instance; "
      f"event: {ev[0]['detail']}")
PY
    replay_shows_pass "$tmp/t.json" delayed-io 1
    # A wait of 50 ms runs out long before b is counted: a uploads then, and counts itself.
    python3 - "$tmp/p.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for t in p["tasks"]:
    if t["id"] == "a":
        t["delayed_io_s"] = 0.05
json.dump(p, open(sys.argv[1], "w"))
PY
    run_ok "$tmp/p.json" --trace "$tmp/t.json"
    python3 - "$tmp/t.json" <<'PY' || fail "delayio timeout: $(cat "$tmp/t.json")"
import json, sys
tr = json.load(open(sys.argv[1]))
a = {t["id"]: t["attempts"][-1] for t in tr["tasks"]}["a"]
waited = a["upload_start_us"] - a["exec_end_us"]
assert 50000 <= waited < 250000 and a["upload_end_us"] > a["upload_start_us"], ("no upload after the wait", a)
ev = [e for e in tr["events"] if e["kind"] == "delayed_io"]
assert len(ev) == 1 and "uploaded after the wait" in ev[0]["detail"], ev
print(f"with a 50 ms wait: a uploaded {waited / 1e3:.1f} ms after its end; event: {ev[0]['detail']}")
PY
    ;;
  inline-dag)
    # Rule 12, the inline-dag pass: a long chain c0..c3999 on worker w0 makes the DAG large
    # (about 250 kB as the model counts it, above the 64 kB this platform's invocations carry),
    # and a small pipeline s -> t runs on worker w1, whose part of the DAG (s, t) is a few hundred
    # bytes. The same plan is run with and without w1's annotation, each twice: with it, w1's
    # invocation carries its part and its start-up reads nothing from Redis; without it, w1's
    # start-up reads the run's documents (the whole DAG) first.
    write_workflow inline-dag "$tmp/id.json" <<'PY'
n = 4000
tasks = [{"id": "c0", "work_s": 0.0, "output_bytes": 8}]
tasks += [{"id": f"c{i}", "work_s": 0.0, "output_bytes": 8, "deps": [f"c{i - 1}"]} for i in range(1, n)]
tasks += [{"id": "s", "work_s": 0.05, "output_bytes": 1000}, {"id": "t", "work_s": 0.05, "output_bytes": 1000, "deps": ["s"]}]
PY
    plan_inline "$tmp/id.json" heft 65536 4
    python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
p = json.load(open(tmp + "/p.json"))
config = p["workers"][0]["config"]
p["workers"] = [{"id": "w0", "config": config}, {"id": "w1", "config": config}]
p["tasks"] = [{"id": t["id"], "worker": "w1" if t["id"] in ("s", "t") else "w0", "config": config}
              for t in p["tasks"]]
for k in ("predictions", "passes"):
    p.pop(k, None)
json.dump(p, open(tmp + "/plain.json", "w"))
p["workers"][1]["inline_dag"] = True
json.dump(p, open(tmp + "/inline.json", "w"))
PY
    for i in 1 2; do
      run_ok "$tmp/plain.json" --trace "$tmp/plain$i.json"
      run_ok "$tmp/inline.json" --trace "$tmp/inline$i.json"
    done
    python3 - "$tmp" <<'PY' || fail "inline-dag"
import json, sys
tmp = sys.argv[1]
def w1(name):
    tr = json.load(open(f"{tmp}/{name}.json"))
    assert not [e for e in tr["events"] if e["kind"] == "note" and "inline_dag" in e["detail"]], tr["events"]
    inst = [i for i in tr["instances"] if i["worker"] == "w1"]
    assert len(inst) == 1 and not inst[0]["warm"], inst
    att = {t["id"]: t["attempts"][-1] for t in tr["tasks"]}
    assert att["t"]["inputs"][0]["from"] == "s"
    return inst[0]
plain = [w1(f"plain{i}") for i in (1, 2)]
inline = [w1(f"inline{i}") for i in (1, 2)]
for i in plain:  # the whole DAG read at start-up, no part
    assert i["dag_fetched_bytes"] > 500000 and i["dag_part_bytes"] == 0 and i["dag_fetch_us"] > 0, i
for i in inline:  # its part in the invocation, nothing read
    assert i["dag_fetched_bytes"] == 0 and i["dag_fetch_us"] == 0 and 0 < i["dag_part_bytes"] < 4000, i
up = lambda i: i["ready_us"] - i["start_us"]
print(f"w1's cold start-up: {[up(i) for i in plain]} us reading the whole DAG "
      f"({plain[0]['dag_fetched_bytes']} bytes, {[i['dag_fetch_us'] for i in plain]} us), "
      f"{[up(i) for i in inline]} us from its {inline[0]['dag_part_bytes']}-byte part")
assert min(up(i) for i in inline) < min(up(i) for i in plain), "no shorter start-up"
PY
    replay_shows_pass "$tmp/inline1.json" inline-dag 1
    # Warm starts (decision 0035): a (w0) -> b (w1), one worker at a time, so b's worker takes
    # w0's process, warm. Invocations carry 150 bytes of DAG: the DAG (167 as the model counts
    # it) does not fit, a's part (138) and b's (143) do (tests/passes_test.cpp has the same case
    # by hand). A process keeps the DAG it read: without parts w1 reads nothing; with w0's part
    # only, w1's warm process has never read it and does; with both, nobody does. The model
    # charges the same fetches: its predicted start-ups differ by one fetch each time.
    write_workflow warm "$tmp/ab.json" <<'PY'
tasks = [{"id": "a", "work_s": 0.02, "output_bytes": 1000},
         {"id": "b", "work_s": 0.02, "output_bytes": 1000, "deps": ["a"]}]
PY
    plan_inline "$tmp/ab.json" heft 150 1
    python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
p = json.load(open(tmp + "/p.json"))
for k in ("predictions", "passes"):
    p.pop(k, None)
p["workers"] = [{"id": "w0", "config": "512MB"}, {"id": "w1", "config": "512MB"}]
p["tasks"] = [{"id": "a", "worker": "w0"}, {"id": "b", "worker": "w1"}]
for name, ships in (("none", []), ("w0", ["w0"]), ("both", ["w0", "w1"])):
    for w in p["workers"]:
        w["inline_dag"] = w["id"] in ships
    json.dump(p, open(f"{tmp}/warm-{name}.json", "w"))
PY
    for v in none w0 both; do
      run_ok "$tmp/warm-$v.json" --trace "$tmp/warm-$v-trace.json"
      "$dagsim" replay "$tmp/warm-$v-trace.json" --format json > "$tmp/warm-$v-replay.json" || fail "replay"
    done
    python3 - "$tmp" <<'PY' || fail "inline-dag warm starts"
import json, sys
tmp = sys.argv[1]
fetched, predicted = {}, {}
for v in ("none", "w0", "both"):
    tr = json.load(open(f"{tmp}/warm-{v}-trace.json"))
    inst = tr["instances"]
    assert [i["worker"] for i in inst] == ["w0", "w1"] and not inst[0]["warm"] and inst[1]["warm"], inst
    assert inst[0]["dag_fetched_bytes"] == 0 if v != "none" else inst[0]["dag_fetched_bytes"] > 0, inst
    fetched[v] = inst[1]["dag_fetched_bytes"]
    r = json.load(open(f"{tmp}/warm-{v}-replay.json"))
    predicted[v] = [p for p in r["phases"] if p["phase"] == "startup"][0]["predicted_total_s"]
# The real warm start read the DAG only where its process had not (w0 ran from its part) ...
assert fetched["none"] == 0 and fetched["w0"] > 0 and fetched["both"] == 0, fetched
# ... and the model charges one fetch there: w0's saved, w1's added (equal), then w1's saved too.
fetch = predicted["none"] - predicted["both"]
assert fetch > 0 and abs(predicted["w0"] - predicted["none"]) < 1e-6, predicted
print(f"warm start of w1: read {fetched} bytes of DAG (none / w0's part / both parts); predicted "
      f"start-ups {predicted} s: one fetch ({fetch * 1e6:.0f} us) moved from w0 to w1, then none")
PY
    # Workers running from their parts take the same decisions as with the whole DAG: every
    # worker annotated, (1) the kernel examples under uniform (many workers, edges between them)
    # give the locally evaluated outputs (--check); (2) a streamed edge is read by stream; (3)
    # pre-loads happen.
    annotate_all() {
      python3 - "$1" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for w in p["workers"]:
    w["inline_dag"] = True
p.pop("predictions", None)
json.dump(p, open(sys.argv[1], "w"))
PY
    }
    for wf in gemm tree-reduction; do
      "$dagplan" plan examples/workflows/$wf.json --platform local --planner uniform -o "$tmp/k.json" > /dev/null || fail "plan $wf"
      annotate_all "$tmp/k.json"
      run_ok "$tmp/k.json" --check --trace "$tmp/k-trace.json"
      python3 - "$tmp/run.json" "$tmp/k-trace.json" <<'PY' || fail "inline-dag $wf: $(cat "$tmp/run.json")"
import json, sys
r, tr = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert r["checked_outputs"] >= 1 and r["attempts"] == r["tasks"], r
assert len(tr["instances"]) > 1
assert all(i["dag_part_bytes"] > 0 and i["dag_fetched_bytes"] == 0 for i in tr["instances"]), tr["instances"]
print(f"{len(tr['instances'])} instances from their parts, {r['checked_outputs']} outputs checked")
PY
    done
    stream_workflow
    plan_on_two "$tmp/st.json"
    python3 - "$tmp/p.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["workers"] = [{"id": "w0", "config": "2048MB", "inline_dag": True},
                {"id": "w1", "config": "512MB", "inline_dag": True}]
p["tasks"] = [{"id": "x", "worker": "w0"}, {"id": "s", "worker": "w1"},
              {"id": "p", "worker": "w1", "stream": ["c"]}, {"id": "y", "worker": "w1"},
              {"id": "c", "worker": "w0", "preload": True}]
for k in ("predictions", "passes"):
    p.pop(k, None)
json.dump(p, open(sys.argv[1], "w"))
PY
    run_ok "$tmp/p.json" --trace "$tmp/st-trace.json"
    python3 - "$tmp/st-trace.json" <<'PY' || fail "inline-dag stream: $(cat "$tmp/st-trace.json")"
import json, sys
tr = json.load(open(sys.argv[1]))
assert all(i["dag_part_bytes"] > 0 and i["dag_fetched_bytes"] == 0 for i in tr["instances"]), tr["instances"]
c = {t["id"]: t["attempts"][-1] for t in tr["tasks"]}["c"]
src = {x["from"]: x for x in c["inputs"]}
# p's output by stream; y's (w1) pre-loaded: downloaded before c took its slot.
assert src["p"]["source"] == "stream" and src["y"]["source"] == "download", c
assert src["y"]["end_us"] < c["start_us"], c
print(f"from parts: c read p by stream, y pre-loaded {c['start_us'] - src['y']['end_us']} us before c started")
PY
    ;;
  inline-taskdup)
    # Rule 12 with task-dup (rule 9), on commands: c (w0) duplicates p (w1), which upper-cases
    # the output of s (w2). So w0's part carries p whole and p's input s, two hops from w0's
    # tasks - without s the duplicate would read nothing, and c's output would differ from the
    # workflow evaluated locally (--check); and w2's part carries c, two hops from s, whose
    # counter s counts (c waits for s, not p) - without it c would never be ready (decision 0034).
    # An invocation carries 320 bytes of DAG here: the whole DAG (329 as the model counts it)
    # does not fit, the parts (312, 193, 167) do. The plan runs with every part inline and
    # without: the workers run from their parts and take the same decisions (c ran p itself and
    # read it locally, d downloaded it).
    write_workflow inline-taskdup "$tmp/td.json" <<'PY'
tasks = [{"id": "x", "command": "echo x > {output}", "work_s": 0.02, "output_bytes": 2},
         {"id": "s", "command": "echo s-output > {output}", "work_s": 0.02, "output_bytes": 9},
         {"id": "p", "command": "tr a-z A-Z < {inputs} > {output}", "work_s": 0.01, "output_bytes": 9, "deps": ["s"]},
         {"id": "c", "command": "cat {inputs} > {output}", "work_s": 0.01, "output_bytes": 11, "deps": ["x", "p"]},
         {"id": "d", "command": "cat {inputs} > {output}", "work_s": 0.01, "output_bytes": 9, "deps": ["p"]}]
PY
    plan_inline "$tmp/td.json" heft 320 4  # four at once: no step-asides
    python3 - "$tmp/p.json" "$tmp/inline.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["workers"] = [{"id": "w0", "config": "512MB"}, {"id": "w1", "config": "512MB"},
                {"id": "w2", "config": "512MB"}]
p["tasks"] = [{"id": "x", "worker": "w0"}, {"id": "s", "worker": "w2"}, {"id": "p", "worker": "w1"},
              {"id": "c", "worker": "w0", "dup": "p"}, {"id": "d", "worker": "w0"}]
for k in ("predictions", "passes"):
    p.pop(k, None)
json.dump(p, open(sys.argv[1], "w"))
for w in p["workers"]:
    w["inline_dag"] = True
json.dump(p, open(sys.argv[2], "w"))
PY
    run_ok "$tmp/p.json" --platform "$tmp/inline-platform.json" --check --timeout 30 --trace "$tmp/plain.json"
    run_ok "$tmp/inline.json" --platform "$tmp/inline-platform.json" --check --timeout 30 --trace "$tmp/t.json"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["checked_outputs"] == 2, r' "$tmp/run.json" ||
      fail "inline-taskdup: $(cat "$tmp/run.json")"
    same_decisions "$tmp/plain.json" "$tmp/t.json" w0,w1,w2 || fail "inline-taskdup: $(cat "$tmp/t.json")"
    python3 - "$tmp/t.json" <<'PY' || fail "inline-taskdup: $(cat "$tmp/t.json")"
import json, sys
tr = json.load(open(sys.argv[1]))
att = {t["id"]: t["attempts"][-1] for t in tr["tasks"]}
ev = [e for e in tr["events"] if e["kind"] == "duplicate"]
assert len(ev) == 1 and ev[0]["task"] == "p" and "'c'" in ev[0]["detail"], ev
cp = [x for x in att["c"]["inputs"] if x["from"] == "p"]
assert len(cp) == 1 and cp[0]["source"] == "local" and cp[0]["bytes"] == 9, att
dp = [x for x in att["d"]["inputs"] if x["from"] == "p"]
assert len(dp) == 1 and dp[0]["source"] == "download", att
PY
    # (Whether the duplicate beat the original's stored copy depends on timing here - the
    # commands take milliseconds - so the replay is asked about the parts only; executor.taskdup
    # shows the duplicate's gain.)
    replay_shows_pass "$tmp/t.json" inline-dag 3
    ;;
  inline-delayio)
    # Rule 12 with delayed I/O (rule 11): the delayio case's a (flexible, 4 MB) holds its output
    # for the flexible fan-in j, whose other input b (0.3 s) now runs on the strict worker w0.
    # b's count leaves a the last one missing, so b's worker tells a (held:j) - which it knows
    # only if its part carries a, two hops from b (decision 0034). 200 bytes of DAG per
    # invocation: the whole DAG (221) does not fit, w0's part (167) does. With and without the
    # part: a held its output, ran j on its own instance, never stored the 4 MB, and learnt that
    # b was counted from b's message, not from its own polling a second later.
    delayio_workflow
    plan_inline "$tmp/dl.json" wukong 200 4
    python3 - "$tmp/p.json" "$tmp/inline.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
config = [t for t in p["tasks"] if t["id"] == "b"][0]["config"]
p["workers"] = [{"id": "w0", "config": config}]
for t in p["tasks"]:
    if t["id"] == "a":
        t["delayed_io_s"] = 2
    if t["id"] == "b":
        t["worker"] = "w0"
        t.pop("config", None)
for k in ("predictions", "passes"):
    p.pop(k, None)
json.dump(p, open(sys.argv[1], "w"))
p["workers"][0]["inline_dag"] = True
json.dump(p, open(sys.argv[2], "w"))
PY
    run_ok "$tmp/p.json" --platform "$tmp/inline-platform.json" --trace "$tmp/plain.json"
    run_ok "$tmp/inline.json" --platform "$tmp/inline-platform.json" --trace "$tmp/t.json"
    same_decisions "$tmp/plain.json" "$tmp/t.json" w0 || fail "inline-delayio: $(cat "$tmp/t.json")"
    for trace in plain t; do
      python3 - "$tmp/$trace.json" <<'PY' || fail "inline-delayio ($trace): $(cat "$tmp/$trace.json")"
import json, sys
tr = json.load(open(sys.argv[1]))
att = {t["id"]: t["attempts"][-1] for t in tr["tasks"]}
a, b = att["a"], att["b"]
ev = [e for e in tr["events"] if e["kind"] == "delayed_io"]
assert len(ev) == 1 and ev[0]["task"] == "a" and "upload avoided" in ev[0]["detail"], ev
# (same_decisions: j ran on a's instance, a's output local, never uploaded.) Woken by b's message: a stopped holding soon after b's count (b's finish follows its counts
# and its message), not at its next poll a second after it began to wait.
late = a["upload_start_us"] - b["finish_us"]
assert a["exec_end_us"] < b["finish_us"] and late < 200000, ("a was not told", a, b)
print(f"{sys.argv[1].rsplit('/', 1)[1]}: a held its output {(a['upload_start_us'] - a['exec_end_us']) / 1e3:.1f} ms, "
      f"released {late / 1e3:.1f} ms after b's end")
PY
    done
    replay_shows_pass "$tmp/t.json" inline-dag 1
    replay_shows_pass "$tmp/t.json" delayed-io 1
    ;;
  code)
    # Rule 12, code size: a profile gives fa 3 MB and fb 1 MB of code. dagrun stores each once;
    # a new worker process (a cold start) fetches its configuration's package - the code of every
    # function the plan runs there - before it serves, and a reused one (warm) fetches nothing.
    python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
tasks = [{"id": "a", "function": "fa", "work_s": 0.05, "output_bytes": 1000},
         {"id": "b", "function": "fb", "work_s": 0.05, "output_bytes": 1000, "deps": ["a"]},
         {"id": "c", "function": "fa", "work_s": 0.05, "output_bytes": 1000, "deps": ["b"]},
         {"id": "d", "function": "fa", "work_s": 0.05, "output_bytes": 1000, "deps": ["b"]}]
json.dump({"format": "dagplan-workflow/1", "name": "code", "tasks": tasks}, open(tmp + "/code.json", "w"))
json.dump({"format": "dagplan-profile/1", "functions": [{"name": "fa", "code_bytes": 3000000},
           {"name": "fb", "code_bytes": 1000000}]}, open(tmp + "/prof.json", "w"))
PY
    "$dagplan" plan "$tmp/code.json" --platform local --profile "$tmp/prof.json" --planner wukong -o "$tmp/p.json" > /dev/null || fail "plan"
    run_ok "$tmp/p.json" --profile "$tmp/prof.json" --trace "$tmp/t.json"
    python3 - "$tmp/t.json" <<'PY' || fail "code: $(cat "$tmp/t.json")"
import json, sys
tr = json.load(open(sys.argv[1]))
code = {"fa": 3000000, "fb": 1000000}
fn = {"a": "fa", "b": "fb", "c": "fa", "d": "fa"}
configs = {}
for t in tr["plan"]["tasks"]:
    configs.setdefault(t["config"], set()).add(fn[t["id"]])
cold = [i for i in tr["instances"] if not i["warm"]]
assert cold and len(cold) < len(tr["instances"]), "expected cold and warm starts"
for i in tr["instances"]:
    want = sum(code[f] for f in configs[i["config"]]) if not i["warm"] else 0
    assert i["code_fetched_bytes"] == want, (i, want)
    assert i["ready_us"] - i["start_us"] >= i["code_fetch_us"] >= (1 if want else 0), i
print("cold starts fetched their package: " + ", ".join(
    f"{i['code_fetched_bytes']} bytes in {i['code_fetch_us']} us (start-up {i['ready_us'] - i['start_us']} us)" for i in cold)
    + f"; {len(tr['instances']) - len(cold)} warm starts fetched none")
PY
    ;;
  *) fail "unknown case" ;;
esac
echo "PASS [$case_name]"
