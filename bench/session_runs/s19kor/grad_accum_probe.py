"""Probe (no model change): the per-microbatch fp32 gradient-accumulation pass of Megatron 2021.

Megatron-LM 2021 (``--DDP-impl local``, Table 1's larger rows) adds each microbatch's bf16/fp16
weight gradient into the fp32 ``main_grad`` buffer in a backward hook (``main_grad.add_``: read
2 + 4 bytes, write 4, per parameter); ``--gradient-accumulation-fusion`` (2022-02-13,
83b1e42f30; on by default in May 2022, Table 5's runs) accumulates inside the weight-gradient
GEMM instead. The model prices neither. This prints that pass's HBM time per step, on the
slowest stage, as a share of the predicted step.

Usage: PYTHONPATH=. python bench/session_runs/s19kor/grad_accum_probe.py
"""

from __future__ import annotations

import planner.train  # noqa: F401
from planner.perfmodel.calibration.published import ROWS
from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.kernels import memory_time
from planner.train.calibration import row_estimate

BYTES_PER_PARAM = 10.0  # read bf16 grad (2) + read fp32 main_grad (4) + write it (4)


def main() -> None:
    gpu = parse_cluster("8xA100").pools[0].gpu
    for row in ROWS:
        if not row.id.startswith(("narayanan2021", "korthikanti2022")):
            continue
        est = row_estimate(row)
        params = max(s.params for s in est.stages)
        per_step = est.microbatches * memory_time(gpu, BYTES_PER_PARAM * params)
        print(
            f"{row.id:40s} mb{row.microbatch} m {est.microbatches:4d} params/GPU "
            f"{params / 1e9:5.2f} B pass {per_step:6.2f} s = "
            f"{per_step / est.step_time * 100:4.1f} % of {est.step_time:7.2f} s"
        )


if __name__ == "__main__":
    main()
