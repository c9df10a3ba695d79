"""The trtllm-bench rows (analytic, at saturation) under the PyTorch-flow options of
:data:`planner.serve.calibration.PYTORCH_FLOW_OPTIONS` taken apart (s22gemm): none (main's
model), the DeepGEMM law alone, padding alone, both (this branch), with the constants in
``constants.json`` as they are. A diagnosis: fitted to nothing.

Usage: ``PYTHONPATH=. python bench/session_runs/s22gemm/variants.py [OUT.md]``
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import planner.serve.calibration as calibration
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.published import SERVING_ROWS

ROWS = [*SERVING_ROWS, *INFERENCE_GPU_ROWS]
VARIANTS = {"none": (), "law": ("fp8-law",), "pad": ("pad",), "both": ("fp8-law", "pad")}


def errors(options: tuple[str, ...]) -> dict[str, float]:
    calibration.PYTORCH_FLOW_OPTIONS = options
    return {r.id: calibration.predict(r) / r.value - 1 for r in ROWS}


def main() -> None:
    runs = {name: errors(opts) for name, opts in VARIANTS.items()}
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
            within = sum(abs(x) <= 0.15 for x in e)
            cells.append(
                f"{within} / {len(e)}, med {statistics.median(abs(x) for x in e):.1%}, "
                f"mean {statistics.mean(e):+.1%}"
            )
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print("\n".join(lines[-len(groups) - 2 :]))
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text)


if __name__ == "__main__":
    main()
