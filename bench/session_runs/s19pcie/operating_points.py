"""Operating point of the L40S TP and RTX PRO PP rows: engines, batch, iteration ms, the share
of the iteration the collectives / pipeline hand-offs take (diagnostic, s19pcie).

    PYTHONPATH=. /work/main/.venv/bin/python bench/session_runs/s19pcie/operating_points.py
"""

from __future__ import annotations

import sys

import numpy as np

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.serve.calibration import predict, row_role


def point(r):
    role = row_role(r)
    _rate, pt, _ = role.capacity()
    engine = role.engine
    b = pt.batch
    ctx = r.input_tokens + r.output_tokens / 2
    full = float(engine.base_time(np.array([b]), b, ctx)[0])
    bare = float(engine.without_communication().base_time(np.array([b]), b, ctx)[0])
    return engine, pt, full, bare


def main(filt: str) -> None:
    print("| row | pub | pred | err | batch | iter ms | decode-step comm share |")
    for r in INFERENCE_GPU_ROWS:
        if filt not in r.id:
            continue
        p = predict(r)
        _, pt, full, bare = point(r)
        print(
            f"| {r.id} | {r.value:g} | {p:.0f} | {p / r.value - 1:+.1%} | {pt.batch:.0f} | "
            f"{1e3 * pt.tpot_mean_s:.1f} | {1 - bare / full:.1%} |"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
