"""closed-loop.py --passes: per optimisation pass, predicted against measured gain (issue 13).

For each small workflow below, built so that one pass changes the plan, on a platform derived
from `local` whose cold start is long enough to measure: plan without the pass and with it
(`dagplan plan --optimize PASS`; the pass must be kept, or the case says so and is not run),
predict both, run both with dagrun alternately (same plans, same machine state), take the
median makespans, and check in each with-pass trace, with `dagsim replay --format json`, the
fact that shows the pass worked.

Cold starts: a dagworker process spawned, connected and reading the run's documents takes about
11 ms here (examples/platforms/local.json), no more than the run-to-run spread of a makespan of a
second, so a pre-warm or a saved cold start would be lost in noise. dagrun's --launch template
starts each worker process as `sleep D; exec dagworker ...` (D = --cold-delay, 0.4 s by default),
which is what a cold container is: the invocation's start-up is that long, a reused (warm)
process starts in ~0.1 ms. The platform's cold_start_s is D + the measured 11 ms, its
warm_start_s the measured 0.07 ms; the output prints the start-ups measured in the traces.
Nothing is random: the workflows are fixed, the planners and passes deterministic, dagrun's
synthetic kernels do their stated work (no seed is involved).
"""
import json
import os
import statistics
import subprocess
import sys

LOCAL_COLD_S = 0.011  # a dagworker process's own cold start here (examples/platforms/local.json)


def task(tid, work, out, deps=()):
    t = {"id": tid, "work_s": work, "output_bytes": out}
    if deps:
        t["deps"] = list(deps)
    return t


# (case name, pass, planner, tasks). Each is the smallest shape where the pass pays off on this
# platform: see the comments.
CASES = [
    # prewarm: x0 -> x1 -> {a, b}, a and b 1 s each. heft runs b on a second worker, whose first
    # start is cold (D) when x1 ends; a pre-warm sent when x0 ends has that start done by then.
    ("prewarm-fork", "prewarm", "heft",
     [task("x0", 0.6, 1000), task("x1", 0.6, 1000, ["x0"]),
      task("a", 1.0, 1000, ["x1"]), task("b", 1.0, 1000, ["x1"])]),
    # cluster: s makes 8 MB that four short flexible children read (WUKONG). Unclustered, each
    # child after the first is a new instance (cold) downloading the 8 MB; clustered, all run on
    # s's instance and read it locally.
    ("cluster-fanout", "cluster", "wukong",
     [task("s", 0.1, 8_000_000)]
     + [task(f"c{i}", 0.1, 1000, ["s"]) for i in range(4)]
     + [task("j", 0.05, 1000, [f"c{i}" for i in range(4)])]),
    # taskdup: r -> p (0.05 s, 100 MB) -> {c, d, e}, 0.5 s each. heft runs r, p, c, d on one
    # worker and e on a second, which would wait for p's 100 MB to be uploaded and downloaded;
    # duplicating p, it runs p itself (r's output is 1 kB) and reads the copy locally.
    ("taskdup-fanout", "taskdup", "heft",
     [task("r", 0.5, 1000), task("p", 0.05, 100_000_000, ["r"])]
     + [task(x, 0.5, 1000, ["p"]) for x in ("c", "d", "e")]),
    # stream: r -> p (0.05 s, 100 MB) -> {c, d}, x -> d, 1 s each. heft runs r, p, c on one
    # worker and x, d on a second, which is up (it ran x) and waits for p's 100 MB; streamed,
    # they reach it in one transfer instead of an upload and then a download.
    ("stream-pipe", "stream", "heft",
     [task("r", 0.5, 1000), task("x", 0.6, 1000), task("p", 0.05, 100_000_000, ["r"]),
      task("c", 1.0, 1000, ["p"]), task("d", 1.0, 1000, ["p", "x"])]),
    # inline-dag: s -> t (0.5 s each) beside a chain of 600 tasks without work, which makes
    # the DAG large: about 36 kB as the model counts it (the run's documents are some 100 kB of
    # JSON), above the 32 KiB this platform's invocations carry. heft runs the chain on one
    # worker and s, t on a second, whose cold start-up reads the whole DAG; with its part (167
    # bytes) in the invocation it reads nothing. The model charges the read as one storage
    # transfer (0.19 ms); a real worker also parses it. s -> t is the longer path (the chain
    # takes 1 ms or so per task), so its worker's start-up is on the critical path.
    ("inline-dag-chain", "inline-dag", "heft",
     [task(f"c{i}", 0.0, 8, [f"c{i - 1}"] if i else ()) for i in range(600)]
     + [task("s", 0.5, 1000), task("t", 0.5, 1000, ["s"])]),
    # preload: p -> q (1 s) on one worker, a1 (100 MB) on another; c reads p, q and a1 and runs
    # after q. Pre-loading downloads a1's 100 MB while q runs instead of after it.
    ("preload-overlap", "preload", "heft",
     [task("a1", 0.3, 100_000_000), task("p", 0.1, 60_000_000), task("q", 1.0, 1000, ["p"]),
      task("c", 0.1, 1000, ["a1", "p", "q"])]),
]


def platform(local_json, delay, concurrency):
    d = json.load(open(local_json))
    d["name"] = f"local-cold{delay:g}s"
    d["description"] = (
        f"examples/platforms/local.json with cold starts made {delay:g} s longer by dagrun's "
        f"--launch 'sleep {delay:g}; exec dagworker ...' (scripts/closed_loop_passes.py), "
        f"{concurrency} workers at once, 32 KiB of DAG in an invocation")
    for c in d["configs"]:
        c["cold_start_s"] = round(LOCAL_COLD_S + delay, 6)
    d["max_concurrency"] = concurrency
    # Rule 12: invocations carry 32 KiB of DAG; the other cases' DAGs are under 1 kB.
    d["dag_inline_bytes"] = 32768
    return d


def startups(trace):
    cold, warm = [], []
    for i in trace["instances"]:
        (warm if i["warm"] else cold).append((i["ready_us"] - i["start_us"]) / 1e6)
    return cold, warm


def inline_startups(trace, plan_with):
    """Start-ups (s) of the instances of the workers plan_with ships parts to, and the seconds
    each spent reading the DAG."""
    ids = {w["id"] for w in json.load(open(plan_with))["workers"] if w.get("inline_dag")}
    return [((i["ready_us"] - i["start_us"]) / 1e6, i.get("dag_fetch_us", 0) / 1e6)
            for i in trace["instances"] if i["worker"] in ids]


def preload_wait(trace, plan_with):
    """Seconds the tasks that pre-load in plan_with waited for inputs after taking a slot."""
    ids = {t["id"] for t in json.load(open(plan_with))["tasks"] if t.get("preload")}
    total = 0.0
    for t in trace["tasks"]:
        ok = [x for x in t["attempts"] if x["ok"]]
        if t["id"] in ids and ok:
            total += (ok[-1]["exec_start_us"] - ok[-1]["start_us"]) / 1e6
    return total


def force_preload(plan_without, plan_with):
    """Writes plan_with: plan_without with `preload` set by hand on every task of a worker that
    reads an output of a task of another worker (or of a flexible one), where the pass refused
    (--force). Returns how many tasks it set."""
    plan = json.load(open(plan_without))
    wf = json.load(open(os.path.join(os.path.dirname(plan_without), plan["workflow"]["file"])))
    deps = {t["id"]: t.get("deps", []) for t in wf["tasks"]}
    worker = {t["id"]: t.get("worker") for t in plan["tasks"]}
    n = 0
    for t in plan["tasks"]:
        if t.get("worker") is not None and any(worker[d] != t["worker"] for d in deps[t["id"]]):
            t["preload"] = True
            n += 1
    plan.pop("predictions", None)
    json.dump(plan, open(plan_with, "w"), indent=1)
    return n


def run_passes(a, tools, run, tmp, root):
    dagplan, dagsim, dagrun, dagworker = tools
    plat = platform(os.path.join(root, "examples", "platforms", "local.json"), a.cold_delay,
                    a.concurrency)
    a.warm_start_s = plat["configs"][0]["warm_start_s"]
    plat_file = os.path.join(tmp, "platform.json")
    json.dump(plat, open(plat_file, "w"), indent=1)
    launch = f"sleep {a.cold_delay:g}; exec {dagworker} {{worker_args}}"
    chosen = a.cases.split(",") if a.cases else [c[0] for c in CASES]
    unknown = set(chosen) - {c[0] for c in CASES}
    if unknown:
        sys.exit(f"closed-loop: --cases: unknown {sorted(unknown)}; "
                 f"expected some of {[c[0] for c in CASES]}")
    print(f"closed-loop --passes: platform {plat['name']}: cold start {LOCAL_COLD_S + a.cold_delay:.3f} s"
          f" (dagworker's {LOCAL_COLD_S * 1e3:.0f} ms + --launch 'sleep {a.cold_delay:g}'), warm "
          f"{plat['configs'][0]['warm_start_s'] * 1e3:.2f} ms, {a.concurrency} workers at once; "
          f"{a.runs} runs per plan, no randomness (fixed workflows, no seed)"
          f"{'; configuration ' + a.config if a.config else ''}", file=sys.stderr)
    rows, all_cold, all_warm = [], [], []
    for name, pas, planner, tasks in CASES:
        if name not in chosen:
            continue
        wf = os.path.join(tmp, f"{name}.json")
        json.dump({"format": "dagplan-workflow/1", "name": name, "tasks": tasks}, open(wf, "w"))
        p0, p1 = os.path.join(tmp, f"{name}-without.json"), os.path.join(tmp, f"{name}-with.json")
        base = [dagplan, "plan", wf, "--platform", plat_file, "--planner", planner, "-q"]
        if a.config:
            base += ["--config", a.config]
        run(base + ["-o", p0])
        run(base + ["--optimize", pas, "-o", p1])
        rec = [r for r in json.load(open(p1)).get("passes", []) if r.get("name") == pas]
        changes = rec[0].get("changes", 0) if rec else 0
        forced = False
        if changes == 0 and a.force and pas == "preload":
            changes, forced = force_preload(p0, p1), True
        pred = [json.loads(run([dagplan, "predict", p, "--format", "json"]))["makespan_s"]
                for p in (p0, p1)]
        row = {"case": name, "pass": pas, "planner": planner, "changes": changes,
               "forced": forced,
               "pred_without": pred[0], "pred_with": pred[1], "measured": [[], []],
               "shown": 0, "fact": "", "fact_pred": None, "fact_actual": [], "out_of": 0,
               "stretch": [], "wait_without": [], "startup": [[], []]}
        rows.append(row)
        if changes == 0:
            print(f"closed-loop: {name}: {pas} not kept by the planner: not run", file=sys.stderr)
            continue
        for i in range(a.runs):
            for k, p in enumerate((p0, p1)):
                print(f"closed-loop: {name} run {i + 1}/{a.runs} {'with' if k else 'without'} {pas}",
                      file=sys.stderr, flush=True)
                t = os.path.join(tmp, f"{name}-{k}-{i}.trace.json")
                out = json.loads(run([dagrun, p, "-q", "--trace", t, "--format", "json",
                                      "--launch", launch]))
                row["measured"][k].append(out["makespan_s"]["measured"])
                cold, warm = startups(json.load(open(t)))
                all_cold += cold
                all_warm += warm
                rep = json.loads(run([dagsim, "replay", t, "--format", "json"]))
                ex = [x for x in rep["phases"] if x["phase"] == "execution"][0]
                row["stretch"].append(ex["actual_total_s"] / ex["predicted_total_s"])
                if pas == "inline-dag":
                    row["startup"][k] += inline_startups(json.load(open(t)), p1)
                if k == 0:
                    if pas == "preload":
                        row["wait_without"].append(preload_wait(json.load(open(t)), p1))
                    continue
                e = [x for x in rep["passes"] if x["pass"] == pas]
                if not e:
                    sys.exit(f"closed-loop: dagsim replay {t} reports nothing of {pas}")
                e = e[0]
                row["fact"], row["out_of"], row["unit"] = e["fact"], e["out_of"], e["unit"]
                row["fact_pred"] = e["predicted"]
                row["fact_actual"].append(e["actual"])
                # The pass's effect is shown when the run has what the prediction has: every
                # pre-warmed start warm, every child clustered, every duplicate used before the
                # original's copy was stored; for preload, the pre-loading tasks waited less for
                # their inputs after taking a slot than the same tasks in the run without the
                # pass just before.
                if e["unit"] == "s":
                    row["shown"] += e["actual"] < row["wait_without"][-1]
                else:
                    row["shown"] += e["actual"] >= e["predicted"] and e["actual"] > 0
    return rows, all_cold, all_warm


def report(a, rows, cold, warm):
    med = lambda v: statistics.median(v) if v else float("nan")
    hdr = ["case", "pass", "planner", "pred. without (s)", "pred. with (s)", "pred. gain (s)",
           "measured without (s)", "measured with (s)", "measured gain (s)", "paired gain (s)",
           "exec. x pred.",
           "effect in trace"]
    lines = []
    for r in rows:
        if r["changes"] == 0:
            cells = [r["case"], r["pass"], r["planner"], f"{r['pred_without']:.3f}",
                     f"{r['pred_with']:.3f}", "not kept", "-", "-", "-", "-", "-", "-"]
        else:
            mw, mp = med(r["measured"][0]), med(r["measured"][1])
            spread = lambda v: f" ({min(v):.3f}-{max(v):.3f})"
            fa = med(r["fact_actual"])
            fact = (f"{fa:.3f} s (pred. {r['fact_pred']:.3f}, without the pass "
                    f"{med(r['wait_without']):.3f})" if r.get("unit") == "s"
                    else f"{fa:.0f} of {r['out_of']} (pred. {r['fact_pred']:.0f})")
            if r["startup"][0] and r["startup"][1]:
                # The start-ups of the workers given their part: with the DAG read, and from it.
                ms = lambda v: f"{1e3 * med(v):.1f} ms"
                fact += (f"; their start-ups {ms([x for x, _ in r['startup'][0]])} reading the "
                         f"DAG (read {ms([y for _, y in r['startup'][0]])}), "
                         f"{ms([x for x, _ in r['startup'][1]])} from their part (model: "
                         f"{1e3 * (r['pred_without'] - r['pred_with']):.2f} ms less)")
            cells = [r["case"], r["pass"] + (" (forced)" if r.get("forced") else ""),
                     r["planner"], f"{r['pred_without']:.3f}",
                     f"{r['pred_with']:.3f}", f"{r['pred_without'] - r['pred_with']:+.3f}",
                     f"{mw:.3f}" + spread(r["measured"][0]), f"{mp:.3f}" + spread(r["measured"][1]),
                     f"{mw - mp:+.3f}",
                     f"{med([x - y for x, y in zip(*r['measured'])]):+.3f}",
                     f"{med(r['stretch']):.2f}",
                     f"{r['shown']}/{len(r['fact_actual'])} runs: {r['fact']}: {fact}"]
        lines.append(cells)
    if a.markdown:
        print("| " + " | ".join(hdr) + " |")
        print("|---|---|---|" + "---:|" * 8 + "---|")
        for c in lines:
            print("| " + " | ".join(c) + " |")
    else:
        for c in [hdr] + lines:
            print("  ".join(c))
    print(f"\nplatform: cold start {LOCAL_COLD_S + a.cold_delay:.3f} s, warm {1e3 * a.warm_start_s:.2f} ms in the model;"
          f" measured in the traces: cold median {med(cold):.3f} s ({len(cold)} starts), warm median "
          f"{1e3 * med(warm):.2f} ms ({len(warm)} starts); {a.runs} runs per plan, medians "
          f"(min-max); gains are without - with; paired gain: the median of the differences "
          f"between the runs without and with the pass made one after the other; exec. x pred.: the tasks' measured execution "
          f"time over the predicted one, median over both plans' runs (above 1: the cores were "
          f"busy)")
