"""Information only (not applied): Narayanan 2021 Table 1 rows with the asynchronous backward
switched on, against the evidence (the code reached Megatron-LM's main on 2021-09-07, after the
paper's runs). Prints each row's time error with the switch off (as committed) and on.

    PYTHONPATH=. .venv/bin/python bench/session_runs/s20async/narayanan_counterfactual.py
"""

from __future__ import annotations

import dataclasses
import math
import statistics

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import TRAINING_ROWS


def err(row) -> float:
    return math.exp(time_log_error(row, log_error(row))) - 1


rows = [r for r in TRAINING_ROWS if r.source == "narayanan2021"]
off, on = [], []
for r in rows:
    flipped = dataclasses.replace(r, software=(*r.software, ("tp_bwd_overlap", True)))
    off.append(err(r))
    on.append(err(flipped))
    print(f"{r.id:32s} t={r.tp} off {100 * off[-1]:+6.2f} %  on {100 * on[-1]:+6.2f} %")
for name, e in (("off (committed)", off), ("on (counterfactual)", on)):
    a = [abs(x) for x in e]
    print(f"{name}: mean {100 * statistics.fmean(a):.2f} % max {100 * max(a):.2f} %")
