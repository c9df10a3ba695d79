"""The model's TPOT law by decode length (the same ranges as by_length.py) for one grid
case at one load: the law restricted to the output classes in each range.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s14tpot/model_by_length.py CASE LOAD
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/

import serve_simulator as grid

from planner.serve.capacity import role_model
from planner.serve.evaluate import plan_metrics

name, u = sys.argv[1], float(sys.argv[2])
case = next(c for c in grid.CASES if grid.selected(c.name, [name]))
cap = plan_metrics(grid.problem_for(case, 99, 1.0), grid.layout(case, 1.0))["capacity_qps"]
load = u * cap
plan = grid.layout(case, load)
rows = []
for q in (50, 90, 99):
    prob = grid.problem_for(case, q, load)
    rm = role_model(prob, plan.replicas[0])
    g = plan.replicas[0]
    point = rm.at_rate(g.load_qps / (g.count * g.pp * g.ep))
    wo = rm.wo.copy()
    out = [f"all {1e3 * point.tpot_s:.1f}"]
    for lo, hi in ((1, 4), (5, 16), (17, 32), (33, 128), (129, 10**9)):
        sel = (rm.d >= lo - 0.5) & (rm.d < hi + 0.5)
        if not (sel & (wo > 0)).any():
            continue
        rm.wo = np.where(sel, wo, 0.0)
        value = rm._batch_state(point.batch).tpot().quantile()
        out.append(f"D {lo}-{hi} {1e3 * value:.1f}")
    rm.wo = wo
    rows.append(f"p{q}: " + ", ".join(out))
print(f"{case.name} at {u:.0%} ({load:.2f} req/s), model")
print("\n".join(rows))
