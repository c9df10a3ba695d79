"""The model's p90 / p99 TTFT and TPOT of grid cases against the committed simulations
(bench/results/serve/simulator.csv: seed 0, 10,000 requests), model side only.

Usage: PYTHONPATH=<tree> .venv/bin/python bench/session_runs/s15ttft/quick.py [case text ...]
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/

import serve_simulator as grid

from planner.serve.evaluate import plan_metrics

sim = {}
with open(Path(grid.OUT) / "simulator.csv") as fh:
    for r in csv.DictReader(fh):
        s = json.loads(r["stats"])
        if "case" in s:
            sim[(s["case"], round(s["utilisation"], 3), s["percentile"])] = (
                s["sim_ttft_s"],
                s["sim_tpot_s"],
                s["capacity_qps"],
            )
wanted = sys.argv[1:] or ["Mixtral tp2 ep2", "DeepSeek"]
cases = [c for c in grid.CASES if grid.selected(c.name, wanted)]
caps = {
    c.name: plan_metrics(grid.problem_for(c, 99, 1.0), grid.layout(c, 1.0))["capacity_qps"]
    for c in cases
}
for case, u in [(c, u) for c in cases for u in c.utilisations]:
    cap = caps[case.name]
    load = u * cap
    for q in (90, 99):
        t = time.process_time()
        m = plan_metrics(grid.problem_for(case, q, load), grid.layout(case, load))
        st, sp, c0 = sim[(case.name, round(u, 3), q)]
        print(
            f"{case.name[:30]:30s} {u:.0%} p{q} cap {cap:.3f} (sim run at {c0:.3f}): TTFT"
            f" {1e3 * m['ttft_s']:.1f} vs {1e3 * st:.1f} ({m['ttft_s'] / st - 1:+.1%}), TPOT"
            f" {1e3 * m['tpot_s']:.1f} vs {1e3 * sp:.1f} ({m['tpot_s'] / sp - 1:+.1%})"
            f" [{time.process_time() - t:.2f} s]",
            flush=True,
        )
