"""Decompose the model's prediction of the Korthikanti Table 5 rows (and fit rows).

Usage: PYTHONPATH=. python bench/session_runs/s19kor/decompose.py [--prefix korthikanti2022]
"""

from __future__ import annotations

import argparse
import json

import planner.train  # noqa: F401  registers the predictor
from planner.perfmodel.calibration.published import ROWS
from planner.train.calibration import predict, row_estimate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", default="korthikanti2022")
    ap.add_argument("--breakdown", action="store_true")
    args = ap.parse_args()
    for row in ROWS:
        if not row.id.startswith(args.prefix):
            continue
        est = row_estimate(row)
        p = predict(row)
        err = (p - row.value) / row.value * 100
        print(f"{row.id:45s} meas {row.value:8.3f} pred {p:8.3f} err {err:+6.1f} %")
        if args.breakdown:
            bd = {k: round(v, 4) for k, v in est.breakdown.items() if abs(v) > 1e-6}
            print(
                "   m",
                est.microbatches,
                "pipe",
                round(est.pipeline_time, 3),
                "tail",
                round(est.tail_time, 3),
                json.dumps(bd),
            )


if __name__ == "__main__":
    main()
