"""Fit the per-expert GEMM call time of :mod:`planner.perfmodel.expert_calls` on one source.

Run: ``PYTHONPATH=. .venv/bin/python bench/session_runs/s30moe/fit_calls.py SOURCE`` (about
20 s). A cross-check of the cited 24.75 us (TE PR #3134), not the model's constant: the value
``c`` of ``expert_calls.EXPERT_GEMM_CALL_S`` (patched in that module only; the host launches
keep theirs) minimizing the mean squared log error over SOURCE's rows with per-expert calls
(``fused_experts`` False), golden section on 0-100 us; then the mean / max |time error| of
every Megatron-Bridge MoE source at 0, at the fitted ``c`` and at the cited value.
"""

from __future__ import annotations

import math
import statistics
import sys

import planner.perfmodel.expert_calls as calls
import planner.train  # noqa: F401
from planner.perfmodel import constants
from planner.perfmodel.calibration.fit import golden_section, log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.perfmodel.host import EXPERT_GEMM_CALL_S
from planner.train.calibration import row_problem


def errors(rows, c: float) -> list[float]:
    calls.EXPERT_GEMM_CALL_S = c
    with constants.override({}):
        return [-log_error(r) for r in rows]  # tokens/s rows: time log error = -metric's


def main(source: str) -> None:
    unfused = [r for r in BRIDGE_MOE if not row_problem(r).software.fused_experts]
    fit_rows = [r for r in unfused if r.source == source]

    def loss(c: float) -> float:
        return statistics.fmean(e * e for e in errors(fit_rows, c))

    c = golden_section(loss, 0.0, 100e-6, 30)
    print(
        f"fit on {source} ({len(fit_rows)} rows with per-expert calls): {1e6 * c:.2f} us per call"
    )
    print(f"cited: {1e6 * EXPERT_GEMM_CALL_S:.2f} us\n")
    print("| source | rows | 0 us: mean / max | fitted | cited |")
    print("|---|---|---|---|---|")
    for s in dict.fromkeys(r.source for r in BRIDGE_MOE):
        rows = [r for r in BRIDGE_MOE if r.source == s]
        cells = []
        for x in (0.0, c, EXPERT_GEMM_CALL_S):
            a = [abs(math.exp(e) - 1) for e in errors(rows, x)]
            cells.append(f"{100 * statistics.fmean(a):.1f} / {100 * max(a):.1f} %")
        print(f"| {s}{' (fit)' if s == source else ''} | {len(rows)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
