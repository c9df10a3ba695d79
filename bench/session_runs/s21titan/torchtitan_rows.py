"""Predict torchtitan's published TP rows (benchmarks/*.md @6404b93) under a given checkout.

Usage: PYTHONPATH=<checkout> python torchtitan_rows.py [--old]
``--old``: the checkout predates Software.sp_gathered_inputs (the torchtitan facts are then
only tp_bwd_overlap=False). Prints tokens/s/GPU predicted vs measured and the memory estimate.
"""

from __future__ import annotations

import sys

import planner.train  # noqa: F401
from planner.perfmodel.calibration.published import HELD_OUT, TrainingRow
from planner.perfmodel.memory import GIB
from planner.train.calibration import predict, row_estimate

OLD = "--old" in sys.argv
#: torchtitan's profile facts (planner/train/frameworks.py) as the checkout knows them;
#: ``--no-scatter``: without tp_overlap_bwd_scatter=False (the first commit of the branch)
NEW = (("sp_gathered_inputs", True),)
if "--no-scatter" not in sys.argv:
    NEW += (("tp_overlap_bwd_scatter", False),)
TITAN = (("tp_bwd_overlap", False),) + (() if OLD else NEW)


def row(key, label, precision, async_tp, value, mem):
    sw = TITAN + ((("fp8_comm", True),) if precision == "fp8" else ())
    sw += (("tp_overlap", True),) if async_tp else ()
    return (
        TrainingRow(
            f"{key}/{label}",
            key,
            "H100",
            "llama-3.1-70b",
            256,
            512,
            8192,
            8,
            1,
            32,
            16,
            "tokens_per_s_per_gpu",
            value,
            HELD_OUT,
            recompute="full",
            zero=3,
            sequence_parallel=True,
            precision=precision,
            software=sw,
        ),
        mem,
    )


ROWS = [
    row("torchtitan_bench2412", "fp8/2d", "fp8", False, 829, 71.9),
    row("torchtitan_bench2412", "fp8/2d-asynctp", "fp8", True, 876, 67.6),
    row("torchtitan_asynctp2506", "bf16/vanilla", "bf16", False, 597.3, None),
    row("torchtitan_asynctp2506", "bf16/async", "bf16", True, 652.4, None),
    row("torchtitan_asynctp2506", "fp8-tensorwise/vanilla", "fp8", False, 809.8, None),
    row("torchtitan_asynctp2506", "fp8-tensorwise/async", "fp8", True, 942.4, None),
]

for r, mem in ROWS:
    p = predict(r)
    est = row_estimate(r)
    bd = {k: round(v, 3) for k, v in est.breakdown.items() if v}
    print(
        f"{r.id:45s} measured {r.value:7.1f} predicted {p:7.1f} err {p / r.value - 1:+.1%}  "
        f"step {est.step_time:.2f}s mem {est.memory.total / GIB:.1f} GiB"
        + (f" (measured {mem})" if mem else "")
        + f" {bd}"
    )
