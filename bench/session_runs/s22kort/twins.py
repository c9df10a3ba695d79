"""Korthikanti Table 5's full-recompute 530B and 1T runs against their Narayanan Table 1 twins
(same model, t 8, p, interleaving, micro-batch 1 and microbatches per pipeline; Table 1 adds
data parallelism 9 / 6 and runs Megatron-LM 2021): the 2021 -> 2022 speed-up, measured and
modelled.

Measured Table 1 step time: the row's hardware FLOPs per GPU (the model's count, as the
prediction of the row's TF/GPU uses) over the published TF/GPU.

Usage: PYTHONPATH=. python bench/session_runs/s22kort/twins.py [--main]

``--main``: Table 1 with main's software (no fp16 gradients, no unfused accumulation).
"""

from __future__ import annotations

import sys
from dataclasses import replace

import planner.train  # noqa: F401
from planner.perfmodel.calibration.published import TRAINING_ROWS
from planner.train.calibration import row_estimate

PAIRS = (
    ("narayanan2021/gpt-529.6b", "korthikanti2022/gpt-530b/full"),
    ("narayanan2021/gpt-1008b", "korthikanti2022/gpt-1t/full"),
)


def main() -> None:
    rows = {r.id: r for r in TRAINING_ROWS}
    for old_id, new_id in PAIRS:
        old, new = rows[old_id], rows[new_id]
        if "--main" in sys.argv[1:]:
            old = replace(old, software=(("pp_overlap", False), ("tp_bwd_overlap", False)))
        e_old, e_new = row_estimate(old), row_estimate(new)
        meas_old = e_old.hardware_flops / e_old.gpus / (old.value * 1e12)
        meas_new = new.value
        print(
            f"{new_id}: measured {meas_old:.2f} -> {meas_new:.2f} s "
            f"({(1 - meas_new / meas_old) * 100:.1f} % faster); model "
            f"{e_old.step_time:.2f} -> {e_new.step_time:.2f} s "
            f"({(1 - e_new.step_time / e_old.step_time) * 100:.1f} % faster)"
        )
        for name, e in (("2021", e_old), ("2022", e_new)):
            bd = ", ".join(f"{k} {v:.2f}" for k, v in e.breakdown.items() if abs(v) > 1e-3)
            print(f"    {name}: {bd}")


if __name__ == "__main__":
    main()
