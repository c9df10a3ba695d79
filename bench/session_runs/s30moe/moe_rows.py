"""Time error of every MoE training row (all sources) with the current code.

Run from a checkout: ``PYTHONPATH=. .venv/bin/python bench/session_runs/s30moe/moe_rows.py``.
Run it in /work/main (before) and in the s30moe worktree (after) and diff the two outputs
(``before.md`` / ``after.md`` here). Prints per row: split, eager / fused flags, time error
(predicted / measured step time - 1), and per source the mean / max |error|.
"""

from __future__ import annotations

import math
import statistics

import planner.serve
import planner.train  # noqa: F401
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import ROWS, TrainingRow
from planner.train.calibration import row_problem


def main() -> None:
    by: dict[str, list[float]] = {}
    print("| row | split | eager | fused | time error |")
    print("|---|---|---|---|---|")
    for row in ROWS:
        if not isinstance(row, TrainingRow):
            continue
        problem = row_problem(row)
        if not problem.model.num_experts:
            continue
        sw = problem.software
        err = math.exp(time_log_error(row, log_error(row))) - 1.0
        by.setdefault(row.source, []).append(err)
        fused = getattr(sw, "fused_experts", "-")
        print(f"| {row.id} | {row.split} | {sw.eager_experts} | {fused} | {100 * err:+.1f} % |")
    print("\n| source | rows | mean abs | max abs |")
    print("|---|---|---|---|")
    for s, v in by.items():
        a = [abs(x) for x in v]
        print(f"| {s} | {len(v)} | {100 * statistics.fmean(a):.1f} % | {100 * max(a):.1f} % |")


if __name__ == "__main__":
    main()
