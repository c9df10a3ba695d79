"""Refit the training stage only (the 7 NVIDIA training constants) on the current rows and
print every training row's time error under it, without writing the constants file.

A quick stand-in for ``planner calibrate`` while exploring: the serving / CDNA3 stages are not
refitted (AMD training rows keep the shipped ``gemm_efficiency_cdna3_training``).

Usage: PYTHONPATH=. python bench/session_runs/s22kort/training_refit.py OUT.json [--main]

``--main``: Table 1 rows with main's software (reproduces the shipped training constants).
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from dataclasses import replace

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel import constants
from planner.perfmodel.calibration.fit import (
    CALIBRATION_ROWS,
    fit,
    kind_of,
    log_error,
    time_log_error,
)
from planner.perfmodel.calibration.published import TRAINING_ROWS


def as_main(row):
    """``row`` with main's Table 1 software (without the s22kort gradient facts)."""
    if row.source != "narayanan2021":
        return row
    return replace(row, software=(("pp_overlap", False), ("tp_bwd_overlap", False)))


def main(out: str, main_rows: bool = False) -> None:
    pick = as_main if main_rows else (lambda r: r)
    rows = [pick(r) for r in CALIBRATION_ROWS if kind_of(r) == "training"]
    res = fit(rows=rows)
    shipped = dict(constants.FITTED)
    values = dict(shipped)
    for k in _training_names():
        values[k] = res.values[k]
    for k in _training_names():
        print(f"{k:28s} shipped {shipped[k]:.6g} refit {values[k]:.6g}")
    print("training loss", res.loss.get("training"))
    errs = {}
    with constants.override(values):
        for r in map(pick, TRAINING_ROWS):
            errs[r.id] = (r.source, r.split, math.exp(time_log_error(r, log_error(r))) - 1)
    with open(out, "w") as f:
        json.dump({"constants": values, "rows": errs}, f, indent=1, sort_keys=True)

    def stats(sel: list[float]) -> str:
        return (
            f"n={len(sel)} mean {100 * statistics.fmean(map(abs, sel)):.2f} % "
            f"max {100 * max(map(abs, sel)):.2f} % signed {100 * statistics.fmean(sel):+.2f} %"
        )

    for split in ("fit", "held-out"):
        print(split, stats([e for _, s, e in errs.values() if s == split]))
    for src in sorted({s for s, _, _ in errs.values()}):
        print(" ", src, stats([e for s, _, e in errs.values() if s == src]))
    for i, (s, _, e) in sorted(errs.items()):
        if s in ("korthikanti2022", "narayanan2021"):
            print(f"    {i:40s} {100 * e:+6.2f} %")


def _training_names() -> list[str]:
    from planner.perfmodel.calibration.fit import PARAMETERS

    return [p.name for p in PARAMETERS if p.kind == "training"]


if __name__ == "__main__":
    main(sys.argv[1], "--main" in sys.argv[2:])
