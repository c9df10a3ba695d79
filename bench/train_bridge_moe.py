"""Step-time error of the Megatron-Bridge MoE rows (held out) with the model's breakdown.

Run: ``.venv/bin/python bench/train_bridge_moe.py`` (seconds; the full report is
``planner calibrate --report``). Error = measured / predicted step time - 1.
"""

from __future__ import annotations

import math
import statistics

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.train.calibration import row_estimate

#: Breakdown keys printed (the rest summed as "other").
COLUMNS = (
    "compute",
    "recompute",
    "ep_comm",
    "tp_comm",
    "dp_comm",
    "pp_comm",
    "bubble",
    "optimizer",
)


def main() -> None:
    errors = []
    print("| row | layout | measured s | model s | error | " + " | ".join(COLUMNS) + " | other |")
    print("|---" * (6 + len(COLUMNS)) + "|")
    for row in BRIDGE_MOE:
        est = row_estimate(row)
        err = math.exp(-time_log_error(row, log_error(row))) - 1.0
        errors.append(err)
        measured = est.step_time * (1 + err)
        parts = {k: est.breakdown.get(k, 0.0) for k in COLUMNS}
        other = sum(v for k, v in est.breakdown.items() if k not in COLUMNS)
        layout = f"t{row.tp} p{row.pp} v{row.interleave} e{row.ep} b{row.microbatch}"
        cells = " | ".join(f"{parts[c]:.2f}" for c in COLUMNS)
        fits = "" if est.fits else " (OOM)"
        print(
            f"| {row.id} | {layout} | {measured:.2f} | {est.step_time:.2f}{fits} | "
            f"{100 * err:+.1f} % | {cells} | {other:.2f} |"
        )
    print()
    print(
        f"{len(errors)} rows: mean |error| {100 * statistics.fmean(abs(e) for e in errors):.1f} %, "
        f"max {100 * max(abs(e) for e in errors):.1f} %"
    )


if __name__ == "__main__":
    main()
