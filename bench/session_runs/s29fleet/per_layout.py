"""CPU seconds of :func:`evaluate` per layout of one pool, one workload, colocated (cold).

Run: ``PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s29fleet/per_layout.py
mixtral-8x7b chat H100-SXM [numpy]`` (``numpy``: the merging chain's numpy solver, as in a
checkout without ``planner warmup``; else the compiled one when its cache is there).
"""

import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from planner.perfmodel.readers import load_model
from planner.serve import lockstep, read
from planner.serve.candidates import evaluate, layouts, roles
from planner.serve.instance import ServingConstraints

if sys.argv[4:] == ["numpy"]:
    lockstep._MERGE_PATH["module"] = None  # the numpy solver for the whole process
(base,) = read(Path("instances/serve/fleet-3x3.toml"))
name = sys.argv[1]
problem = replace(
    base, model=load_model(name), constraints=ServingConstraints(disaggregation="off")
)
part = dict(problem.parts())[sys.argv[2]]
rows = []
for lay in layouts(part):
    if lay.reason or lay.pool != sys.argv[3]:
        continue
    for role in roles(part):
        t0 = time.process_time()
        c = evaluate(part, lay, role)
        rows.append((time.process_time() - t0, lay.config.label(), role, c.capacity))
        print(f"{rows[-1][0]:7.2f} {rows[-1][1]:30s} {role} {c.capacity!r}", flush=True)
print("total", sum(r[0] for r in rows), "load", os.getloadavg()[0])
