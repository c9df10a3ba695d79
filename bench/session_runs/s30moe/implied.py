"""Implied extra time per MoE layer and microbatch on the Megatron-Bridge MoE rows.

Run: ``PYTHONPATH=. .venv/bin/python bench/session_runs/s30moe/implied.py`` (seconds).
For every row of ``BRIDGE_MOE`` the model's step is priced twice: as shipped, and with a probe
of 1 ms added to each MoE layer's forward host wait where the row runs the eager expert path
(``Software.eager_experts``), by wrapping ``planner.perfmodel.layer.expert_host_wait``. The
step's slope in the probe is the number of MoE layer-microbatches on the model's critical path
(bottleneck stage, pipeline fill and drain included), so ``(measured - model) / slope`` is the
per-layer-microbatch constant that would close the row with the model's own structure.
"""

from __future__ import annotations

import math

import planner.perfmodel.layer as layer_mod
import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel import constants
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.perfmodel.host import expert_host_seconds
from planner.perfmodel.precision import get_precision
from planner.train.calibration import row_estimate, row_problem

PROBE_S = 1e-3
_orig = layer_mod.expert_host_wait
_extra = {"fwd": 0.0}


def _wrapped(*args, **kwargs):
    fwd, bwd = _orig(*args, **kwargs)
    return fwd + _extra["fwd"], bwd


layer_mod.expert_host_wait = _wrapped


def step(row, extra: float) -> float:
    _extra["fwd"] = extra
    with constants.override({}):  # clears the model's caches
        return row_estimate(row).step_time


def main() -> None:
    print(
        "| row | GPU | eager | dropless | dispatcher | a2a overlap | layout | local experts | "
        "tokens/expert | micro | measured s | model s | error | host s (model) | "
        "slope (layer-mb) | implied ms / layer-mb | model host ms / layer-mb |"
    )
    print("|---" * 17 + "|")
    for row in BRIDGE_MOE:
        problem = row_problem(row)
        sw = problem.software
        model = problem.model
        s_base = step(row, 0.0)  # also resets the probe left by the previous row
        est0 = row_estimate(row)
        assert est0.step_time == s_base
        err = math.exp(time_log_error(row, log_error(row))) - 1.0
        measured = est0.step_time / (1 + err)
        local = model.num_experts // row.ep
        per_expert = row.microbatch * row.seq_len * model.experts_per_token * row.ep
        per_expert //= model.num_experts
        micro = row.global_batch // (row.dp * row.microbatch)
        if sw.eager_experts:
            s0 = step(row, 0.0)
            s1 = step(row, PROBE_S)
            slope = (s1 - s0) / PROBE_S
            implied = 1e3 * (measured - s0) / slope
        else:
            slope, implied = float("nan"), float("nan")
        dropless = sw.capacity_factor is None or sw.capacity_factor == 0
        hf, hb = expert_host_seconds(get_precision(row.precision))
        host_ms = 1e3 * local * (hf + hb)
        layout = f"t{row.tp} p{row.pp} v{row.interleave} e{row.ep} b{row.microbatch}"
        print(
            f"| {row.id} | {row.gpu} | {sw.eager_experts} | {dropless} | {sw.dispatcher} | "
            f"{sw.ep_overlap} | {layout} | {local} | {per_expert} | {micro} | {measured:.2f} | "
            f"{est0.step_time:.2f} | {100 * err:+.1f} % | {est0.breakdown.get('host', 0.0):.2f} | "
            f"{slope:.0f} | {implied:+.2f} | {host_ms:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
