"""Each Megatron-Bridge MoE row: model step seconds and error, six digits (s19moe before / after).

Run: ``PYTHONPATH=<tree> .venv/bin/python bench/session_runs/s19moe/exact.py`` once with main's
tree and once with the branch's, then diff (``exact_main.txt`` / ``exact_branch.txt``).
"""

from __future__ import annotations

import math

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.train.calibration import row_estimate


def main() -> None:
    for row in BRIDGE_MOE:
        est = row_estimate(row)
        err = math.exp(time_log_error(row, log_error(row))) - 1.0
        print(row.id, f"{est.step_time:.6f}", f"{100 * err:+.3f}")


if __name__ == "__main__":
    main()
