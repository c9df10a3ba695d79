"""A per-local-expert term instead of one constant per MoE layer-microbatch (probe, not the model).

Run: ``PYTHONPATH=. .venv/bin/python bench/session_runs/s30moe/per_expert_fit.py [SOURCE]``.
Adds ``c`` seconds per expert GEMM call (2 forward, 4 backward per local expert and MoE layer,
:func:`planner.perfmodel.host.expert_gemms`) to each eager MoE layer's waits, on top of what
the model prices; reports the fitted ``c`` on SOURCE's eager rows and every eager row's time
error at it, and at the cited 24.75 us (:data:`planner.perfmodel.host.EXPERT_GEMM_CALL_S`).
"""

from __future__ import annotations

import math
import statistics
import sys

import planner.perfmodel.layer as layer_mod
import planner.train  # noqa: F401
from planner.perfmodel import constants
from planner.perfmodel.calibration.fit import golden_section, log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.perfmodel.host import EXPERT_GEMM_CALL_S, expert_gemms
from planner.train.calibration import row_estimate, row_problem

_orig = layer_mod.expert_host_wait
_c = {"c": 0.0}


def _wrapped(local, *args, **kwargs):
    fwd, bwd = _orig(local, *args, **kwargs)
    gf, gb = expert_gemms()
    return fwd + local * gf * _c["c"], bwd + local * gb * _c["c"]


layer_mod.expert_host_wait = _wrapped


def step(row, c: float) -> float:
    _c["c"] = c
    with constants.override({}):
        return row_estimate(row).step_time


def main(fit_source: str) -> None:
    eager = [r for r in BRIDGE_MOE if row_problem(r).software.eager_experts]
    meas = {}
    for r in eager:
        s0 = step(r, 0.0)
        meas[r.id] = s0 / math.exp(time_log_error(r, log_error(r)))
    fit_rows = [r for r in eager if r.source == fit_source]

    def loss(c: float) -> float:
        return statistics.fmean(math.log(step(r, c) / meas[r.id]) ** 2 for r in fit_rows)

    c = golden_section(loss, 0.0, 200e-6, 30)
    print(
        f"fit on {fit_source} ({len(fit_rows)} eager rows): c = {1e6 * c:.2f} us per expert GEMM call"
    )
    print(f"cited: {1e6 * EXPERT_GEMM_CALL_S:.2f} us (TE PR #3134)\n")
    print("| row | local experts | before | fitted c | cited c |")
    print("|---|---|---|---|---|")
    by = {}
    for r in eager:
        local = row_problem(r).model.num_experts // r.ep
        e = [step(r, x) / meas[r.id] - 1 for x in (0.0, c, EXPERT_GEMM_CALL_S)]
        by.setdefault(r.source, []).append(e)
        print(f"| {r.id} | {local} | " + " | ".join(f"{100 * x:+.1f} %" for x in e) + " |")
    print("\n| source | rows | mean / max before | fitted c | cited c |")
    print("|---|---|---|---|---|")
    for s, v in by.items():
        cells = []
        for i in range(3):
            a = [abs(x[i]) for x in v]
            cells.append(f"{100 * statistics.fmean(a):.1f} / {100 * max(a):.1f} %")
        print(
            f"| {s}{' (fit)' if s == fit_source else ''} | {len(v)} | " + " | ".join(cells) + " |"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bridge2509moe")
