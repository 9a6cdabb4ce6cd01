#!/usr/bin/env python3
"""How often the pareto planner beats both anchors: for the generated shapes (1000 tasks, seed 1)
and the shared WfCommons instances on a serverless platform, the predicted makespan and cost of
wukong and heft with every pass against pareto's default pick, and whether pareto is strictly
faster than both at no higher cost than either.

Usage: scripts/pareto-table.py [--build build] [--shared ../shared/data] [--platform aws-lambda]
       [--tasks 1000] > table.md
Runs `dagplan compare WORKFLOW --planners wukong,heft,pareto --optimize all --format json`;
progress on stderr."""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"pareto-table: {' '.join(cmd)} failed:\n{p.stderr.strip()}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--shared", default=os.path.join("..", "shared", "data"))
    ap.add_argument("--platform", default="aws-lambda")
    ap.add_argument("--tasks", type=int, default=1000)
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dagplan = os.path.join(root, a.build, "cli", "dagplan")
    tmp = tempfile.mkdtemp(prefix="pareto-table-")
    workflows = []
    shapes = run([dagplan, "generate", "--help"]).split("One of: ")[1].split("\n")[0].split(", ")
    for shape in shapes:
        f = os.path.join(tmp, f"{shape}.json")
        run([dagplan, "generate", shape, "--tasks", str(a.tasks), "--seed", "1", "-o", f, "-q"])
        workflows.append((f"{shape}-{a.tasks}", f))
    wf = os.path.join(a.shared, "wfcommons")
    if os.path.isdir(wf):
        for f in sorted(glob.glob(os.path.join(wf, "*.json"))):
            workflows.append((os.path.basename(f)[:-5], f))
    else:
        print(f"pareto-table: {wf} absent: generated shapes only", file=sys.stderr)
    print(f"Platform `{a.platform}`; each cell: predicted makespan (s) / cost ($), contention-aware; "
          "wukong and heft with every pass (objective makespan, cost at most 5% above the "
          "planner's); pareto's default pick (the fastest at no more than heft with passes "
          "costs).\n")
    print("| workflow | wukong + passes | heft + passes | pareto | pareto better than both |")
    print("|---|---:|---:|---:|---|")
    wins = 0
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
        cell = lambda x: f"{x['makespan_s']:.3f} / {x['cost_usd']:.6f}"
        print(f"| {name} | {cell(w)} | {cell(h)} | {cell(p)} | {'yes' if better else 'no'} |")
    print(f"\npareto strictly faster than both anchors at no higher cost on {wins} of "
          f"{len(workflows)} workflows.")


if __name__ == "__main__":
    main()
