"""Per-layer-microbatch model terms of chosen Megatron-Bridge MoE rows.

Run: ``PYTHONPATH=. .venv/bin/python bench/session_runs/s31sync/layer_probe.py``.
Wraps ``planner.perfmodel.layer.layer_cost`` to record the MoE layer's forward / backward GPU
kernels and host wait, and prints them next to the row's measured time per layer-microbatch.
"""

from __future__ import annotations

import math

import planner.train  # noqa: F401
from planner.perfmodel import constants
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.train.calibration import row_estimate, row_problem

seen: list = []


def main() -> None:
    import planner.perfmodel.stage as stage_mod

    orig = stage_mod.layer_cost

    def spy(*a, **k):
        c = orig(*a, **k)
        if k.get("moe"):
            seen.append((k, c))
        return c

    stage_mod.layer_cost = spy
    keys = (
        "2511moe/B200/qwen3-30b",
        "2509moe/B200/qwen3-30b",
        "2511moe/H100/qwen3-30b",
        "2509moe/H100/qwen3-30b",
        "2604moe/B200/qwen3-30b",
        "2511moe/B200/qwen3-235b",
        "2511moe/GB300/qwen3-235b",
        "2511moe/GB200/qwen3-30b",
    )
    for row in BRIDGE_MOE:
        if not any(k in row.id for k in keys):
            continue
        seen.clear()
        with constants.override({}):
            est = row_estimate(row)
        err = math.exp(time_log_error(row, log_error(row))) - 1.0
        _, c = seen[-1]
        sw = row_problem(row).software
        print(
            f"{row.id} b{row.microbatch} eager={sw.eager_experts} err={100 * err:+.1f}% "
            f"step={est.step_time:.2f}s measured={est.step_time / (1 + err):.2f}s"
        )
        print(
            f"   fwd={1e3 * c.fwd:.2f} bwd={1e3 * c.bwd:.2f} comm_fwd={1e3 * c.comm_fwd:.2f} "
            f"comm_bwd={1e3 * c.comm_bwd:.2f} host={1e3 * c.host:.2f} ep={1e3 * c.ep:.2f} ms"
        )


if __name__ == "__main__":
    main()
