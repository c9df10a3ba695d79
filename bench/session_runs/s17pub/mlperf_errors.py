"""The serving model on the MLPerf Inference rows (``mlperf_inf41``, ``mlperf_inf51``), over a grid of
mean prompt lengths (helper s17pub).

MLPerf does not print the mean input length of its sample sets (module notes of
:mod:`planner.perfmodel.calibration.mlperf`), so each row is predicted for every mean in
``INPUT_MEANS`` (the same grid for every row, fixed before any prediction was looked at): a
sensitivity table, not a score. Writes ``mlperf_errors.csv`` and ``.md`` beside this file.

Usage::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s17pub/mlperf_errors.py
"""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

from planner.perfmodel.calibration.mlperf import MLPERF_ROWS
from planner.serve.calibration import predict_mlperf

INPUT_MEANS = (100, 200, 300, 500, 800)
OUT = Path(__file__).resolve().parent


def main() -> None:
    load0 = os.getloadavg()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    table = []
    for r in MLPERF_ROWS:
        row = {"id": r.id, "measured": r.value}
        for m in INPUT_MEANS:
            try:
                v = predict_mlperf(r, m)
                row[f"err@{m}"] = f"{100 * (v / r.value - 1):+.1f} %"
            except Exception as exc:  # a failed prediction is a result too: say which
                row[f"err@{m}"] = f"error: {type(exc).__name__}"
        table.append(row)
        print(row, flush=True)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    load1 = os.getloadavg()
    with open(OUT / "mlperf_errors.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(table[0]))
        w.writeheader()
        w.writerows(table)
    cols = list(table[0])
    lines = [
        "# Serving model vs MLPerf Inference v4.1 / v5.1 (mlperf_inf41, mlperf_inf51), by assumed mean prompt",
        "",
        f"error = predicted / measured - 1; {wall:.0f} s wall, {cpu:.0f} s CPU, load "
        f"{load0[0]:.2f} -> {load1[0]:.2f}.",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
    ]
    lines += ["| " + " | ".join(str(row[c]) for c in cols) + " |" for row in table]
    (OUT / "mlperf_errors.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
