"""Model error on the MLPerf Training v5.1 MI355X rows (held-out, entered before this ran)
and the MI355X / B200 plan-train ratio on Llama 3.1 8B (AMD's ROCm blog of 2025-12-02:
1.02x bf16, 1.08x fp8 in Primus-Megatron v25.9, s 8192, per-GPU batch 8, one node).

Run: PYTHONPATH=. python bench/session_runs/s17gpu/heldout_mi355x.py
"""

from __future__ import annotations

import math

import planner.serve  # registers the serving predictors
import planner.train  # noqa: F401  (registers the training predictors)
from planner.perfmodel.calibration import fit
from planner.perfmodel.calibration.published import MLPERF_TRAIN51


def main() -> None:
    for row in MLPERF_TRAIN51:
        pred = fit.predict(row)
        err = fit.time_log_error(row, math.log(pred / row.value))
        print(
            f"{row.id}: measured {row.value:.0f} tok/s/GPU, predicted {pred:.0f}, "
            f"time error {100 * (math.exp(err) - 1):+.1f} %"
        )


def ratio(precision: str) -> float:
    """MI355X / B200 tokens/s of ``plan train`` (best plan, 8 GPUs, Llama 3.1 8B, s 8192,
    8 sequences per GPU as AMD's endnote MI350-65)."""
    from planner.train import plan

    kw = {"global_batch": 64, "seq_len": 8192, "precision": precision, "time_limit": 30}
    b200, mi355x = (plan("llama-3.1-8b", f"8x{g}", threads=1, **kw).objective for g in GPUS)
    return b200 / mi355x


#: The pair compared (numerator's step time over the denominator's).
GPUS = ("B200", "MI355X")


def with_old_default() -> None:
    """The same numbers with the removed flat 0.75 for architectures without a fitted value."""
    from unittest import mock

    from planner.perfmodel import constants, kernels

    old = mock.patch.object(kernels, "uncalibrated_rule", lambda *a, **k: (0.75, "old"))
    with old, constants.override({}):
        print("old flat 0.75:")
        main()
        for p in ("bf16", "fp8"):
            print(f"  MI355X / B200, Llama 3.1 8B {p}: {ratio(p):.3f}")


if __name__ == "__main__":
    main()
    for p in ("bf16", "fp8"):
        print(f"MI355X / B200, Llama 3.1 8B {p}: {ratio(p):.3f}")
    with_old_default()
