"""What the docs' table scripts (passes-table.py, pareto-table.py) share: running dagplan, and the
suite they run on - every generated shape at N tasks (seed 1) and the shared WfCommons
instances, skipped with a message where absent."""
import argparse
import glob
import os
import subprocess
import sys
import tempfile


def run(cmd, who):
    """stdout of `cmd`; exits naming `who` and the command when it fails."""
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{who}: {' '.join(cmd)} failed:\n{p.stderr.strip()}")
    return p.stdout


def arguments(description):
    """The options both scripts take, parsed; plus the dagplan binary's path."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--build", default="build")
    ap.add_argument("--shared", default=os.path.join("..", "shared", "data"))
    ap.add_argument("--platform", default="aws-lambda")
    ap.add_argument("--tasks", type=int, default=1000)
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    a.dagplan = os.path.join(root, a.build, "cli", "dagplan")
    return a


def workflows(a, who):
    """(name, path) of the suite: the generated shapes written to a temporary folder, then the
    files of SHARED/wfcommons."""
    tmp = tempfile.mkdtemp(prefix=f"{who}-")
    out = []
    help_text = run([a.dagplan, "generate", "--help"], who)
    for shape in help_text.split("One of: ")[1].split("\n")[0].split(", "):
        path = os.path.join(tmp, f"{shape}.json")
        run([a.dagplan, "generate", shape, "--tasks", str(a.tasks), "--seed", "1", "-q", "-o",
             path], who)
        out.append((f"{shape}-{a.tasks}", path))
    wfc = os.path.join(a.shared, "wfcommons")
    if os.path.isdir(wfc):
        for path in sorted(glob.glob(os.path.join(wfc, "*.json"))):
            out.append((os.path.splitext(os.path.basename(path))[0], path))
    else:
        print(f"{who}: {wfc} is absent: generated workflows only", file=sys.stderr)
    return out
