"""The simulator's own spread: p90 / p99 TTFT and TPOT of one grid case at one load over
several seeds (and optionally longer traces), beside the model's values.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s15ttft/spread.py CASE UTIL
       [--seeds N] [--requests R]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/

import serve_simulator as grid

from planner.serve.evaluate import plan_metrics
from planner.serve.simulate import latencies, simulate_requests

args = sys.argv[1:]
opts = {"--seeds": 5, "--requests": 10000}
for k in list(opts):
    if k in args:
        i = args.index(k)
        opts[k] = int(args[i + 1])
        del args[i : i + 2]
name, u = args[0], float(args[1])
case = next(c for c in grid.CASES if c.name.startswith(name))
cap = plan_metrics(grid.problem_for(case, 99, 1.0), grid.layout(case, 1.0))["capacity_qps"]
load = u * cap
plan = grid.layout(case, load)
model = {q: plan_metrics(grid.problem_for(case, q, load), plan) for q in (90, 99)}
print(
    f"{case.name} at {u:.0%} ({load:.3f} req/s), {opts['--requests']} requests per seed;"
    f" model TTFT p90 {1e3 * model[90]['ttft_s']:.1f} p99 {1e3 * model[99]['ttft_s']:.1f} ms,"
    f" TPOT p90 {1e3 * model[90]['tpot_s']:.1f} p99 {1e3 * model[99]['tpot_s']:.1f} ms",
    flush=True,
)
res = []
for seed in range(opts["--seeds"]):
    c0 = time.process_time()
    _, done = simulate_requests(
        grid.problem_for(case, 99, load), plan, requests=opts["--requests"], seed=seed
    )
    ttft, tpot = latencies(done)
    row = [
        np.percentile(ttft, 90),
        np.percentile(ttft, 99),
        np.percentile(tpot, 90),
        np.percentile(tpot, 99),
    ]
    res.append(row)
    print(
        f"seed {seed}: TTFT p90 {1e3 * row[0]:.1f} p99 {1e3 * row[1]:.1f} ms, TPOT p90"
        f" {1e3 * row[2]:.1f} p99 {1e3 * row[3]:.1f} ms ({time.process_time() - c0:.0f} CPU s)",
        flush=True,
    )
a = 1e3 * np.array(res)
print(
    "mean (sd) over seeds: TTFT p90 {:.1f} ({:.1f}) p99 {:.1f} ({:.1f}), TPOT p90 {:.1f} ({:.1f})"
    " p99 {:.1f} ({:.1f}) ms".format(
        *[v for j in range(4) for v in (a[:, j].mean(), a[:, j].std(ddof=1) if len(a) > 1 else 0.0)]
    )
)
print(
    "model error vs the seeds' mean: TTFT p90 {:+.1%} p99 {:+.1%}, TPOT p90 {:+.1%} p99 {:+.1%}".format(
        model[90]["ttft_s"] * 1e3 / a[:, 0].mean() - 1,
        model[99]["ttft_s"] * 1e3 / a[:, 1].mean() - 1,
        model[90]["tpot_s"] * 1e3 / a[:, 2].mean() - 1,
        model[99]["tpot_s"] * 1e3 / a[:, 3].mean() - 1,
    )
)
