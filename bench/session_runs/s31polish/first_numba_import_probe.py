"""Where numba is first imported during a planner command (stack of planner frames).

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s31polish/first_numba_import_probe.py
       solve rcpsp big.json -m cpsat -t 2 --threads 1 --json
"""

import builtins
import contextlib
import sys
import time
import traceback

orig = builtins.__import__
seen = []


def imp(name, *a, **k):
    if name.startswith("numba") and not seen:
        seen.append(time.perf_counter())
        st = [
            f"{f.filename.split('planner/')[-1]}:{f.lineno} {f.name}"
            for f in traceback.extract_stack()
            if "/planner/" in f.filename
        ]
        print("first numba import from:\n  " + "\n  ".join(st[-8:]), file=sys.stderr)
    return orig(name, *a, **k)


builtins.__import__ = imp

from planner.cli import main  # noqa: E402  (after the import hook)

with contextlib.suppress(SystemExit):
    main(sys.argv[1:])
