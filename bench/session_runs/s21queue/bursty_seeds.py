"""Sampling noise of the simulator's p99 TTFT on the 8B bursty (scv 2) case.

Reruns the grid case ``8B chat bursty (scv 2)`` of ``bench/serve_simulator.py`` at 60 / 70 /
80 % utilisation with other seeds (10,000 requests) and with longer traces (50,000 requests),
and prints the model's p99 beside the simulated ones. The committed benchmark keeps
``--requests 10000 --seed 0``; this only measures how much its single trace moves.

Usage::

    nice -n 10 .venv/bin/python bench/session_runs/s21queue/bursty_seeds.py [--long-seeds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import serve_simulator as bench

from planner.serve.evaluate import plan_metrics
from planner.serve.simulate import latencies, simulate_requests


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--long-seeds", type=int, default=3)
    ap.add_argument("--long", type=int, default=50000)
    ap.add_argument("--loads", default="0.6,0.7,0.8")
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("bursty_seeds.json"))
    args = ap.parse_args()
    case = next(c for c in bench.CASES if c.name.startswith("8B chat bursty"))
    cap = plan_metrics(bench.problem_for(case, 99, 1.0), bench.layout(case, 1.0))["capacity_qps"]
    out = {"capacity_qps": cap, "rows": []}
    for u in [float(x) for x in args.loads.split(",")]:
        load = u * cap
        plan = bench.layout(case, load)
        prob = bench.problem_for(case, 99, load)
        model = plan_metrics(prob, plan)["ttft_s"]
        runs = [(10000, s) for s in range(args.seeds)]
        runs += [(args.long, 100 + s) for s in range(args.long_seeds)]
        for n, seed in runs:
            t0 = time.process_time()
            _, done = simulate_requests(prob, plan, requests=n, seed=seed)
            ttft, _ = latencies(done)
            row = {
                "utilisation": u,
                "requests": n,
                "seed": seed,
                "model_p99_ttft_s": model,
                "sim_p99_ttft_s": float(np.percentile(ttft, 99)),
                "sim_p50_ttft_s": float(np.percentile(ttft, 50)),
                "cpu_s": round(time.process_time() - t0, 1),
            }
            out["rows"].append(row)
            print(json.dumps(row), flush=True)
            args.out.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
