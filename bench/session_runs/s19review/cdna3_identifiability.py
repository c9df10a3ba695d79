"""Is ``weight_stream_efficiency_cdna3`` identified by its fit rows? Predictions of the 32
``rocm_vllm066`` fit rows with the shipped constants and with that one constant moved.

Usage: PYTHONPATH=. python bench/session_runs/s19review/cdna3_identifiability.py
"""

from __future__ import annotations

import planner.serve  # noqa: F401  (registers the serving predictors)
from planner.perfmodel import constants
from planner.perfmodel.calibration.published import FIT
from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.serve.calibration import predict_public_fit


def main() -> None:
    rows = [r for r in PUBLIC_SERVING_ROWS if r.source == "rocm_vllm066" and r.split == FIT]
    shipped = {
        k: constants.FITTED[k] for k in ("gemm_efficiency_cdna3", "weight_stream_efficiency_cdna3")
    }
    print("shipped", shipped, "rows", len(rows))
    base = [predict_public_fit(r) for r in rows]
    for value in (0.6, 0.7, 0.8, 0.95):
        with constants.override({"weight_stream_efficiency_cdna3": value}):
            moved = [predict_public_fit(r) for r in rows]
        largest = max(abs(m / b - 1) for m, b in zip(moved, base, strict=True))
        print(
            f"weight_stream_efficiency_cdna3 = {value}: largest change of a fit row {largest:.2%}"
        )


if __name__ == "__main__":
    main()
