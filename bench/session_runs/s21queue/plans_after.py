"""The solver's plans for ``bench/serve_simulator.py``'s plan cases with the current model, and
their model p99 (TTFT / TPOT, the workload's and the worst group's); compare with the plan
column of ``bench/results/serve/simulator.md``.

Usage::

    .venv/bin/python bench/session_runs/s21queue/plans_after.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import serve_simulator as bench

from planner.serve import solve
from planner.serve.evaluate import plan_metrics

for model, gpus, qps, prompt, output in bench.PLAN_CASES:
    for ttft, tpot in bench.SLO_LEVELS:
        prob = bench.plan_problem(model, gpus, qps, prompt, output, ttft, tpot)
        res = solve(prob, time_limit=20, threads=1)
        m = plan_metrics(prob, res.solution)
        print(
            f"{model} {ttft}/{tpot}: {res.status.value} {'; '.join(g.label() for g in res.solution.replicas)}"
            f" | util {m['served_qps'] / m['capacity_qps']:.0%} | TTFT {1000 * m['ttft_s']:.1f}"
            f" (worst {1000 * m['worst_ttft_s']:.1f}) TPOT {1000 * m['tpot_s']:.1f}"
            f" (worst {1000 * m['worst_tpot_s']:.1f}) ms | cost {res.objective:.2f}",
            flush=True,
        )
