"""A sample of bench/serve_simulator.py's grid at longer traces and several seeds.

Each (case, utilisation) is simulated with ``--requests`` requests for each seed; prints one
JSON line per simulation (model and simulated p99 TTFT / TPOT, CPU seconds).

Usage: PYTHONPATH=. python bench/session_runs/s25simq/grid_long.py --requests 30000 \
    --seeds 1 2 --pick "8B chat:0.7" "8B long prompts:0.8" ...
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from serve_simulator import CASES, layout, problem_for

from planner.serve.evaluate import plan_metrics
from planner.serve.simulate import latencies, simulate_requests


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=30000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--pick", nargs="+", required=True, help="NAME:UTIL (exact case name)")
    a = ap.parse_args()
    by_name = {c.name: c for c in CASES}
    for item in a.pick:
        name, u = item.rsplit(":", 1)
        case = by_name[name]
        cap = plan_metrics(problem_for(case, 99, 1.0), layout(case, 1.0))["capacity_qps"]
        load = float(u) * cap
        plan = layout(case, load)
        prob = problem_for(case, 99, load)
        m = plan_metrics(prob, plan)
        for s in a.seeds:
            t0 = time.process_time()
            _, done = simulate_requests(prob, plan, requests=a.requests, seed=s)
            ttft, tpot = latencies(done)
            row = {
                "case": name,
                "util": float(u),
                "qps": load,
                "seed": s,
                "requests": a.requests,
                "model_ttft": m["ttft_s"],
                "sim_ttft": float(np.percentile(ttft, 99)),
                "model_tpot": m["tpot_s"],
                "sim_tpot": float(np.percentile(tpot, 99)),
                "cpu_s": round(time.process_time() - t0, 1),
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
