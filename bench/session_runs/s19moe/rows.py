"""Step-time error of every Megatron-Bridge MoE row (helper s19moe's audit).

Run: ``PYTHONPATH=. .venv/bin/python bench/session_runs/s19moe/rows.py [ID_SUBSTRING ...]``
(about a second; only these rows are predicted, not the report). Error as the report gives
it: predicted / measured step time - 1 (negative: the model is too fast). Prints the row's
software settings next to its error and the model's host and data-parallel parts.
"""

from __future__ import annotations

import math
import sys

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.train.calibration import row_estimate


def main(args: list[str]) -> None:
    print("| row | error | model s | host s | dp_comm s | software |")
    print("|---|---|---|---|---|---|")
    for row in BRIDGE_MOE:
        if args and not any(a in row.id for a in args):
            continue
        est = row_estimate(row)
        err = math.exp(time_log_error(row, log_error(row))) - 1.0
        sw = ", ".join(f"{k}={v}" for k, v in row.software if k not in ("grad_bytes",))
        print(
            f"| {row.id} | {100 * err:+.1f} % | {est.step_time:.2f} | "
            f"{est.breakdown.get('host', 0.0):.2f} | {est.breakdown.get('dp_comm', 0.0):.2f} | {sw} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
