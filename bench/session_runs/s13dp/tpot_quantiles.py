"""DeepSeek ep8 at 35 % of the model's capacity: the model's TPOT / TTFT quantiles (p50-p99)
beside the simulated ones (the saved simulation of ``--sims /tmp/s13dp_sims``).

Usage::

    .venv/bin/python bench/session_runs/s13dp/tpot_quantiles.py
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/

import serve_simulator as grid

from planner.serve.evaluate import plan_metrics


def main() -> None:
    case = next(c for c in grid.CASES if c.name.startswith("DeepSeek"))
    cap = plan_metrics(grid.problem_for(case, 99, 1.0), grid.layout(case, 1.0))["capacity_qps"]
    load = 0.35 * cap
    plan = grid.layout(case, load)
    what = repr((grid.problem_for(case, 99, load), plan, 10000, 0, grid.simulator_code()))
    saved = np.load(f"/tmp/s13dp_sims/{hashlib.sha1(what.encode()).hexdigest()[:20]}.npz")
    for q in (50, 75, 90, 99):
        m = plan_metrics(grid.problem_for(case, q, load), plan)
        print(
            f"p{q}: TPOT model {m['tpot_s'] * 1e3:.1f} ms, simulated "
            f"{np.percentile(saved['tpot'], q) * 1e3:.1f}; TTFT model {m['ttft_s'] * 1e3:.1f}, "
            f"simulated {np.percentile(saved['ttft'], q) * 1e3:.1f}"
        )


if __name__ == "__main__":
    main()
