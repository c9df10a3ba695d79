"""s16audit: which numba specializations a timed smtt method needs beyond what its warm-up made.

A specialization first needed inside ``solve`` is compiled (first run of an installation: seconds)
or loaded from the cache inside the time limit. Runs the family warm-up, then every method on a
weighted (wt40) and an unweighted (tkindt n100) instance, and lists new signatures per method.
Usage: ``PYTHONPATH=... python numba_signatures.py``.
"""

import importlib
import sys
import time
from pathlib import Path

from planner import solve
from planner.core.family import get_family
from planner.core.specs import read_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from numba_all import new_since, signatures

fam = get_family("smtt")
which = sys.argv[1] if len(sys.argv) > 1 else "family"
t = time.perf_counter()
if which == "family":
    importlib.import_module("planner.smtt.warmup").warmup()
print(f"warm-up ({which}) {time.perf_counter() - t:.2f} s")
D = Path("/work/shared/data/smtt")
insts = [
    read_file(fam, D / "orlib" / "wt40.txt", "56")[0],
    read_file(fam, D / "tkindt_n100.jsonl", "136")[0],
]
for method in fam.methods:
    for inst in insts:
        if which == "method":
            fam.methods[method].warmup()
        before = signatures()
        r = solve(inst, method, time_limit=1.0, threads=1)
        new = new_since(before)
        flag = "  NEW: " + "; ".join(f"{k} x{len(v)}" for k, v in new.items()) if new else ""
        print(f"{method:9s} {inst.name:28s} runtime {r.runtime_s:6.3f} s{flag}")
        for k, v in new.items():
            for s in v:
                print(f"    {k}: {s[:200]}")
