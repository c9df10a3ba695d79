"""Predicted value of every calibration row whose model has a sliding window or chunked
attention, to full precision (``PYTHONPATH=<checkout> python row_predictions.py``): the rows
that change when the attention band changes."""

from __future__ import annotations

import planner.serve  # registers the serving predictor
import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration import fit
from planner.perfmodel.calibration.published import ROWS
from planner.perfmodel.readers import load_model


def main() -> None:
    for row in ROWS:
        model = getattr(row, "model", "")
        try:
            spec = load_model(model)
        except Exception:  # rows naming models by another key
            continue
        if spec.sliding_window:
            print(f"{row.id}\t{fit.predict(row)!r}")


if __name__ == "__main__":
    main()
