"""Every published calibration row's prediction and error (no search), as CSV.

Usage: PYTHONPATH=<tree> python bench/session_runs/s19kor/all_rows.py OUT.csv
"""

from __future__ import annotations

import csv
import sys

import planner.serve  # (registers the serving predictor)
import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration.fit import CALIBRATION_ROWS, predict


def main() -> None:
    out = sys.argv[1]
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "source", "split", "gpu", "value", "predicted", "error_pct"])
        for row in CALIBRATION_ROWS:
            p = predict(row)
            w.writerow(
                [
                    row.id,
                    row.source,
                    row.split,
                    getattr(row, "gpu", ""),
                    row.value,
                    f"{p:.6g}",
                    f"{(p / row.value - 1) * 100:.3f}",
                ]
            )


if __name__ == "__main__":
    main()
