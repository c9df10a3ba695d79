"""Predictions of every published training row (before / after comparison of a model change).

Usage: PYTHONPATH=. python bench/session_runs/s21titan/row_predictions.py OUT.json
"""

from __future__ import annotations

import json
import sys

import planner.train  # noqa: F401  (registers the predictor)
from planner.perfmodel.calibration.published import TRAINING_ROWS
from planner.train.calibration import predict


def main(out: str) -> None:
    preds = {row.id: predict(row) for row in TRAINING_ROWS}
    with open(out, "w") as fh:
        json.dump(preds, fh, indent=1, sort_keys=True)
    print(f"{len(preds)} rows -> {out}")


if __name__ == "__main__":
    main(sys.argv[1])
