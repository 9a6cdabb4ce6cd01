#!/usr/bin/env python3
"""The ablation table of docs/optimisations.md: predicted makespan and cost per planner with no
pass, each pass alone, and all passes, on the generated shapes (1000 tasks, seed 1) and the shared
WfCommons instances, on a serverless platform.

Usage: scripts/passes-table.py [--build build] [--shared ../shared/data] [--platform aws-lambda]
       [--tasks 1000] > table.md
Runs `dagplan compare WORKFLOW --optimize VARIANT --format json` for every workflow and variant;
progress on stderr."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import suite_workflows  # noqa: E402


def run(cmd):
    return suite_workflows.run(cmd, "passes-table")


def main():
    a = suite_workflows.arguments(__doc__.splitlines()[0])
    dagplan = a.dagplan
    passes = [line.split()[0] for line in run([dagplan, "plan", "--list-passes"]).splitlines()
              if line.strip()]
    variants = ["none"] + passes + ["all"]
    workflows = suite_workflows.workflows(a, "passes-table")
    print(f"Platform `{a.platform}`; variants: {', '.join(variants)}. Each cell: predicted "
          "makespan (s) / cost ($), contention-aware; objective makespan, cost at most 5% above "
          "the planner's.\n")
    print("| workflow | planner | " + " | ".join(variants) + " |")
    print("|---|---|" + "---:|" * len(variants))
    better = {v: 0 for v in variants}
    rows = 0
    for i, (name, path) in enumerate(workflows):
        print(f"passes-table: {i + 1}/{len(workflows)} {name}", file=sys.stderr, flush=True)
        results = {}
        for v in variants:
            doc = json.loads(run([dagplan, "compare", path, "--platform", a.platform, "--optimize",
                                  v, "--format", "json", "-q"]))
            results[v] = {r["planner"]: (r["makespan_s"], r["cost_usd"]) for r in doc["planners"]}
        for planner in results["none"]:
            cells = [f"{results[v][planner][0]:.3f} / {results[v][planner][1]:.6f}" for v in variants]
            print(f"| {name} | {planner} | " + " | ".join(cells) + " |")
            rows += 1
            for v in variants:
                if results[v][planner][0] < results["none"][planner][0]:
                    better[v] += 1
    print()
    print(f"{rows} workflow x planner rows; faster than without passes: " +
          ", ".join(f"{v} {better[v]}" for v in variants if v != "none") + ".")


if __name__ == "__main__":
    main()
