"""Predictions of every calibration row with the shipped constants, as JSON (row id -> [kind,
prediction]): run on two checkouts and compare the files to see whether a change moves the fit.

PYTHONPATH=CHECKOUT python bench/session_runs/s14bad/calibration_predictions.py OUT.json
"""

import json
import sys
from pathlib import Path

from planner.perfmodel.calibration import fit

out = {}
for r in fit.CALIBRATION_ROWS:
    try:
        out[r.id] = [fit.kind_of(r), fit.predict(r)]
    except Exception as e:
        out[r.id] = [fit.kind_of(r), repr(e)]
Path(sys.argv[1]).write_text(json.dumps(out))
print(len(out))
