"""Input-free comparison of the MLPerf rows: each throughput row's error relative to the
NVIDIA H100 row of the same benchmark and scenario (helper s17pub).

The unknown mean prompt of a benchmark's sample set scales every system's prediction of it
alike to first order, so the ratio ``(1 + err_row) / (1 + err_ref) - 1`` (the model's error
on the measured ratio row / reference) mostly cancels it. Printed for each mean of
``mlperf_errors.csv``; the spread over the means shows how much cancels.

Usage::

    .venv/bin/python bench/session_runs/s17pub/mlperf_ratios.py
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent


def pct(text: str) -> float:
    return float(text.split()[0]) / 100.0


def main() -> None:
    with open(HERE / "mlperf_errors.csv") as f:
        rows = list(csv.DictReader(f))
    means = [k for k in rows[0] if k.startswith("err@")]
    lines = [
        "| row (relative to H100 TensorRT-LLM, same benchmark) | "
        + " | ".join(means)
        + " | spread |",
        "|---|" + "---|" * (len(means) + 1),
    ]
    for r in rows:
        if not r["id"].endswith("output_tokens_per_s") or "DGX-H100" in r["id"]:
            continue
        parts = r["id"].split("/")
        model, scenario = parts[3], parts[4]
        ref = next(
            x
            for x in rows
            if "DGX-H100" in x["id"]
            and f"/{model}/{scenario}/" in x["id"]
            and x["id"].endswith("output_tokens_per_s")
        )
        rel = [(1 + pct(r[m])) / (1 + pct(ref[m])) - 1 for m in means]
        cells = " | ".join(f"{100 * v:+.1f} %" for v in rel)
        lines.append(
            f"| {'/'.join(parts[:3] + parts[3:5])} | {cells} | "
            f"{100 * (max(rel) - min(rel)):.1f} pt |"
        )
    text = "\n".join(lines) + "\n"
    (HERE / "mlperf_ratios.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
