"""Seconds the dstack_405b runs take beyond the model, per run and per decode step.

As ``bench/session_runs/s20vllm/excess.py`` (which reads the committed results file), for a
``public_rows.csv`` named on the command line: the excess ``measured - predicted`` seconds of
a run over its ``O - 1`` decode steps (per wave of two for the H100 32784-token runs, which
both vLLM's cache and the model's hold two at a time).

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s29d405/excess.py ROWS.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def main(path: Path) -> None:
    rows = [r for r in csv.DictReader(path.open()) if r["instance"].startswith("dstack_405b/")]
    print(
        f"{'row':36s} {'meas s':>8s} {'model s':>8s} {'excess s':>9s} {'ms/step':>8s} {'err':>7s}"
    )
    for r in rows:
        _, gpu, lengths, b = r["instance"].split("/")
        isl, osl = (int(x) for x in lengths.split("-"))
        n = int(b[1:])
        tokens = n * (isl + osl)
        meas, pred = tokens / float(r["reference"]), tokens / float(r["objective"])
        waves = n / 2 if (gpu == "H100" and isl == 32784) else 1
        per_step = (meas - pred) / waves / (osl - 1) * 1e3
        err = float(r["objective"]) / float(r["reference"]) - 1
        print(
            f"{r['instance']:36s} {meas:8.1f} {pred:8.1f} {meas - pred:9.1f} "
            f"{per_step:8.2f} {err:+7.1%}"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
