"""The model's operating point of each MLPerf llama2-70b engine: batch, mean iteration, decode
step, host time, KV tokens needed / available, at its capacity (Offline: saturation; Server:
the largest rate meeting MLPerf's p99 limits).

Usage: PYTHONPATH=. python bench/session_runs/s20mlperf/operating_points.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from planner.perfmodel.calibration.mlperf import DATASETS, MLPERF_ROWS
from planner.perfmodel.engines import host_overhead_s

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mlperf_role import role


def main() -> None:
    data = DATASETS["llama-2-70b"]
    for r in MLPERF_ROWS:
        if r.model != "llama-2-70b" or r.metric != "output_tokens_per_s":
            continue
        model = role(r)
        lam, point, _ = model.capacity()
        b = point.batch
        eng = model.engine
        host = float(host_overhead_s(eng.engine, b))
        ctx = data.input_mean + r.output_mean / 2
        dec = float(eng.base_time(np.array([b]), b, ctx)[0])
        print(
            f"{r.id.split('/llama-2-70b')[0]:45s} {r.scenario:8s} rate/engine {lam:6.2f} "
            f"(measured {r.value / r.output_mean / r.engines:6.2f}) batch {b:7.1f} "
            f"mean iter {point.tpot_mean_s * 1e3:6.1f} ms decode step {dec * 1e3:6.1f} ms "
            f"host {host * 1e3:6.1f} ms kv {point.kv_tokens:8.0f}/{point.kv_capacity:8.0f} "
            f"viol {point.violations}"
        )


if __name__ == "__main__":
    main()
