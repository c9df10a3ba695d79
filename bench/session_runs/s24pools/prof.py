"""s24pools: profile the multi-pool search before its first plan (cProfile, one thread).

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s24pools/prof.py MODEL CLUSTER BATCH T
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time

from planner.train.api import make_problem, solve


def main() -> None:
    model, cluster, batch, t = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    prob = make_problem(model, cluster, global_batch=batch, seq_len=4096)
    prof = cProfile.Profile()
    c0 = time.process_time()
    prof.enable()
    res = solve(prob, "auto", time_limit=t, threads=1)
    prof.disable()
    cpu = time.process_time() - c0
    sol = res.solution
    print(res.status, res.objective, res.bound, f"cpu {cpu:.2f}", sol.short() if sol else None)
    print({k: v for k, v in res.stats.items() if k in ("evaluated", "configs", "complete")})
    pstats.Stats(prof).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
