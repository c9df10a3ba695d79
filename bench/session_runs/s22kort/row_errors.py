"""Time error of every published training row under the current code (issue 18, s22kort).

Usage (from a checkout; PYTHONPATH picks the code measured)::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s22kort/row_errors.py OUT.json

As s20async's ``row_errors.py`` (time error ``measured / predicted - 1`` for rates,
``predicted / measured - 1`` for times, as ``planner calibrate --report``), plus the signed
mean per source (positive: predicted slower than measured).
"""

from __future__ import annotations

import json
import math
import statistics
import sys

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import TRAINING_ROWS


def main(out: str) -> None:
    rows = {}
    for r in TRAINING_ROWS:
        e = time_log_error(r, log_error(r))
        rows[r.id] = {"source": r.source, "split": r.split, "time_error": math.exp(e) - 1}
    with open(out, "w") as f:
        json.dump({"rows": rows}, f, indent=1, sort_keys=True)

    def stats(ids: list[str]) -> str:
        errs = [rows[i]["time_error"] for i in ids]
        mean_abs = statistics.fmean(abs(e) for e in errs)
        return (
            f"n={len(errs)} mean {100 * mean_abs:.2f} % max {100 * max(map(abs, errs)):.2f} %"
            f" signed {100 * statistics.fmean(errs):+.2f} %"
        )

    for split in ("fit", "held-out"):
        print(split, stats([i for i, v in rows.items() if v["split"] == split]))
    for src in sorted({v["source"] for v in rows.values()}):
        print(" ", src, stats([i for i, v in rows.items() if v["source"] == src]))
    for i, v in sorted(rows.items()):
        if v["source"] in ("korthikanti2022", "narayanan2021"):
            print(f"    {i:40s} {100 * v['time_error']:+6.2f} %")


if __name__ == "__main__":
    main(sys.argv[1])
