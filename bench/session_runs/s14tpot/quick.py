"""The model's p90 / p99 TPOT of the lockstep and gpt-oss cases at the grid's loads (model
side only, no simulation); the simulated values are from the base run (--sims reuse).

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s14tpot/quick.py [case text ...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/

import serve_simulator as grid

from planner.serve.evaluate import plan_metrics

wanted = sys.argv[1:] or ["DeepSeek", "Mixtral tp2 ep2"]
for case in grid.CASES:
    if not grid.selected(case.name, wanted):
        continue
    cap = plan_metrics(grid.problem_for(case, 99, 1.0), grid.layout(case, 1.0))["capacity_qps"]
    for u in case.utilisations:
        load = u * cap
        out = []
        for q in (50, 90, 99):
            t = time.process_time()
            m = plan_metrics(grid.problem_for(case, q, load), grid.layout(case, load))
            out.append(f"p{q} {1e3 * m['tpot_s']:.1f} ms ({time.process_time() - t:.2f} s)")
        print(f"{case.name[:30]:30s} {u:.0%} {load:.2f} req/s: " + ", ".join(out), flush=True)
