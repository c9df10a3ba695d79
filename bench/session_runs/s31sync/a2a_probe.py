"""Upper bound of the host time the A2A-overlap rows could expose after the dropless sync.

Run: ``PYTHONPATH=. .venv/bin/python bench/session_runs/s31sync/a2a_probe.py`` (seconds).
With ``moe_a2a_overlap`` Megatron-Core runs one microbatch's forward and another's backward
layer by layer from one host thread, so the forward dispatch's token-count sync also drains the
backward's queued kernels. Upper bound: every per-expert host launch of the layer, forward and
backward, added to the GPU time (no overlap at all), on the dropless rows with ``ep_overlap``
``a2a``; printed next to the shipped error.
"""

from __future__ import annotations

import math

import planner.perfmodel.layer as layer_mod
import planner.serve
import planner.train  # noqa: F401
from planner.perfmodel import constants
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.perfmodel.host import EAGER_LAUNCH_S, expert_host_seconds
from planner.train.calibration import row_problem

_orig = layer_mod.expert_host_wait
ON = {"on": False}


def _wrapped(local_experts, prec, *, experts_fwd, layer_fwd, layer_bwd, sync):
    if ON["on"] and sync:
        f, b = expert_host_seconds(prec)
        return local_experts * f + EAGER_LAUNCH_S, local_experts * b
    return _orig(
        local_experts,
        prec,
        experts_fwd=experts_fwd,
        layer_fwd=layer_fwd,
        layer_bwd=layer_bwd,
        sync=sync,
    )


layer_mod.expert_host_wait = _wrapped


def err(row) -> float:
    with constants.override({}):
        return math.exp(time_log_error(row, log_error(row))) - 1.0


def main() -> None:
    print("| row | local experts | shipped | all host added (fwd + bwd) |")
    print("|---|---|---|---|")
    for row in BRIDGE_MOE:
        sw = row_problem(row).software
        if sw.ep_overlap != "a2a" or sw.capacity_factor or not sw.eager_experts:
            continue
        ON["on"] = False
        e0 = err(row)
        ON["on"] = True
        e1 = err(row)
        ON["on"] = False
        local = row_problem(row).model.num_experts // row.ep
        print(f"| {row.id} | {local} | {100 * e0:+.1f} % | {100 * e1:+.1f} % |")


if __name__ == "__main__":
    main()
