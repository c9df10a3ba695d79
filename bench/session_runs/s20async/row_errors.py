"""Time error of every published training row under the current code (issue 18, s20async).

Usage (from a checkout; PYTHONPATH picks the code measured)::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s20async/row_errors.py OUT.json

Writes each row's prediction and time error (``measured / predicted - 1`` for rates,
``predicted / measured - 1`` for times, as ``planner calibrate --report``) and prints mean /
max |error| per split, per source, and for the Korthikanti 2022 Table 5 rows.
"""

from __future__ import annotations

import json
import math
import statistics
import sys

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import TRAINING_ROWS, TrainingRow
from planner.perfmodel.options import Software


def main(out: str) -> None:
    rows = {}
    for r in TRAINING_ROWS:
        assert isinstance(r, TrainingRow)
        e = time_log_error(r, log_error(r))
        sw = Software.from_dict(dict(r.software))
        rows[r.id] = {
            "source": r.source,
            "split": r.split,
            "tp": r.tp,
            "tp_overlap": sw.tp_overlap,
            "tp_bwd_overlap": sw.tp_bwd_overlap,
            "time_error": math.exp(e) - 1,
        }
    with open(out, "w") as f:
        json.dump({"default_tp_bwd_overlap": Software().tp_bwd_overlap, "rows": rows}, f, indent=1)

    def stats(ids):
        errs = [abs(rows[i]["time_error"]) for i in ids]
        return (
            f"n={len(errs)} mean {100 * statistics.fmean(errs):.2f} % max {100 * max(errs):.2f} %"
        )

    for split in ("fit", "held-out"):
        print(split, stats([i for i, v in rows.items() if v["split"] == split]))
    print(
        "korthikanti2022", stats([i for i, v in rows.items() if v["source"] == "korthikanti2022"])
    )
    for src in sorted({v["source"] for v in rows.values()}):
        print(" ", src, stats([i for i, v in rows.items() if v["source"] == src]))


if __name__ == "__main__":
    main(sys.argv[1])
