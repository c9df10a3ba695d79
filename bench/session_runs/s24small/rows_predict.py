"""Predictions of every serving calibration row and every public serving row's engine padding,
with the code on PYTHONPATH: run on main and on the branch and diff (s24small item 4: the
vLLM V0 long-context padding fix must move no row).

Usage: PYTHONPATH=CODE python rows_predict.py > OUT.txt
"""

import planner.serve  # registers the serving predictors
import planner.train  # registers the training predictors
from planner.perfmodel.calibration.fit import CALIBRATION_ROWS, kind_of, predict
from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.perfmodel.engines import parse_engine

serving = [
    r for r in CALIBRATION_ROWS if kind_of(r) not in ("training",) and "training" not in kind_of(r)
]
for i, row in enumerate(serving):
    print(f"{i} {type(row).__name__} {kind_of(row)} {predict(row)!r}")
padded = [
    r
    for r in PUBLIC_SERVING_ROWS
    if getattr(r, "engine", None) and parse_engine(r.engine).graph_pad
]
print(f"code: {planner.serve.__file__}")
print(
    f"{len(serving)} serving calibration rows predicted; public serving rows naming pad=N: {len(padded)}"
)
