"""Model vs simulator TTFT / TPOT at p50 / p90 / p99 on a few grid cases of
``bench/serve_simulator.py`` (same layouts, loads, 10,000-request traces, seed 0).

Simulations are saved in ``--sims`` (default ``/tmp/s22burst_sims``) and reused, so a rerun
after a model change recomputes the model side only. Writes ``<out>.json`` and prints a
table.

Usage::

    nice -n 10 .venv/bin/python bench/session_runs/s22burst/ttft_percentiles.py \
        [--case '8B chat'] [--out NAME]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import serve_simulator as bench

from planner.serve.evaluate import plan_metrics

HERE = Path(__file__).resolve().parent
DEFAULT_CASES = [
    "8B chat",
    "8B chat bursty (scv 2)",
    "8B chat A100",
    "70B chat fp8 tp4",
    "Mixtral chat tp2",
    "8B long prompts",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", action="append", default=[])
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sims", type=Path, default=Path("/tmp/s22burst_sims"))
    ap.add_argument("--out", default="ttft_percentiles")
    args = ap.parse_args()
    args.sims.mkdir(parents=True, exist_ok=True)
    bench.SIMS = args.sims
    names = args.case or DEFAULT_CASES
    rows = []
    for case in [c for c in bench.CASES if c.name in names]:
        cap = plan_metrics(bench.problem_for(case, 99, 1.0), bench.layout(case, 1.0))[
            "capacity_qps"
        ]
        for u in case.utilisations:
            if u > 0.8:
                continue
            load = u * cap
            plan = bench.layout(case, load)
            ttft, tpot, _ = bench.simulated(
                bench.problem_for(case, 99, load), plan, args.requests, args.seed
            )
            for q in (50, 90, 99):
                m = plan_metrics(bench.problem_for(case, q, load), plan)
                st, sp = float(np.percentile(ttft, q)), float(np.percentile(tpot, q))
                rows.append(
                    {
                        "case": case.name,
                        "utilisation": u,
                        "pct": q,
                        "model_ttft_ms": 1000 * m["ttft_s"],
                        "sim_ttft_ms": 1000 * st,
                        "ttft_err": m["ttft_s"] / st - 1,
                        "model_tpot_ms": 1000 * m["tpot_s"],
                        "sim_tpot_ms": 1000 * sp,
                        "tpot_err": m["tpot_s"] / sp - 1,
                    }
                )
                r = rows[-1]
                print(
                    f"{r['case']:28s} {u:4.0%} p{q}: TTFT {r['model_ttft_ms']:7.1f} vs "
                    f"{r['sim_ttft_ms']:7.1f} ({100 * r['ttft_err']:+6.1f} %)  TPOT "
                    f"{r['model_tpot_ms']:6.1f} vs {r['sim_tpot_ms']:6.1f} "
                    f"({100 * r['tpot_err']:+6.1f} %)",
                    flush=True,
                )
    (HERE / f"{args.out}.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
