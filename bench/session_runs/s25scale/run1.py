"""Run one planner CLI command under /usr/bin/time -v and append a table row.

Usage: run1.py FAMILY METHOD SIZE LIMIT -- planner-args...
Appends a JSON row to rows.jsonl (family, method, size, limit, wall, rss,
status, exit code, certificate checks, load) and prints it.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# CODE=/work/main runs main's code (side-by-side comparisons); default: this worktree
ROOT = Path(os.environ.get("CODE", HERE.parents[2]))
PLANNER = str(ROOT / ".venv" / "bin" / "planner")


def _load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _check(res: dict) -> str:
    """Certificate consistency notes for one JSON result ('' when fine)."""
    notes = []
    obj, bnd, gap = res.get("objective"), res.get("bound"), res.get("gap")
    sense = res.get("sense", "min")
    if obj is not None and bnd is not None:
        worse = (
            bnd > obj + 1e-6 * max(1.0, abs(obj))
            if sense != "max"
            else bnd < obj - 1e-6 * max(1.0, abs(obj))
        )
        if worse:
            notes.append(f"bound {bnd} past objective {obj}")
        if gap is not None and obj != 0:
            want = abs(obj - bnd) / abs(obj)
            if not math.isclose(gap, want, rel_tol=1e-3, abs_tol=1e-6):
                notes.append(f"gap {gap} != |obj-bound|/|obj| {want:.6g}")
    if res.get("status") in ("FEASIBLE", "OPTIMAL") and obj is None:
        notes.append("no objective")
    if res.get("status") == "OPTIMAL" and gap not in (None, 0, 0.0):
        notes.append(f"OPTIMAL with gap {gap}")
    return "; ".join(notes)


def main() -> int:
    fam, method, size, limit = sys.argv[1:5]
    assert sys.argv[5] == "--"
    args = sys.argv[6:]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    load0 = _load()
    t0 = time.monotonic()
    proc = subprocess.run(
        ["/usr/bin/time", "-v", "nice", "-n", "10", PLANNER, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=float(os.environ.get("RUN_TIMEOUT", "900")),
    )
    wall = time.monotonic() - t0
    err = proc.stderr
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))
    usr = float(re.search(r"User time \(seconds\): ([\d.]+)", err).group(1))
    sys_t = float(re.search(r"System time \(seconds\): ([\d.]+)", err).group(1))
    m = re.search(r"Command exited with non-zero status (\d+)", err)
    rc = int(m.group(1)) if m else 0
    sig = re.search(r"Command terminated by signal (\d+)", err)
    tail = [ln for ln in err.splitlines() if not ln.startswith("\t") and "Command" not in ln]
    status, notes, stats = "", [], {}
    objs = []
    for line in proc.stdout.splitlines():
        try:
            res = json.loads(line)
        except ValueError:
            continue
        objs.append(res)
    for res in objs:
        status = res.get("status", "?")
        n = _check(res)
        if n:
            notes.append(n)
        reason = res.get("reason") or ""
        if reason:
            notes.append(f"reason: {reason[:120]}")
        stats = {
            k: res.get(k)
            for k in ("objective", "bound", "gap", "runtime_s")
            if res.get(k) is not None
        }
    if "Traceback" in err:
        notes.append("TRACEBACK")
    if sig:
        notes.append(f"signal {sig.group(1)}")
    if rc and not objs:
        notes.append("stderr: " + " | ".join(tail)[:300])
    row = {
        "family": fam,
        "method": method,
        "size": size,
        "limit": limit,
        "wall_s": round(wall, 2),
        "cpu_s": round(usr + sys_t, 2),
        "rss_mib": round(rss_kb / 1024, 1),
        "status": status or f"exit {rc}",
        "exit": rc,
        "load": load0,
        "note": "; ".join(notes),
        **stats,
        "code": os.environ.get("LABEL", "main" if str(ROOT) == "/work/main" else "branch"),
        "args": " ".join(args),
    }
    with open(os.environ.get("ROWS", HERE / "rows.jsonl"), "a") as fh:
        fh.write(json.dumps(row) + "\n")
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
