#!/usr/bin/env python3
"""The report page driven in headless Chromium from outside (Selenium and Debian's
chromium-driver): what a person sees is checked against the traces' times.

Usage: report_browser_test.py CASE DAGPLAN SOURCE_DIR
  gantt: bars per row, the position and width of bars (predicted and simulated), zoom, a click
         on a task and its details, a screenshot (report-gantt.png in the working directory);
  cli:   dagplan report's errors, no partial output, and the Chrome trace-event export.
The page is only read (its DOM, its canvas pixels, its tick labels) and clicked: it has no hook
for tests. Exit 77 (skipped) with a message where Chromium, its driver or Selenium is absent.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

CASE, DAGPLAN, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.join(SRC, "scripts"))
from headless_chromium import chromium  # noqa: E402

DAGSIM = os.path.join(os.path.dirname(DAGPLAN), "dagsim")
LANE_H = 14  # the page's lane height (CSS pixels), the only layout constant the test assumes


def fail(msg):
    print(f"FAIL [{CASE}]: {msg}", file=sys.stderr)
    sys.exit(1)


def run(*args, ok=True):
    r = subprocess.run(args, capture_output=True, text=True)
    if ok and r.returncode != 0:
        fail(f"{' '.join(args)} exited {r.returncode}: {r.stderr}")
    return r


def browser():
    """A headless Chromium, or exit 77 saying what is missing."""
    return chromium(1400, 1200, exit_code=77)


def lanes_of(trace):
    """Per instance, the attempts in each lane: the page's rule (greedy by start, ties by task)."""
    per = {}
    for k, t in enumerate(trace["tasks"]):
        for n, a in enumerate(t["attempts"]):
            per.setdefault(a["instance"], []).append(
                (a["start_us"], k, a["finish_us"], t["id"], n, a)
            )
    out = {}
    for inst, items in per.items():
        items.sort(key=lambda x: (x[0], x[1]))
        ends, lanes = [], {}
        for start, k, fin, tid, n, a in items:
            lane = next((i for i, e in enumerate(ends) if e <= start), len(ends))
            if lane == len(ends):
                ends.append(0)
            ends[lane] = fin
            lanes.setdefault(lane, []).append((tid, a))
        out[inst] = lanes
    return out


def parse_seconds(text):
    m = re.match(r"([-0-9.]+) (s|ms|µs)", text.strip())
    if not m:
        fail(f"not a duration: {text!r}")
    return float(m.group(1)) * {"s": 1, "ms": 1e-3, "µs": 1e-6}[m.group(2)]


def gantt():
    tmp = tempfile.mkdtemp()
    wf, plan, trace, html = (
        os.path.join(tmp, n) for n in ("wf.json", "plan.json", "trace.json", "r.html")
    )
    run(
        DAGPLAN,
        "generate",
        "fanout-fanin",
        "--tasks",
        "10",
        "--mean-work",
        "1",
        "--mean-output-bytes",
        "2000000",
        "--seed",
        "5",
        "-o",
        wf,
    )
    run(DAGPLAN, "plan", wf, "--planner", "uniform", "-o", plan)
    # Noise, and task failures: retried attempts are bars of their own, the failed ones red.
    run(
        DAGSIM,
        "simulate",
        plan,
        "--noise",
        "--seed",
        "7",
        "--task-failure",
        "0.2",
        "--trace",
        trace,
        "-q",
    )
    run(DAGPLAN, "report", plan, "--trace", trace, "-o", html, "-q")
    run(DAGPLAN, "report", plan, "--format", "json", "-o", os.path.join(tmp, "pred.json"), "-q")
    predicted = json.load(open(os.path.join(tmp, "pred.json")))["timelines"][0]
    actual = json.load(open(trace))
    d = browser()
    try:
        d.get("file://" + html)
        # The chart at the top of the viewport, as a person scrolls to it; every position below is
        # in viewport pixels (getBoundingClientRect), as the pointer's.
        d.execute_script("document.getElementById('timeline-section').scrollIntoView();")
        # Timelines as the page labels them: header rows, then one row per instance.
        labels = d.execute_script(
            "return [...document.querySelectorAll('#labels .row-label')].map(e => "
            "{const r = e.getBoundingClientRect(); return [e.className, e.textContent, r.top, r.height];})"
        )
        rows, tl = [], -1
        for cls, text, top, h in labels:
            if "header" in cls:
                tl += 1
                continue
            m = re.match(r"#(\d+) ", text)
            rows.append((tl, int(m.group(1)), top, h, text))
        if tl != 1:
            fail(f"expected 2 timelines (predicted, simulated), got headers {tl + 1}: {labels}")
        # The time axis from its tick labels: x = x0 + (t - t0) * scale.
        ticks = d.execute_script(
            "return [...document.querySelectorAll('#axis .tick')].map(e => "
            "[e.getBoundingClientRect().left, e.textContent]);"
        )
        if len(ticks) < 3:
            fail(f"too few ticks: {ticks}")
        (xa, ta), (xb, tb) = ticks[0], ticks[-1]
        ta, tb = parse_seconds(ta), parse_seconds(tb)
        px_per_us = (xb - xa) / ((tb - ta) * 1e6)
        x_of = lambda us: xa + (us - ta * 1e6) * px_per_us
        colors = d.execute_script(
            "const o = {}; document.querySelectorAll('#legend .legend-item[data-phase]').forEach(e => "
            "o[e.dataset.phase] = getComputedStyle(e.querySelector('.swatch')).backgroundColor); return o;"
        )
        rgb = {k: tuple(int(c) for c in re.findall(r"\d+", v)[:3]) for k, v in colors.items()}
        task_colors = {rgb[k] for k in ("download", "exec", "upload", "notify", "failed")}
        canvas = d.execute_script(
            "const r = document.getElementById('timeline').getBoundingClientRect(); return [r.left, r.top, r.width];"
        )

        def pixel_line(y):
            """The canvas's pixels on the line at page y, as (r, g, b) from page x = canvas left."""
            data = d.execute_script(
                "const c = document.getElementById('timeline'), g = c.getContext('2d');"
                "return Array.from(g.getImageData(0, arguments[0], c.width, 1).data);",
                int(y - canvas[1]),
            )
            return [tuple(data[i : i + 3]) for i in range(0, len(data), 4)]

        def runs(line, colorset):
            """[(left, right)] of the runs of pixels whose colour is in colorset (page x)."""
            out, start = [], None
            for x, c in enumerate(line + [(-1, -1, -1)]):
                if c in colorset and start is None:
                    start = x
                elif c not in colorset and start is not None:
                    out.append((canvas[0] + start, canvas[0] + x))
                    start = None
            return out

        checked_bars = checked_rows = 0
        for which, tr_tasks, tr_inst in (
            (0, None, None),
            (1, actual["tasks"], actual["instances"]),
        ):
            if which == 0:
                # The predicted timeline as the report's own data gives it: the same event run.
                tasks = [
                    {"id": predicted_id, "attempts": []}
                    for predicted_id in json.load(open(os.path.join(tmp, "pred.json")))["ids"]
                ]
                att = predicted["att"]
                for o in range(0, len(att), 14):
                    tasks[att[o]]["attempts"].append(
                        dict(
                            zip(
                                (
                                    "instance",
                                    "lane",
                                    "ready_us",
                                    "start_us",
                                    "exec_start_us",
                                    "exec_end_us",
                                    "upload_start_us",
                                    "upload_end_us",
                                    "finish_us",
                                ),
                                att[o + 1 : o + 10],
                            )
                        )
                    )
                tr = {"tasks": tasks}
            else:
                tr = actual
            lanes = lanes_of(tr)
            for tl_i, inst, top, h, text in rows:
                if tl_i != which:
                    continue
                for lane, bars in lanes.get(inst, {}).items():
                    y = top + lane * LANE_H + LANE_H // 2
                    line = pixel_line(y)
                    got = runs(line, task_colors)
                    if len(got) != len(bars):
                        fail(
                            f"timeline {which} row {text!r} lane {lane}: {len(got)} bars drawn, "
                            f"{len(bars)} attempts in the trace ({got})"
                        )
                    checked_rows += 1
                    # Every bar's start, end and execution against the trace's times.
                    exec_runs = runs(line, {rgb["exec"]}) + runs(line, {rgb["failed"]})
                    for (tid, a), (left, right) in zip(
                        sorted(bars, key=lambda b: b[1]["start_us"]), got
                    ):
                        if (
                            abs(left - x_of(a["start_us"])) > 2
                            or abs(right - x_of(a["finish_us"])) > 2.5
                        ):
                            fail(
                                f"{tid}: bar at [{left}, {right}] px, expected [{x_of(a['start_us']):.1f}, "
                                f"{x_of(a['finish_us']):.1f}] from the trace"
                            )
                        ex = [r for r in exec_runs if left <= r[0] < right]
                        if len(ex) != 1:
                            fail(f"{tid}: {len(ex)} execution runs inside its bar")
                        el, er = ex[0]
                        want_l, want_w = (
                            x_of(a["exec_start_us"]),
                            (a["exec_end_us"] - a["exec_start_us"]) * px_per_us,
                        )
                        if abs(el - want_l) > 2 or abs((er - el) - want_w) > 2.5:
                            fail(
                                f"{tid}: execution drawn at {el} px, {er - el} px wide; the trace says "
                                f"{want_l:.1f} px, {want_w:.1f} px wide"
                            )
                        checked_bars += 1
        if checked_bars < 20:
            fail(f"only {checked_bars} bars checked")
        failed = sum(1 for t in actual["tasks"] for x in t["attempts"] if not x["ok"])
        if failed == 0:
            fail("the simulated run has no failed attempt to show (seed 7, --task-failure 0.2)")
        print(
            f"bars: {checked_bars} bars ({failed} failed attempts) in {checked_rows} lanes at their trace's times (±2 px, "
            f"{px_per_us * 1e6:.1f} px/s)"
        )

        # Click the simulated run's bar of the task with the longest execution; read its details.
        best = max(
            actual["tasks"],
            key=lambda t: t["attempts"][-1]["exec_end_us"] - t["attempts"][-1]["exec_start_us"],
        )
        a = best["attempts"][-1]
        row = next(r for r in rows if r[0] == 1 and r[1] == a["instance"])
        lane = next(
            l
            for l, bars in lanes_of(actual)[a["instance"]].items()
            if any(b[0] == best["id"] for b in bars)
        )
        from selenium.webdriver.common.action_chains import ActionChains

        x = x_of((a["exec_start_us"] + a["exec_end_us"]) / 2)
        y = row[2] + lane * LANE_H + LANE_H // 2
        chain = ActionChains(d)
        chain.w3c_actions.pointer_action.move_to_location(int(x), int(y))
        chain.w3c_actions.pointer_action.click()
        chain.perform()
        text = d.find_element("id", "details").text
        if best["id"] not in text:
            fail(f"the details do not name task {best['id']}: {text!r}")
        wf_json = json.load(open(wf))
        fn = next(t.get("function", "") for t in wf_json["tasks"] if t["id"] == best["id"])
        if fn and fn not in text:
            fail(f"the details do not give the function {fn}: {text!r}")
        cells = d.execute_script(
            "return [...document.querySelectorAll('#details table.phases tr')].slice(1).map(r => "
            "[...r.children].map(c => c.textContent));"
        )
        by_label = {c[0]: c for c in cells if len(c) > 6}
        sim_row = next(c for l, c in by_label.items() if "dagsim" in l)
        pred_row = next(c for l, c in by_label.items() if l.startswith("predicted"))
        k = next(i for i, t in enumerate(actual["tasks"]) if t["id"] == best["id"])
        po = next(o for o in range(0, len(predicted["att"]), 14) if predicted["att"][o] == k)
        pred_exec = (predicted["att"][po + 6] - predicted["att"][po + 5]) / 1e6
        for label, cell, want in (
            ("simulated", sim_row[6], (a["exec_end_us"] - a["exec_start_us"]) / 1e6),
            ("predicted", pred_row[6], pred_exec),
        ):
            if abs(parse_seconds(cell) - want) > max(1e-3, want * 1e-3):
                fail(
                    f"{label} execution of {best['id']} shown as {cell}, the trace says {want:.6f} s"
                )
        print(
            f"click: {best['id']} ({fn}) shows predicted execution {pred_row[6]} and simulated {sim_row[6]}"
        )

        # The pointer rests on the bar: the tooltip names the task and the phase under it.
        tip = d.find_element("id", "tooltip")
        if not tip.is_displayed() or best["id"] not in tip.text or "execution" not in tip.text:
            fail(f"hovering {best['id']}'s execution: tooltip {tip.is_displayed()} {tip.text!r}")
        # A click where no bar is clears the selection (and its outline, drawn over neighbours).
        chain = ActionChains(d)
        chain.w3c_actions.pointer_action.move_to_location(int(canvas[0] + 5), int(canvas[1] + 5))
        chain.w3c_actions.pointer_action.click()
        chain.perform()
        if best["id"] in d.find_element("id", "details").text:
            fail("a click on no bar kept the details")
        # Zoom in with the toolbar: the ticks get closer in time, the bars stay at their times.
        before = tb - ta
        d.find_element("id", "zoom-in").click()
        d.execute_script(
            "return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));"
        )
        ticks2 = d.execute_script(
            "return [...document.querySelectorAll('#axis .tick')].map(e => "
            "[e.getBoundingClientRect().left, e.textContent]);"
        )
        (xa2, ta2), (xb2, tb2) = ticks2[0], ticks2[-1]
        scale2 = (xb2 - xa2) / ((parse_seconds(tb2) - parse_seconds(ta2)) * 1e6)
        if not scale2 > px_per_us * 1.3:
            fail(f"zoom in: {scale2 * 1e6:.1f} px/s, was {px_per_us * 1e6:.1f}")
        xz = lambda us: xa2 + (us - parse_seconds(ta2) * 1e6) * scale2
        zoomed = 0
        for tl_i, inst, top, h, text in rows:
            for lane, bars in lanes_of(actual).get(inst, {}).items() if tl_i == 1 else []:
                line = None
                for tid, b in bars:
                    l, r = xz(b["exec_start_us"]), xz(b["exec_end_us"])
                    if not (canvas[0] + 3 < l and r < canvas[0] + canvas[2] - 3):
                        continue
                    line = line or runs(
                        pixel_line(top + lane * LANE_H + LANE_H // 2), {rgb["exec"], rgb["failed"]}
                    )
                    if not any(
                        abs(e[0] - l) <= 2 and abs((e[1] - e[0]) - (r - l)) <= 2.5 for e in line
                    ):
                        fail(
                            f"after zooming, {tid}'s execution is not at {l:.1f}-{r:.1f} px: {line}"
                        )
                    zoomed += 1
        if zoomed == 0:
            fail("after zooming, no execution bar in view to check")
        print(
            f"zoom: {px_per_us * 1e6:.1f} -> {scale2 * 1e6:.1f} px/s (ticks spanned {before:.3f} s); "
            f"{zoomed} bars in view at their times"
        )

        # Drag the chart 150 px to the right: the axis and the bars follow the pointer.
        def first_tick():
            return d.execute_script(
                "const e = document.querySelector('#axis .tick');"
                "return [e.getBoundingClientRect().left, e.textContent];"
            )

        scale_now = scale2
        canvas = d.execute_script(  # where it is now (the toolbar's button may have scrolled)
            "const r = document.getElementById('timeline').getBoundingClientRect();"
            "return [r.left, r.top, r.width];"
        )
        xt, tt = first_tick()
        t_at = lambda x: parse_seconds(tt) * 1e6 + (x - xt) / scale_now  # time under page x
        grab = canvas[0] + canvas[2] / 2
        t_grab = t_at(grab)
        chain = ActionChains(d)
        pa = chain.w3c_actions.pointer_action
        pa.move_to_location(int(grab), int(canvas[1] + 5))
        pa.pointer_down()
        for step in range(1, 4):
            pa.move_to_location(int(grab) + 50 * step, int(canvas[1] + 5))
        pa.pointer_up()
        chain.perform()
        d.execute_script(
            "return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));"
        )
        xt2, tt2 = first_tick()
        x_grab_after = xt2 + (t_grab - parse_seconds(tt2) * 1e6) * scale_now
        if abs(x_grab_after - (int(grab) + 150)) > 1.5:
            fail(
                f"drag: the time under the pointer moved to {x_grab_after:.1f} px, not {grab + 150:.1f}"
            )
        print(f"pan: a 150 px drag moved the time axis by {x_grab_after - int(grab):.1f} px")
        shot = os.path.abspath("report-gantt.png")
        d.save_screenshot(shot)
        print(f"screenshot: {shot}")
    finally:
        d.quit()
        shutil.rmtree(tmp, ignore_errors=True)


def cli():
    tmp = tempfile.mkdtemp()
    try:
        wf, plan, trace, other = (
            os.path.join(tmp, n) for n in ("wf.json", "plan.json", "trace.json", "other.json")
        )
        run(DAGPLAN, "generate", "tree-reduction", "--tasks", "7", "-o", wf)
        run(DAGPLAN, "plan", wf, "--planner", "heft", "-o", plan)
        run(DAGSIM, "simulate", plan, "--trace", trace, "-q")
        r = run(DAGPLAN, "report", ok=False)
        if r.returncode != 2 or "give a plan" not in r.stderr:
            fail(f"no input: exit {r.returncode}, {r.stderr!r}")
        # A trace of another workflow: one error naming it, nothing written.
        run(DAGPLAN, "generate", "chain", "--tasks", "3", "-o", os.path.join(tmp, "c.json"))
        run(DAGPLAN, "plan", os.path.join(tmp, "c.json"), "-o", os.path.join(tmp, "cp.json"))
        run(DAGSIM, "simulate", os.path.join(tmp, "cp.json"), "--trace", other, "-q")
        out = os.path.join(tmp, "r.html")
        r = run(DAGPLAN, "report", plan, "--trace", other, "-o", out, "-q", ok=False)
        if (
            r.returncode != 1
            or other not in r.stderr
            or "$.tasks" not in r.stderr
            or os.path.exists(out)
        ):
            fail(
                f"another workflow's trace: exit {r.returncode}, {r.stderr!r}, output {os.path.exists(out)}"
            )
        # A bad compare file: the path inside it.
        bad = os.path.join(tmp, "bad.json")
        open(bad, "w").write(
            '{"workflow": "t", "tasks": 1, "platform": "p", "lower_bound_makespan_s": 1, "cost_floor_usd": 0, "planners": [{"planner": 3}]}'
        )
        r = run(DAGPLAN, "report", plan, "--compare", bad, "-o", out, "-q", ok=False)
        if r.returncode != 1 or "$.planners[0].planner" not in r.stderr or os.path.exists(out):
            fail(f"bad compare file: exit {r.returncode}, {r.stderr!r}")
        # The trace alone (its embedded plan), with a comparison; and the Chrome export.
        cmp_ = os.path.join(tmp, "cmp.json")
        with open(cmp_, "w") as f:
            f.write(run(DAGPLAN, "compare", wf, "--format", "json", "-q").stdout)
        run(DAGPLAN, "report", "--trace", trace, "--compare", cmp_, "-o", out, "-q")
        page = open(out).read()
        if "<script src" in page or "http" in page.split('id="report-data"')[0]:
            fail("the page refers to something outside itself")
        chrome = os.path.join(tmp, "chrome.json")
        run(DAGPLAN, "report", plan, "--trace", trace, "--format", "chrome", "-o", chrome, "-q")
        ev = json.load(open(chrome))["traceEvents"]
        t = json.load(open(trace))
        slices = [e for e in ev if e["ph"] == "X" and e["cat"] == "task" and e["pid"] == 2]
        attempts = sum(len(x["attempts"]) for x in t["tasks"])
        if len(slices) != attempts:
            fail(f"chrome export: {len(slices)} task slices for the trace, {attempts} attempts")
        for s in slices:
            a = next(x for x in t["tasks"] if x["id"] == s["name"])["attempts"][-1]
            if s["ts"] != a["start_us"] or s["dur"] != a["finish_us"] - a["start_us"]:
                fail(f"chrome export: {s} against {a}")
        names = {e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
        if not any(n.startswith("predicted") for n in names):
            fail(f"chrome export: no predicted process in {names}")
        print(f"cli: errors as expected; chrome export {len(ev)} events, processes {sorted(names)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


{"gantt": gantt, "cli": cli}[CASE]()
