"""Seconds the dstack_405b runs take beyond the model, per run and per decode step.

Reads the committed ``bench/results/serve/public_rows.csv`` (main's model). A run of ``N``
prompts of ``I`` + ``O`` tokens at ``T`` total tokens/s lasts ``N (I + O) / T``; the excess
``measured - predicted`` is divided by the ``O - 1`` decode steps each request takes (every
request's steps run together where the KV cache holds the whole batch; where it holds fewer,
as the H100 32784-token runs' two at a time, the steps of one wave: ``N / 2`` waves).

Usage: PYTHONPATH=. python bench/session_runs/s20vllm/excess.py
"""

from __future__ import annotations

import csv
from pathlib import Path

CSV = Path(__file__).resolve().parents[2] / "results" / "serve" / "public_rows.csv"


def main() -> None:
    rows = [r for r in csv.DictReader(CSV.open()) if r["instance"].startswith("dstack_405b/")]
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
            f"{r['instance']:36s} {meas:8.1f} {pred:8.1f} {meas - pred:9.1f} {per_step:8.2f} {err:+7.1%}"
        )


if __name__ == "__main__":
    main()
