"""Malformed instance files through ``planner solve FAMILY FILE``: each numeric / string leaf of a
bundled JSON example replaced in turn (NaN, -1, 1e308, "x", null, []), the file emptied,
truncated, given an unknown key. Prints one table row per case: exit code, stderr's last line.

An exit code other than 0 / 2, a traceback or an empty message is a finding; 0 is fine when
the status printed is sensible (read the row).

Run from the worktree: PYTHONPATH=. python bench/session_runs/s14bad/sweep_files.py [FAMILY...]
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = {
    "smtt": "instances/smtt/example.json",
    "serve": "instances/serve/offline-8b.json",
    "seqpar": "instances/seqpar/example.json",
    "train": "instances/train/toy-8xa100.json",
    "offload": "instances/offload/tide_trace.json",
    "pipelining": "instances/pipelining/gemm_hopper.json",
    "rcpsp": "instances/rcpsp/datacenter_migration.json",
}
VALUES = [float("nan"), -1, 1e308, "x", None]
MAX_LEAVES = 6


def leaves(node, path=()):
    """Paths of the scalar leaves of a JSON document (lists: their first item only)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, (*path, k))
    elif isinstance(node, list):
        if node:
            yield from leaves(node[0], (*path, 0))
    else:
        yield path


def put(doc, path, value):
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


def run(args):
    """One subprocess per case (in-process runs hung on the third case: a futex wait)."""
    try:
        proc = subprocess.run(
            [sys.executable, "-c", "from planner.launcher import main; main()", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        return "timeout", "", "", 0
    lines = proc.stderr.strip().splitlines()
    status = next((w for w in proc.stdout.split() if w.isupper() and len(w) > 5), "")
    return proc.returncode, (lines[-1] if lines else ""), status, len(lines)


def cases(family, text):
    yield "empty file", ""
    yield "truncated", text[: len(text) // 2]
    doc = json.loads(text)
    yield "unknown key", json.dumps({**doc, "no_such_key": 1})
    for path in list(leaves(doc))[:MAX_LEAVES]:
        for value in VALUES:
            yield f"{'.'.join(map(str, path))}={value!r}", json.dumps(put(doc, path, value))


def main_sweep(families):
    tmp = Path(tempfile.mkdtemp())
    print("| family | case | rc | stderr lines | status | last stderr line |")
    print("| --- | --- | --- | --- | --- | --- |")
    for family in families:
        src = ROOT / EXAMPLES[family]
        for name, text in cases(family, src.read_text()):
            f = tmp / src.name
            f.write_text(text)
            (tmp / "configs").mkdir(exist_ok=True)
            if family == "train":  # the example names a config beside it
                cfg = ROOT / "instances/train/configs/toy-config.json"
                (tmp / "configs/toy-config.json").write_text(cfg.read_text())
            code, last, status, n = run(["solve", family, str(f), "-t", "2"])
            flag = "" if code in (0, 2) and n <= 1 else " **"
            print(
                f"| {family} | {name} | {code}{flag} | {n} | {status} | {last[:160]} |", flush=True
            )


if __name__ == "__main__":
    main_sweep(sys.argv[1:] or list(EXAMPLES))
