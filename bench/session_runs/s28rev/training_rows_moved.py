"""Training rows whose prediction moves between main's constants and this branch's.

The s28lead refit changes serving constants only, but ``gemm_efficiency_cdna3`` (serving-fitted)
also prices training GEMMs on CDNA3 without AMD's tuned image, on CDNA4 (MI355X) and on GPUs of
an unknown vendor (``kernels.uncalibrated_rule``). This lists every training row whose
prediction changes, main -> branch. Usage (from the worktree):
``PYTHONPATH=. .venv/bin/python bench/session_runs/s28rev/training_rows_moved.py MAIN.json``
with MAIN.json = ``git show main:planner/perfmodel/calibration/constants.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import planner.serve  # registers the serving predictor
import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel import constants
from planner.perfmodel.calibration import fit
from planner.perfmodel.calibration.published import TRAINING_ROWS


def main(main_constants: Path) -> None:
    """Print the rows whose prediction differs (relative change over 1e-9)."""
    branch = {r.id: fit.predict(r) for r in TRAINING_ROWS}
    with constants.override(constants.load(main_constants)):
        before = {r.id: fit.predict(r) for r in TRAINING_ROWS}
    moved = 0
    for row in TRAINING_ROWS:
        a, b = before[row.id], branch[row.id]
        if abs(b / a - 1.0) > 1e-9:
            moved += 1
            err_a, err_b = a / row.value - 1.0, b / row.value - 1.0
            print(
                f"{row.id} [{row.split}]: {a:.6g} -> {b:.6g} ({b / a - 1:+.3%}); "
                f"error {err_a:+.2%} -> {err_b:+.2%}"
            )
    print(f"{moved} of {len(TRAINING_ROWS)} training rows moved")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
