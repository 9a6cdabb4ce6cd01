#!/usr/bin/env python3
"""Makes docs/report-dagrun.png: a real dagrun run of a small fan-out/fan-in beside its plan, as
`dagplan report` shows it, with one task clicked. Needs redis-server, chromium, chromium-driver
and python3-selenium (scripts/install-deps.sh).

Usage: scripts/report-screenshot.py [BUILD_DIR] [--out docs/report-dagrun.png] [--keep DIR]
"""

import argparse
import json
import os
import shutil
import subprocess
import tempfile

from headless_chromium import chromium, require_selenium

require_selenium()

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("build", nargs="?", default=os.path.join(root, "build"))
ap.add_argument("--out", default=os.path.join(root, "docs", "report-dagrun.png"))
ap.add_argument("--keep", help="keep the workflow, plan, trace and report in this folder")
ap.add_argument("--planner", default="uniform")
ap.add_argument("--task", default="merge", help="the task to click")
a = ap.parse_args()
cli = os.path.abspath(os.path.join(a.build, "cli"))
work = os.path.abspath(a.keep) if a.keep else tempfile.mkdtemp()
os.makedirs(work, exist_ok=True)
f = lambda n: os.path.join(work, n)


def run(*args, out=None):
    # In the run's folder, with bare file names: the report labels a trace by its name as given.
    r = subprocess.run(
        [os.path.join(cli, args[0])] + list(args[1:]),
        check=True,
        capture_output=True,
        text=True,
        cwd=work,
    )
    if out:
        open(os.path.join(work, out), "w").write(r.stdout)
    return r.stdout


run(
    "dagplan",
    "generate",
    "fanout-fanin",
    "--tasks",
    "12",
    "--mean-work",
    "0.4",
    "--mean-output-bytes",
    "3000000",
    "--seed",
    "3",
    "-o",
    "wf.json",
)
run("dagplan", "plan", "wf.json", "--platform", "local", "--planner", a.planner, "-o", "plan.json")
print(run("dagrun", "plan.json", "--trace", "trace.json", "--timeout", "120"))
run(
    "dagplan",
    "compare",
    "wf.json",
    "--platform",
    "local",
    "--format",
    "json",
    "-q",
    out="compare.json",
)
run(
    "dagplan",
    "report",
    "plan.json",
    "--trace",
    "trace.json",
    "--compare",
    "compare.json",
    "-o",
    "report.html",
    "-q",
)

from selenium.webdriver.common.action_chains import ActionChains

d = chromium(1300, 1500)
try:
    d.get("file://" + f("report.html"))
    t = json.load(open(f("trace.json")))
    att = next(x for x in t["tasks"] if x["id"] == a.task)["attempts"][-1]
    labels = d.execute_script(
        "return [...document.querySelectorAll('#labels .row-label')].map(e => "
        "[e.className, e.textContent, e.getBoundingClientRect().top]);"
    )
    ticks = d.execute_script(
        "return [...document.querySelectorAll('#axis .tick')].map(e => "
        "[e.getBoundingClientRect().left, parseFloat(e.textContent)]);"
    )
    (xa, ta), (xb, tb) = ticks[0], ticks[-1]
    x = xa + ((att["exec_start_us"] + att["exec_end_us"]) / 2e6 - ta) * (xb - xa) / (tb - ta)
    second = [i for i, l in enumerate(labels) if "header" in l[0]][1]
    row = next(l for l in labels[second:] if l[1].startswith("#%d " % att["instance"]))
    chain = ActionChains(d)
    chain.w3c_actions.pointer_action.move_to_location(int(x), int(row[2] + 7))
    chain.w3c_actions.pointer_action.click()
    chain.perform()
    d.set_window_size(
        1300, int(d.execute_script("return document.documentElement.scrollHeight")) + 160
    )
    d.save_screenshot(a.out)
    print(f"wrote {a.out}; the run's files in {work}")
finally:
    d.quit()
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
