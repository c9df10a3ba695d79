"""s24pools: the anytime curve of ``auto`` on a mixed cluster (best objective against CPU).

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s24pools/anytime.py MODEL CLUSTER BATCH T

Wraps ``TopK.offer`` to log (CPU seconds since the start, best objective held) whenever the
best changes, then prints the result and the best held at 2, 5 and 20 s of CPU.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time

from planner.train import search as tsearch
from planner.train.api import make_problem, solve


def main() -> None:
    model, cluster, batch, t = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    prob = make_problem(model, cluster, global_batch=batch, seq_len=4096)
    trace: list[tuple[float, float]] = []
    best = [math.inf]
    orig = tsearch.TopK.offer
    c0 = time.process_time()

    def offer(self, plan, q):
        orig(self, plan, q)
        # plans on several pools only: the per-pool searches' own TopK see sub-problems
        if plan.stage_pools and q.objective < best[0]:
            best[0] = q.objective
            trace.append((round(time.process_time() - c0, 2), round(q.objective, 3)))

    tsearch.TopK.offer = offer
    w0 = time.perf_counter()
    res = solve(prob, "auto", time_limit=t, threads=1)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    at = {s: min((o for c, o in trace if c <= s), default=None) for s in (2, 5, 20)}
    sol = res.solution
    row = {
        "model": os.path.basename(model),
        "cluster": cluster,
        "t": t,
        "status": str(res.status),
        "objective": res.objective,
        "bound": res.bound,
        "plan": sol.short() if sol else None,
        "wall": round(wall, 2),
        "cpu": round(cpu, 2),
        "load1": os.getloadavg()[0],
        "first": trace[0] if trace else None,
        "best_at_cpu": at,
        "trace": trace[-8:],
        "fallback": res.stats.get("fallback"),
    }
    print(json.dumps(row))


if __name__ == "__main__":
    main()
