"""Diagnostic (s21decode, not a model): per source and GPU, the one factor on the predicted
decode time and the one on the prefill time per request that best explain the published
throughputs (least squares in log over the group's rows, grid 0.6-1.8 x 0.3-1.6).

A row's predicted time per request splits into its decode share ``D`` and prefill share ``P``
(:mod:`decompose`, ``D + P = 1``); scaling them by ``a`` and ``b`` scales the predicted
throughput by ``1 / (a D + b P)``. Fitting ``a, b`` per group on held-out rows is a
diagnosis of where the time is missing, never a constant of the model.

Usage: ``PYTHONPATH=. python bench/session_runs/s21decode/two_multipliers.py`` (writes
two_multipliers.md)
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import publish
from decompose import decompose

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.published import SERVING_ROWS


def main() -> None:
    groups = collections.defaultdict(list)
    for r in (*SERVING_ROWS, *INFERENCE_GPU_ROWS):
        d = decompose(r)
        key = f"{r.source} {r.gpu} {r.split}"
        groups[key].append((d["decode_share"], d["prefill_share"], np.log(d["pred"] / r.value)))
    lines = [
        "| group | rows | decode x | prefill x | rms log error before -> after | within 15 % "
        "before -> after |",
        "|---|---|---|---|---|---|",
    ]
    for key, v in groups.items():
        D, P, e = (np.array(c) for c in zip(*v, strict=True))
        best = None
        for a in np.linspace(0.6, 1.8, 121):
            for b in np.linspace(0.3, 1.6, 131):
                res = e - np.log(a * D + b * P)
                s = float(np.mean(res**2))
                if best is None or s < best[0]:
                    best = (s, a, b, res)
        s, a, b, res = best
        lines.append(
            f"| {key} | {len(v)} | {a:.2f} | {b:.2f} | {np.sqrt(np.mean(e**2)):.3f} -> "
            f"{np.sqrt(s):.3f} | {np.sum(np.abs(np.exp(e) - 1) <= 0.15)} -> "
            f"{np.sum(np.abs(np.exp(res) - 1) <= 0.15)} |"
        )
    publish(
        "two_multipliers",
        "Decode and prefill time factors per group (diagnostic, not fitted into the model)",
        "\n".join(lines),
    )


if __name__ == "__main__":
    main()
