"""CPU seconds and outcomes per phase of the candidate evaluation of one fleet solve
(capacity_upper_bound, _dominated_by_probe, evaluate's chunk skips, role_capacity).

    PYTHONPATH=<tree> python phases.py [MODE] [MODEL]
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import collections
import sys
import time
from dataclasses import replace
from pathlib import Path

from planner.perfmodel import constants
from planner.perfmodel.readers import load_model
from planner.serve import candidates as cd
from planner.serve import read, solve
from planner.serve.instance import ServingConstraints

ROOT = Path(__file__).resolve().parents[3]
mode = sys.argv[1] if len(sys.argv) > 1 else "allow"
model = sys.argv[2] if len(sys.argv) > 2 else "mixtral-8x7b"
(base,) = read(ROOT / "instances" / "serve" / "fleet-3x3.toml")
problem = replace(
    base, model=load_model(model), constraints=ServingConstraints(disaggregation=mode)
)
constants._clear_caches()
cpu = collections.Counter()
count = collections.Counter()
stack = []


def timed(name, fn, outcome=None):
    def wrap(*a, **k):
        stack.append(0.0)
        c = time.process_time()
        out = fn(*a, **k)
        dt = time.process_time() - c
        inner = stack.pop()
        cpu[name] += dt - inner  # exclusive of nested timed phases
        if stack:
            stack[-1] += dt
        key = name if outcome is None else f"{name}:{outcome(a, out)}"
        count[key] += 1
        if outcome is not None:
            cpu[key] += dt - inner
        return out

    return wrap


cd.capacity_upper_bound = timed("upper_bound", cd.capacity_upper_bound)
cd._dominated_by_probe = timed(
    "dominated_by_probe", cd._dominated_by_probe, lambda a, o: "pruned" if o else "failed"
)
orig_cam = cd._capacity_at_most
cd._capacity_at_most = timed("capacity_at_most", orig_cam, lambda a, o: o)
cd.role_capacity = timed("role_capacity", cd.role_capacity, lambda a, o: f"{a[7]}")
c = time.process_time()
r = solve(problem, "auto", time_limit=600)
total = time.process_time() - c
print(
    r.status.value,
    repr(r.objective),
    f"cpu {total:.2f}",
    "usable",
    r.stats.get("usable_candidates"),
)
for k in sorted(cpu):
    print(f"{k:40s} {cpu[k]:7.2f} s  n={count.get(k, '')}")
