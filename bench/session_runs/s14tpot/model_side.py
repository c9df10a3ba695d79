"""The model's TTFT / TPOT percentiles of every grid case at its grid loads (model side
only, as ``repr`` so that two code versions compare bit for bit).

Usage: PYTHONPATH=<tree> .venv/bin/python bench/session_runs/s14tpot/model_side.py > out.txt
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/

import serve_simulator as grid

from planner.serve.evaluate import plan_metrics

for case in grid.CASES:
    cap = plan_metrics(grid.problem_for(case, 99, 1.0), grid.layout(case, 1.0))["capacity_qps"]
    for u in case.utilisations:
        load = u * cap
        for q in grid.PERCENTILES:
            m = plan_metrics(grid.problem_for(case, q, load), grid.layout(case, load))
            print(case.name, u, q, repr(cap), repr(m["ttft_s"]), repr(m["tpot_s"]), flush=True)
