"""Predictions of every public row whose engine runs multi-step scheduling (steps > 1) other
than MLPerf's, printed for a diff between two trees (the multi-step round wait moves TTFT only).

Usage: PYTHONPATH=<tree> python bench/session_runs/s20mlperf/multistep_rows_unchanged.py
"""

from __future__ import annotations

from planner.perfmodel.calibration.published import FIT
from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.perfmodel.engines import parse_engine
from planner.serve.calibration import predict_public_fit
from planner.serve.public import predict_public

for r in PUBLIC_SERVING_ROWS:
    if parse_engine(r.engine).scheduler_steps <= 1:
        continue
    v = predict_public_fit(r) if r.split == FIT else predict_public(r)
    print(f"{r.id} {r.metric} {v!r}")
