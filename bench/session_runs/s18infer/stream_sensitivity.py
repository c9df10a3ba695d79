"""What-if (not a fit, nothing shipped): the inference-GPU rows' errors if the GDDR GPUs
(L40S, RTX PRO 6000) streamed weights and KV cache at 0.90 / 0.85 / 0.80 of their datasheet
bandwidth instead of NVIDIA's fitted 0.95 (values fixed before the run: the range
``planner/perfmodel/stage.py`` quotes for well-tuned decode kernels, 0.8-0.9). One process
per value (the model caches engines). Writes ``stream_sensitivity.md`` beside this script.

    PYTHONPATH=. .venv/bin/python bench/session_runs/s18infer/stream_sensitivity.py
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from whatif_table import run_each, whatif_tables

HERE = Path(__file__).resolve().parent
GDDR = ("L40S", "RTX-PRO-6000")
VALUES = (None, 0.90, 0.85, 0.80)


def run(value: float | None) -> dict[str, float]:
    """Errors of every inference-GPU row with the GDDR stream efficiency at ``value``."""
    from planner.perfmodel import stage
    from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
    from planner.serve.calibration import predict

    if value is not None:
        original = stage.stream_efficiency
        stage.stream_efficiency = lambda gpu: value if gpu.name in GDDR else original(gpu)
    return {r.id: predict(r) / r.value - 1.0 for r in INFERENCE_GPU_ROWS}


def group(row_id: str) -> str:
    _source, model, gpu, layout, _pair = row_id.split("/")
    return f"{gpu} {model} {layout}"


def main() -> None:
    if len(sys.argv) > 1:
        value = None if sys.argv[1] == "none" else float(sys.argv[1])
        print(json.dumps(run(value)))
        return
    load0, c0 = os.getloadavg()[0], time.time()
    results = run_each(__file__, {v: "none" if v is None else str(v) for v in VALUES})
    lines = [
        "# GDDR stream-efficiency what-if (diagnostic only; no constant changed)",
        "",
        "`PYTHONPATH=. .venv/bin/python bench/session_runs/s18infer/stream_sensitivity.py` -- "
        f"{time.time() - c0:.0f} s wall, load {load0:.2f} -> {os.getloadavg()[0]:.2f}",
        "",
    ]
    labels = {v: "fitted 0.95" if v is None else str(v) for v in VALUES}
    lines += whatif_tables(results, labels, group)
    (HERE / "stream_sensitivity.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
