#!/usr/bin/env python3
"""The closed loop (issue 12): how well the model predicts real runs of this machine.

For each example workflow and each planner, on the `local` platform (this machine):
  1. plan, run it twice for real with dagrun (traces);
  2. dagsim calibrate those two traces into a profile;
  3. plan again with the profile, run that plan N more times (default 5);
  4. print the predicted makespan beside the median and spread of the measured ones, the
     relative error, and per phase (start-up, download, execution, upload) the median relative
     error of the predicted phase totals against the measured ones (dagsim replay).
Usage: scripts/closed-loop.py [--build build] [--runs 5] [--workflows a.json,b.json]
       [--planners wukong,heft] [--markdown]
With --passes (issue 13), per optimisation pass instead: predicted against measured makespan
without and with the pass, on small workflows where the pass is kept, on a platform with long
cold starts (scripts/closed_loop_passes.py says how and why): scripts/closed-loop.py --passes
[--runs 5] [--cold-delay 0.4] [--concurrency 2] [--cases prewarm-fork,...] [--config 512MB]
[--force] [--markdown]
Takes minutes: every run is real. Needs redis-server.
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile


def run(cmd, capture=True):
    p = subprocess.run(cmd, capture_output=capture, text=True)
    if p.returncode != 0:
        sys.exit(f"closed-loop: {' '.join(cmd)} failed:\n{p.stderr.strip()}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workflows", default="")
    ap.add_argument("--planners", default="wukong,uniform,non-uniform,heft,dask")
    ap.add_argument("--platform", default="local")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--passes", action="store_true",
                    help="per pass: predicted vs measured gain (scripts/closed_loop_passes.py)")
    ap.add_argument("--cold-delay", type=float, default=0.4,
                    help="--passes: seconds added to every cold start (dagrun --launch)")
    ap.add_argument("--concurrency", type=int, default=2,
                    help="--passes: the platform's max_concurrency")
    ap.add_argument("--cases", default="", help="--passes: these cases only (comma-separated)")
    ap.add_argument("--config", default="",
                    help="--passes: plan every case on this configuration (dagplan plan "
                         "--config), e.g. 512MB (1 vCPU) or 2048MB (2 vCPUs, 2 slots)")
    ap.add_argument("--force", action="store_true",
                    help="--passes: where the pass keeps nothing, run the case anyway with the "
                         "annotation set by hand (preload only: every task of a worker that reads "
                         "an output of another worker), to compare the predicted loss with the "
                         "measured one")
    ap.add_argument("--check", action="store_true",
                    help="--passes: exit 1 unless every pass was kept and every run's trace "
                         "shows its effect (the ctest smoke test)")
    a = ap.parse_args()
    if a.runs < 1 or a.cold_delay < 0 or a.concurrency < 1:
        sys.exit("closed-loop: --runs and --concurrency must be at least 1, --cold-delay >= 0")
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    b = os.path.join(root, a.build, "cli")
    dagplan, dagsim, dagrun = (os.path.join(b, x) for x in ("dagplan", "dagsim", "dagrun"))
    if a.passes and a.check and not shutil.which("redis-server"):
        print("closed-loop: redis-server not found: skipped", file=sys.stderr)
        sys.exit(77)
    if a.passes:
        sys.path.insert(0, here)
        import closed_loop_passes as clp
        tools = (dagplan, dagsim, dagrun, os.path.join(b, "dagworker"))
        rows, cold, warm = clp.run_passes(a, tools, run, tempfile.mkdtemp(prefix="closed-loop-"),
                                          root)
        clp.report(a, rows, cold, warm)
        if a.check:
            bad = [r["case"] for r in rows if r["changes"] == 0 or r["shown"] < a.runs]
            if bad:
                sys.exit(f"closed-loop: --check: pass not kept or its effect not in every trace: "
                         f"{', '.join(bad)}")
        return
    workflows = a.workflows.split(",") if a.workflows else sorted(
        glob.glob(os.path.join(root, "examples", "workflows", "*.json")))
    planners = a.planners.split(",")
    phases = ["startup", "download", "execution", "upload"]
    rows = []
    tmp = tempfile.mkdtemp(prefix="closed-loop-")
    total = len(workflows) * len(planners)
    for wf in workflows:
        name = os.path.splitext(os.path.basename(wf))[0]
        for planner in planners:
            tag = f"{name}-{planner}"
            print(f"closed-loop: {len(rows) + 1}/{total} {tag}", file=sys.stderr, flush=True)
            p0 = os.path.join(tmp, f"{tag}-plan0.json")
            run([dagplan, "plan", wf, "--platform", a.platform, "--planner", planner, "-q", "-o", p0])
            traces = []
            for i in range(2):
                t = os.path.join(tmp, f"{tag}-cal{i}.json")
                run([dagrun, p0, "-q", "--trace", t])
                traces.append(t)
            profile = os.path.join(tmp, f"{tag}-profile.json")
            run([dagsim, "calibrate", *traces, "-o", profile])
            p1 = os.path.join(tmp, f"{tag}-plan1.json")
            run([dagplan, "plan", wf, "--platform", a.platform, "--profile", profile,
                 "--planner", planner, "-q", "-o", p1])
            predicted = json.loads(run([dagplan, "predict", p1, "--profile", profile, "--format",
                                        "json"]))["makespan_s"]
            measured, phase_err = [], {ph: [] for ph in phases}
            for i in range(a.runs):
                t = os.path.join(tmp, f"{tag}-run{i}.json")
                out = json.loads(run([dagrun, p1, "-q", "--trace", t, "--format", "json"]))
                measured.append(out["makespan_s"]["measured"])
                rep = json.loads(run([dagsim, "replay", t, "--profile", profile, "--format",
                                      "json"]))
                for ph in rep["phases"]:
                    if ph["phase"] in phase_err and ph["actual_total_s"] > 0:
                        phase_err[ph["phase"]].append(
                            (ph["predicted_total_s"] - ph["actual_total_s"]) / ph["actual_total_s"])
            med = statistics.median(measured)
            rows.append({
                "workflow": name, "planner": planner, "predicted_s": predicted,
                "median_s": med, "min_s": min(measured), "max_s": max(measured),
                "error": (predicted - med) / med,
                "phases": {ph: (statistics.median(v) if v else None) for ph, v in phase_err.items()},
            })
    fmt_err = lambda x: "-" if x is None else f"{100 * x:+.1f}%"
    if a.markdown:
        print("| workflow | planner | predicted (s) | measured median (s) | min - max (s) | error | "
              + " | ".join(f"{ph} error" for ph in phases) + " |")
        print("|---|---|---:|---:|---:|---:|" + "---:|" * len(phases))
    else:
        print(f"{'workflow':<16} {'planner':<12} {'predicted':>10} {'median':>9} {'min-max (s)':>16}"
              f" {'error':>8}  " + "  ".join(f"{ph:>9}" for ph in phases))
    for r in rows:
        spread = f"{r['min_s']:.3f}-{r['max_s']:.3f}"
        if a.markdown:
            print(f"| {r['workflow']} | {r['planner']} | {r['predicted_s']:.3f} | {r['median_s']:.3f}"
                  f" | {spread} | {fmt_err(r['error'])} | "
                  + " | ".join(fmt_err(r['phases'][ph]) for ph in phases) + " |")
        else:
            print(f"{r['workflow']:<16} {r['planner']:<12} {r['predicted_s']:>9.3f}s"
                  f" {r['median_s']:>8.3f}s {spread:>16} {fmt_err(r['error']):>8}  "
                  + "  ".join(f"{fmt_err(r['phases'][ph]):>9}" for ph in phases))
    errs = [abs(r["error"]) for r in rows]
    print(f"\n{len(rows)} workflow x planner pairs: median |error| {100 * statistics.median(errs):.1f}%,"
          f" largest {100 * max(errs):.1f}% (targets 5% and 10%); {a.runs} runs each after a "
          f"calibration on 2; platform {a.platform}")


if __name__ == "__main__":
    main()
