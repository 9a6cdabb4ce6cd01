#!/usr/bin/env python3
"""How often the pareto planner beats both anchors: for the generated shapes (1000 tasks, seed 1)
and the shared WfCommons instances on a serverless platform, the predicted makespan and cost of
wukong and heft with every pass against pareto's default pick, whether pareto is strictly
faster than both at no higher cost than either, and how far heft with passes is above the lower
bound without its cold-start path and above the whole bound (LowerBounds::makespan_us(), with the
cold-start path: the first cold start, the literal inputs' download and the counter updates
every plan pays; what any plan could gain at most), both from benchmarks/bench_critical_chain.

Usage: scripts/pareto-table.py [--build build] [--shared ../shared/data] [--platform aws-lambda]
       [--tasks 1000] > table.md
Runs `dagplan compare WORKFLOW --planners wukong,heft,pareto --optimize all --format json` and
`bench_critical_chain WORKFLOW`; progress on stderr."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import suite_workflows  # noqa: E402


def run(cmd):
    return suite_workflows.run(cmd, "pareto-table")


def bounds_s(a, path):
    """The lower bound without the cold-start path and LowerBounds::makespan_us() (the floor) of
    the workflow on the platform, in seconds (bench_critical_chain's JSON line, on stderr)."""
    exe = os.path.join(os.path.dirname(os.path.dirname(a.dagplan)), "benchmarks",
                       "bench_critical_chain")
    p = subprocess.run([exe, path, "--platform", a.platform], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"pareto-table: {exe} {path} failed:\n{p.stderr.strip()}")
    j = json.loads(p.stderr.strip().splitlines()[-1])
    return j["bound_s"], j["floor_s"]


def main():
    a = suite_workflows.arguments(__doc__.splitlines()[0])
    dagplan = a.dagplan
    workflows = suite_workflows.workflows(a, "pareto-table")
    print(f"Platform `{a.platform}`; each cell: predicted makespan (s) / cost ($), contention-aware; "
          "wukong and heft with every pass (objective makespan, cost at most 5% above the "
          "planner's); pareto's default pick (the fastest at no more than heft with passes "
          "costs); heft + passes above the lower bound (critical path at the fastest configuration "
          "plus one warm start) and above the floor (the bound with the first cold start, the "
          "literal inputs' download and the counter updates every plan pays: no plan is "
          "faster), in seconds.\n")
    print("| workflow | wukong + passes | heft + passes | pareto | pareto better than both | "
          "heft + passes above the bound (s) | above the floor (s) |")
    print("|---|---:|---:|---:|---|---:|---:|")
    wins = cheaper = 0
    for i, (name, f) in enumerate(workflows):
        print(f"pareto-table: {i + 1}/{len(workflows)} {name}", file=sys.stderr)
        out = json.loads(run([dagplan, "compare", f, "--platform", a.platform, "--planners",
                              "wukong,heft,pareto", "--optimize", "all", "--format", "json",
                              "-q"]))
        r = {p["planner"]: p for p in out["planners"]}
        w, h, p = r["wukong"], r["heft"], r["pareto"]
        better = (p["makespan_s"] < w["makespan_s"] and p["makespan_s"] < h["makespan_s"] and
                  p["cost_usd"] <= w["cost_usd"] and p["cost_usd"] <= h["cost_usd"])
        wins += better
        cheaper += p["makespan_s"] <= h["makespan_s"] and p["cost_usd"] < h["cost_usd"]
        bound, floor = bounds_s(a, f)
        room, above_floor = h["makespan_s"] - bound, h["makespan_s"] - floor
        cell = lambda x: f"{x['makespan_s']:.3f} / {x['cost_usd']:.6f}"
        print(f"| {name} | {cell(w)} | {cell(h)} | {cell(p)} | {'yes' if better else 'no'} | "
              f"{room:.3f} | {above_floor:.4f} |")
    print(f"\npareto strictly faster than both anchors at no higher cost on {wins} of "
          f"{len(workflows)} workflows; no slower than heft + passes and strictly cheaper on "
          f"{cheaper} of {len(workflows)}.")


if __name__ == "__main__":
    main()
