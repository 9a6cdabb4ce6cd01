#!/usr/bin/env python3
"""Recomputes a dagplan plan's schedule under SAGA's textbook model, from the files alone.

Usage: scripts/saga-evaluate.py GRAPH.json PLAN.json [--json]

GRAPH.json is a SAGA task graph ({"tasks": [{"id", "work", "deps", "output_bytes"}], "speeds",
"bandwidth"}); PLAN.json a dagplan plan of the workflow `dagplan import saga GRAPH.json` made,
on the platform it made (configuration "node-<i>" is machine i). The model (SAGA's, see
../shared/peers/saga/README.md): a machine runs one task at a time, work / speed; an edge
between two machines costs output_bytes / bandwidth seconds, nothing on one machine; transfers
occupy no machine and never contend. Each machine runs its worker's tasks in the plan's order,
each as soon as the machine is free and its inputs have arrived.

This shares no code with dagplan's predictor on purpose: it is the independent check that the
predictor's timeline is the textbook schedule (tests/cli/saga_test.sh). Prints the makespan in
seconds and how busy the machines were; exits 1 with one line on stderr on a bad input.
"""
import json
import sys


def fail(message):
    print(f"saga-evaluate: {message}", file=sys.stderr)
    sys.exit(1)


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")


def evaluate(graph, plan):
    speeds = graph["speeds"]
    bandwidth = float(graph["bandwidth"])
    tasks = {str(t["id"]): t for t in graph["tasks"]}
    # Worker -> machine, from its configuration's name.
    machine_of_worker = {}
    for w in plan.get("workers", []):
        config = w["config"]
        if not config.startswith("node-"):
            fail(f"worker '{w['id']}' has configuration '{config}', not a SAGA node-<i>")
        machine_of_worker[w["id"]] = int(config[len("node-"):])
    if len(set(machine_of_worker.values())) != len(machine_of_worker):
        fail("two workers share a machine: the textbook model has one processor per machine")
    machine = {}
    for t in plan["tasks"]:
        if t.get("worker") is None:
            fail(f"task '{t['id']}' is flexible: the textbook model needs every task on a machine")
        machine[t["id"]] = machine_of_worker[t["worker"]]
    if set(machine) != set(tasks):
        fail("the plan's tasks are not the graph's")
    # Each machine's sequence: the worker's order, else the plan's task order.
    sequence = {m: [] for m in set(machine_of_worker.values())}
    ordered = set()
    for w in plan["workers"]:
        if "order" in w:
            sequence[machine_of_worker[w["id"]]] = list(w["order"])
            ordered.add(machine_of_worker[w["id"]])
    for t in plan["tasks"]:
        if machine[t["id"]] not in ordered:
            sequence[machine[t["id"]]].append(t["id"])

    finish = {}
    free = {m: 0.0 for m in sequence}
    position = {m: 0 for m in sequence}
    busy = 0.0
    progress = True
    while progress:
        progress = False
        for m in sorted(sequence):
            while position[m] < len(sequence[m]):
                tid = sequence[m][position[m]]
                deps = [str(d) for d in tasks[tid]["deps"]]
                if any(d not in finish for d in deps):
                    break
                start = free[m]
                for d in deps:
                    arrival = finish[d]
                    if machine[d] != m:
                        arrival += tasks[d]["output_bytes"] / bandwidth
                    start = max(start, arrival)
                run = tasks[tid]["work"] / speeds[m]
                finish[tid] = start + run
                free[m] = finish[tid]
                busy += run
                position[m] += 1
                progress = True
    if len(finish) != len(tasks):
        fail("the plan's orders leave tasks that can never start")
    makespan = max(finish.values())
    machines = len(speeds)
    return makespan, busy / (machines * makespan) if makespan > 0 else 0.0


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 2 or any(a not in ("--json",) for a in argv[1:] if a.startswith("--")):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    graph, plan = load(args[0]), load(args[1])
    try:
        makespan, utilisation = evaluate(graph, plan)
    except (KeyError, TypeError, ValueError, IndexError) as e:
        fail(f"{args[1]}: not a plan of {args[0]} ({type(e).__name__}: {e})")
    if "--json" in argv:
        print(json.dumps({"makespan_s": makespan, "machines_busy": utilisation}))
    else:
        print(f"makespan {makespan:.6f} s, machines busy {100 * utilisation:.1f}% of it")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
