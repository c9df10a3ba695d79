"""Padding and refit separated (s21pad): the TensorRT-LLM trtllm-bench rows (analytic, at
saturation) under four variants -- the shipped constants of main without padding (before), main's
constants with padding (padding alone), the refitted constants without padding (refit alone) and
both (this branch) -- to show which change moves which rows. A diagnosis: fitted to nothing.

Usage: ``PYTHONPATH=. python bench/session_runs/s21pad/variants.py MAIN_CONSTANTS.json`` (main's
``planner/perfmodel/calibration/constants.json``; writes variants.md beside this file)
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import planner.perfmodel.stage as stage
from planner.perfmodel import constants
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.published import SERVING_ROWS
from planner.serve.calibration import predict

ROWS = [*SERVING_ROWS, *INFERENCE_GPU_ROWS]
PADDED = stage.graph_batch_sizes


def errors(fitted: dict, pad: bool) -> dict[str, float]:
    constants.FITTED.update(fitted)
    stage.graph_batch_sizes = PADDED if pad else (lambda engine: ())
    return {r.id: predict(r) / r.value - 1 for r in ROWS}


def main() -> None:
    old = json.loads(Path(sys.argv[1]).read_text())["constants"]
    new = dict(constants.FITTED)
    runs = {
        "before": errors(old, False),
        "padding alone": errors(old, True),
        "refit alone": errors(new, False),
        "both": errors(new, True),
    }
    names = list(runs)
    lines = ["| row | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for r in ROWS:
        lines.append(f"| {r.id} | " + " | ".join(f"{runs[n][r.id]:+.1%}" for n in names) + " |")
    lines += ["", "| source / split | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    groups: dict[str, list] = {}
    for r in ROWS:
        groups.setdefault(f"{r.source} {r.split}", []).append(r.id)
    for key, ids in groups.items():
        cells = []
        for n in names:
            e = [runs[n][i] for i in ids]
            ok = sum(abs(x) <= 0.15 for x in e)
            cells.append(f"{ok} / {len(e)}, med {statistics.median(abs(x) for x in e):.1%}")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    text = "# Padding and refit separated (TensorRT-LLM trtllm-bench rows)\n\n" + "\n".join(lines)
    Path(__file__).with_name("variants.md").write_text(text + "\n")
    print("\n".join(lines[-len(groups) - 2 :]))


if __name__ == "__main__":
    main()
