"""|log error| of every non-training calibration row (serving, CDNA3, SGLang MoE) under the
shipped constants and under another constants file, by split and source.

Usage: PYTHONPATH=. python bench/session_runs/s22kort/serving_rows.py OTHER_CONSTANTS.json
"""

from __future__ import annotations

import json
import math
import statistics
import sys

import planner.serve  # registers the serving predictor
import planner.train  # noqa: F401
from planner.perfmodel import constants
from planner.perfmodel.calibration.fit import CALIBRATION_ROWS, kind_of, log_error


def errors() -> dict[str, tuple[str, str, float]]:
    return {
        r.id: (r.source, r.split, abs(log_error(r)))
        for r in CALIBRATION_ROWS
        if kind_of(r) != "training" and not r.source.startswith("amd_primus")
    }


def main(other: str) -> None:
    with open(other) as f:
        old_values = json.load(f)["constants"]
    with constants.override(old_values):
        before = errors()
    after = errors()
    keys = sorted({(s, sp) for s, sp, _ in after.values()})
    for split in ("fit", "held-out"):
        b = [e for _, sp, e in before.values() if sp == split]
        a = [e for _, sp, e in after.values() if sp == split]
        if a:
            print(
                f"{split:8s} n={len(a)} mean |log| {100 * statistics.fmean(b):.2f} -> "
                f"{100 * statistics.fmean(a):.2f} %, max {100 * max(b):.2f} -> {100 * max(a):.2f} %"
            )
    for src, split in keys:
        b = [e for s, sp, e in before.values() if (s, sp) == (src, split)]
        a = [e for s, sp, e in after.values() if (s, sp) == (src, split)]
        print(
            f"  {src:24s} {split:8s} n={len(a):3d} mean {100 * statistics.fmean(b):.2f} -> "
            f"{100 * statistics.fmean(a):.2f} %"
        )
    assert all(math.isfinite(e) for _, _, e in after.values())


if __name__ == "__main__":
    main(sys.argv[1])
