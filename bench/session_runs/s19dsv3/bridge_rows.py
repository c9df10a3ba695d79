"""The DeepSeek-V3 anchor and the Megatron-Bridge MoE rows (held out), predicted alone, with
main's pricing or (``--consistent``) with the DualPipe held-SM price applied to Megatron-Core's
EP A2A overlap too (``a2a_consistent_search.consistent_sm_share``; an experiment, no model
change).

Usage::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s19dsv3/bridge_rows.py [--consistent]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from a2a_consistent_search import price

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.train.calibration import row_estimate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--consistent", action="store_true")
    args = ap.parse_args()
    price(args.consistent)
    errors = []
    for row in BRIDGE_MOE:
        e = row_estimate(row)
        err = math.exp(time_log_error(row, log_error(row))) - 1.0
        errors.append(err)
        print(f"{row.id}: model {e.step_time:.3f} s, error {100 * err:+.1f} %")
    print(
        f"{len(errors)} rows: mean |error| {100 * statistics.fmean(abs(x) for x in errors):.1f} %, "
        f"max {100 * max(abs(x) for x in errors):.1f} %"
    )


if __name__ == "__main__":
    main()
