"""Simulated TPOT by decode length (short requests <= 32 iterations vs the rest) for one
grid case at one load: where the tail comes from. A check, not a model.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s14tpot/by_length.py CASE LOAD [REQUESTS]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/

import serve_simulator as grid

from planner.serve.evaluate import plan_metrics
from planner.serve.simulate import simulate_requests

name, u = sys.argv[1], float(sys.argv[2])
requests = int(sys.argv[3]) if len(sys.argv) > 3 else 4000
case = next(c for c in grid.CASES if grid.selected(c.name, [name]))
cap = plan_metrics(grid.problem_for(case, 99, 1.0), grid.layout(case, 1.0))["capacity_qps"]
load = u * cap
_, done = simulate_requests(
    grid.problem_for(case, 99, load), grid.layout(case, load), requests=requests, seed=0
)
d = np.array([r.output - 1 for r in done if r.output > 1])
tpot = np.array([(r.finish - r.first) / (r.output - 1) for r in done if r.output > 1])
print(f"{case.name} at {u:.0%} ({load:.2f} req/s), {requests} requests")
allq = np.quantile(tpot, [0.5, 0.9, 0.99])
print("all: p50/p90/p99 " + " / ".join(f"{1e3 * v:.1f}" for v in allq) + " ms")
for lo, hi in ((1, 4), (5, 16), (17, 32), (33, 128), (129, 10**9)):
    sel = (d >= lo) & (d <= hi)
    if sel.sum() < 10:
        continue
    qs = np.quantile(tpot[sel], [0.5, 0.9, 0.99])
    above = float((tpot[sel] > allq[2]).mean())
    print(
        f"D {lo}-{hi}: share {sel.mean():.3f}, p50/p90/p99 "
        + " / ".join(f"{1e3 * v:.1f}" for v in qs)
        + f" ms, share above the overall p99 {above:.3f}"
    )
