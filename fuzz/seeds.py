#!/usr/bin/env python3
"""Builds the fuzz targets' seed corpora at run time (nothing is copied into the repository).

Usage: fuzz/seeds.py OUT_DIR [--tools BUILD_DIR]

Sources: the JSON files of examples/ and tests/, the JSON documents written inline in
tests/*_test.cpp (raw-string literals), ../shared/data/hostile/ when it exists (skipped with a
message otherwise), and, when BUILD_DIR holds the command-line tools, plans, traces and a profile
they write for the example workflows. Each document goes to the corpus of the reader its `format`
(or WfCommons' `schemaVersion`) names, OUT_DIR/<target>/; one that names none goes to every
corpus. A plan's seed is WORKFLOW '\\0' PLAN (fuzz_plan.cpp), with the workflow it names.
"""
import hashlib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ["workflow", "wfcommons", "platform", "profile", "plan", "trace"]
FORMAT = re.compile(rb'"format"\s*:\s*"dagplan-(workflow|platform|plan|profile|trace)/1"')
RAW_STRING = re.compile(r'R"([A-Za-z_]*)\((.*?)\)\1"', re.S)
WORKFLOW_NAME = re.compile(rb'"name"\s*:\s*"([^"]*)"')
PLAN_WORKFLOW_FILE = re.compile(rb'"workflow"\s*:\s*\{\s*"file"\s*:\s*"([^"]*)"')
PLAN_WORKFLOW_NAME = re.compile(rb'"workflow"\s*:\s*\{[^}]*"name"\s*:\s*"([^"]*)"')


def kind_of(text):
    if b"dagplan-trace/1" in text:
        return "trace"
    m = FORMAT.search(text)
    if m:
        return m.group(1).decode()
    if b'"schemaVersion"' in text:
        return "wfcommons"
    return None


def documents():
    """(origin path, bytes) of every seed document."""
    for folder in (ROOT / "examples", ROOT / "tests"):
        for path in sorted(folder.rglob("*.json")):
            yield path, path.read_bytes()
    for path in sorted((ROOT / "tests").glob("*.cpp")):
        for m in RAW_STRING.finditer(path.read_text(errors="replace")):
            body = m.group(2).encode()
            if body.lstrip().startswith((b"{", b"[")):
                yield path, body
    hostile = ROOT.parent / "shared" / "data" / "hostile"
    if hostile.is_dir():
        for path in sorted(hostile.rglob("*")):
            if path.is_file() and path.suffix == ".json":
                yield path, path.read_bytes()
    else:
        print(f"seeds: {hostile} absent: no hostile seeds", file=sys.stderr)


def generated(tools):
    """Plans, traces and a profile written by the CLI for the example workflows."""
    dagplan, dagsim = tools / "cli" / "dagplan", tools / "cli" / "dagsim"
    if not (dagplan.exists() and dagsim.exists()):
        print(f"seeds: no {dagplan} or {dagsim}: no generated plans, traces, profile",
              file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as tmp:
        traces = []
        for workflow in sorted((ROOT / "examples" / "workflows").glob("*.json")):
            for planner, platform in (("heft", "aws-lambda"), ("uniform", "cluster")):
                plan = Path(tmp) / f"{workflow.stem}-{planner}.json"
                trace = Path(tmp) / f"{workflow.stem}-{planner}-trace.json"
                run = [str(dagplan), "plan", str(workflow), "--planner", planner,
                       "--platform", platform, "-o", str(plan)]
                if subprocess.run(run, capture_output=True).returncode != 0:
                    continue
                yield plan, plan.read_bytes()
                run = [str(dagsim), "simulate", str(plan), "--noise", "--task-failure", "0.2",
                       "--max-attempts", "3", "--trace", str(trace), "-q"]
                if subprocess.run(run, capture_output=True).returncode == 0 and trace.exists():
                    traces.append(trace)
                    yield trace, trace.read_bytes()
        profile = Path(tmp) / "profile.json"
        run = [str(dagsim), "calibrate", "--min-samples", "1", "-o", str(profile), "-q"]
        run += [str(t) for t in traces if "aws-lambda" in t.read_text()]
        if traces and subprocess.run(run, capture_output=True).returncode == 0:
            yield profile, profile.read_bytes()


def main():
    out = Path(sys.argv[1])
    tools = Path(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--tools" else None
    docs = list(documents()) + (list(generated(tools)) if tools else [])
    workflows_by_name = {}
    for origin, text in docs:
        if kind_of(text) == "workflow":
            m = WORKFLOW_NAME.search(text)
            if m:
                workflows_by_name.setdefault(m.group(1), text)
    seeds = {t: set() for t in TARGETS}
    for origin, text in docs:
        kind = kind_of(text)
        if kind == "plan":
            workflow = None
            m = PLAN_WORKFLOW_FILE.search(text)
            if m and m.group(1):
                named = Path(origin).parent / os.fsdecode(m.group(1))
                for path in (named, ROOT / "examples" / "workflows" / named.name):
                    if path.is_file():
                        workflow = path.read_bytes()
                        break
            m = PLAN_WORKFLOW_NAME.search(text)
            if workflow is None and m:
                workflow = workflows_by_name.get(m.group(1))
            seeds["plan"].add(text if workflow is None else workflow + b"\0" + text)
        elif kind in seeds:
            seeds[kind].add(text)
        else:
            for corpus in seeds.values():
                corpus.add(text)
    for target, texts in seeds.items():
        folder = out / target
        folder.mkdir(parents=True, exist_ok=True)
        for text in texts:
            (folder / hashlib.sha1(text).hexdigest()).write_bytes(text)
        print(f"seeds: {target}: {len(texts)}")


if __name__ == "__main__":
    main()
