#!/usr/bin/env python3
"""The report at scale (issue 15): makes a report of a TASKS-task workflow (plan, simulated run
with noise), opens it in headless Chromium and prints the time from navigation start to the end
of the first full draw, as the page measures it (its performance mark 'dagplan-first-draw'), and
the file's size. Targets at 10,000 tasks: under 3 s and under 10 MB (--check exits 1 above them).

Usage: bench_report.py [--tasks N] [--shape S] [--planner P] [--runs R] [--check] [--keep FILE]
                       [--bin BUILD/cli]
Needs chromium, chromium-driver and python3-selenium (scripts/install-deps.sh).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from headless_chromium import chromium, require_selenium  # noqa: E402

require_selenium()

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("--tasks", type=int, default=10000)
ap.add_argument("--shape", default="random-layered")
ap.add_argument("--planner", default="heft")
ap.add_argument("--platform", default="aws-lambda")
ap.add_argument("--runs", type=int, default=3, help="page loads; the median is reported")
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--check", action="store_true", help="exit 1 above 3 s or 10 MB")
ap.add_argument("--keep", help="keep the report here")
ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build", "cli"))
a = ap.parse_args()

dagplan, dagsim = os.path.join(a.bin, "dagplan"), os.path.join(a.bin, "dagsim")
tmp = tempfile.mkdtemp()


def run(*args):
    t = time.monotonic()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t


try:
    wf, plan, trace = (os.path.join(tmp, n) for n in ("wf.json", "plan.json", "trace.json"))
    html = a.keep or os.path.join(tmp, "report.html")
    print(f"seed {a.seed}: {a.shape}, {a.tasks} tasks, planner {a.planner}", file=sys.stderr)
    run(dagplan, "generate", a.shape, "--tasks", str(a.tasks), "--seed", str(a.seed), "-o", wf)
    run(dagplan, "plan", wf, "--planner", a.planner, "--platform", a.platform, "-o", plan, "-q")
    run(dagsim, "simulate", plan, "--noise", "--seed", str(a.seed), "--trace", trace, "-q")
    t_report = run(dagplan, "report", plan, "--trace", trace, "-o", html, "-q")
    size = os.path.getsize(html)
    draws = []
    d = chromium(1400, 1000)
    try:
        for _ in range(a.runs):
            d.get("about:blank")
            d.get("file://" + os.path.abspath(html))
            ms = d.execute_script(
                "const m = performance.getEntriesByName('dagplan-first-draw'); "
                "return m.length ? m[0].startTime : null;"
            )
            if ms is None:
                sys.exit("the page has not drawn (no 'dagplan-first-draw' mark)")
            draws.append(ms / 1000)
        rows = d.execute_script("return document.querySelectorAll('#labels .row-label').length;")
        # A redraw after each of 5 zooms out from the toolbar (the page's 'dagplan-draw' measure).
        redraws = []
        for _ in range(5):
            d.find_element("id", "zoom-out").click()
            redraws.append(
                d.execute_script(
                    "return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => "
                    "r(performance.getEntriesByName('dagplan-draw')[0].duration))));"
                )
                / 1000
            )
    finally:
        d.quit()
    draws.sort()
    draw = draws[len(draws) // 2]
    ok = draw < 3 and size < 10e6
    print(
        f"tasks {a.tasks}: report written in {t_report:.2f} s, file {size / 1e6:.2f} MB, "
        f"first full draw {draw:.3f} s after navigation start (median of {a.runs}: "
        f"{', '.join(f'{x:.3f}' for x in draws)}); {rows} rows in view; a redraw {max(redraws) * 1e3:.0f} ms "
        f"at most; targets 3 s, 10 MB: "
        f"{'met' if ok else 'NOT met'}"
    )
    print(
        json.dumps(
            {
                "bench": "report",
                "tasks": a.tasks,
                "shape": a.shape,
                "planner": a.planner,
                "file_bytes": size,
                "first_draw_s": draw,
                "draws_s": draws,
                "redraw_max_s": max(redraws),
                "report_s": t_report,
                "seed": a.seed,
                "platform": a.platform,
            }
        )
    )
    sys.exit(0 if ok or not a.check else 1)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
