"""Is the simulated DGX-H100 MLPerf engine (sim_mlperf_h100.py's setup) stationary at the
scheduled rate? Mean TPOT / TTFT per sixth of the requests by arrival, and the batch implied
by Little's law (rate x mean time in system).

Usage: PYTHONPATH=. python bench/session_runs/s20ttft/sim_drift.py [REQUESTS] [SEED] [FRACTION]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from planner.serve.simulate import simulate_requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sim_mlperf_h100 import RATE, h100_engine


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 12000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    qps = RATE * (float(sys.argv[3]) if len(sys.argv) > 3 else 1.0)
    p, plan = h100_engine(qps, 99)
    _, done = simulate_requests(p, plan, requests=n, seed=seed)
    done = sorted(done, key=lambda r: r.arrival)
    print(f"rate {qps:.3f}/s, {n} requests, seed {seed}")
    for part in np.array_split(np.arange(len(done)), 6):
        rs = [done[i] for i in part]
        ttft = np.array([r.first - r.arrival for r in rs])
        tpot = np.array([(r.finish - r.first) / (r.output - 1) for r in rs if r.output > 1])
        life = np.mean([r.finish - r.arrival for r in rs])
        print(
            f"  arrivals {rs[0].arrival:7.1f}-{rs[-1].arrival:7.1f} s: TTFT mean {ttft.mean():.3f} "
            f"p99 {np.percentile(ttft, 99):.3f} | TPOT mean {tpot.mean():.4f} p99 "
            f"{np.percentile(tpot, 99):.4f} | Little batch {qps * life:.0f}"
        )


if __name__ == "__main__":
    main()
