"""Predictions of every serving calibration row with the shipped constants (no refit).

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s25kvmem/fit_rows.py OUT.csv [--all]

Fit rows only, or with ``--all`` the held-out calibration rows too (column ``split``).

Run once with main's code and once with this branch's; a row whose prediction differs moved.
"""

from __future__ import annotations

import csv
import sys
import time

import planner.serve
import planner.train  # noqa: F401  (registers the row predictors)
from planner.perfmodel.calibration import fit as calibration

start = time.process_time()
with open(sys.argv[1], "w", newline="") as fh:
    out = csv.writer(fh)
    out.writerow(["id", "stage", "split", "measured", "predicted"])
    for row in calibration.CALIBRATION_ROWS:
        stage = calibration.kind_of(row)
        held_out = row.split != calibration.FIT and "--all" not in sys.argv
        if held_out or stage in ("training", "cdna3_training"):
            continue
        out.writerow([row.id, stage, row.split, row.value, repr(calibration.predict(row))])
print(f"{time.process_time() - start:.1f} s CPU", file=sys.stderr)
