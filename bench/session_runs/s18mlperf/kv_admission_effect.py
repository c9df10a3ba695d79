"""The scored llama2-70b MLPerf rows with the KV held on demand (entered: NVIDIA's harness runs
TensorRT-LLM's max-utilization scheduler) and reserved (TensorRT-LLM's default), and with the
published prompt spread against the grid's std = mean (helper s18mlperf).

Usage::

    python bench/session_runs/s18mlperf/kv_admission_effect.py
"""

from __future__ import annotations

import dataclasses

from planner.perfmodel.calibration.mlperf import DATASETS, MLPERF_ROWS
from planner.serve.calibration import predict_mlperf


def main() -> None:
    d = DATASETS["llama-2-70b"]
    print("| row | measured | on demand (entered) | reserved | std = mean |")
    print("|---|---|---|---|---|")
    for r in MLPERF_ROWS:
        if r.model != "llama-2-70b":
            continue
        a = predict_mlperf(r)
        b = predict_mlperf(dataclasses.replace(r, kv_admission="reserve"))
        c = predict_mlperf(r, d.input_mean)
        cells = " | ".join(f"{100 * (v / r.value - 1):+.1f} %" for v in (a, b, c))
        print(f"| {r.id} | {r.value:.4g} | {cells} |")


if __name__ == "__main__":
    main()
