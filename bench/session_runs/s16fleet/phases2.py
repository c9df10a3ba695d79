"""Uncached work per phase of one fleet solve: RoleModel.capacity_at_most (by outcome and by
caller), rate_limit, capacity, with their CPU and the _batch_state / _prefill calls inside.

    PYTHONPATH=<tree> python phases2.py [MODE] [MODEL]
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import collections
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path

from planner.perfmodel import constants
from planner.perfmodel.readers import load_model
from planner.serve import capacity as cap
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
RM = cap.RoleModel
cpu = collections.Counter()
n = collections.Counter()
inner = collections.Counter()
current = []


def wrap(name, fn, tag=None):
    def w(self, *a, **k):
        current.append(name)
        c = time.process_time()
        try:
            out = fn(self, *a, **k)
        finally:
            current.pop()
        key = name if tag is None else f"{name}:{tag(self, a, out)}"
        cpu[key] += time.process_time() - c
        n[key] += 1
        return out

    return w


def caller(self, a, out):
    names = [f.name for f in traceback.extract_stack(limit=8)]
    who = "dominated" if "_dominated_by_probe" in names else "evaluate"
    return f"{who}:{out}:{self.role}"


RM.capacity_at_most = wrap("capacity_at_most", RM.capacity_at_most, caller)
RM.rate_limit = wrap("rate_limit", RM.rate_limit, lambda s, a, o: s.role)
RM.capacity = wrap("capacity", RM.capacity, lambda s, a, o: s.role)
for meth in ("_batch_state", "_lockstep_prefill", "_own_prefill", "_probe", "_evaluate"):
    orig = getattr(RM, meth)

    def counted(self, *a, _orig=orig, _m=meth, **k):
        inner[(current[-1] if current else "-", _m)] += 1
        return _orig(self, *a, **k)

    setattr(RM, meth, counted)
c = time.process_time()
r = solve(problem, "auto", time_limit=600)
print(r.status.value, repr(r.objective), f"cpu {time.process_time() - c:.2f}")
for k in sorted(cpu):
    print(f"{k:40s} {cpu[k]:7.2f} s  n={n[k]}")
for k in sorted(inner):
    print(k, inner[k])
