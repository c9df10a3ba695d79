"""What-if (s21decode): the DeepGEMM law (whatif_gemm.py) and CUDA-graph padding
(whatif_padding.py) together, on every trtllm-bench row.

Usage: ``PYTHONPATH=. python bench/session_runs/s21decode/whatif_combined.py VARIANT``
(VARIANT: the GEMM law's, ``full`` or ``all``; optional ``--set NAME VALUE`` pairs override
a fitted constant for the after run)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import whatif_gemm
import whatif_padding
from common import summary

from planner.perfmodel import constants
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.published import SERVING_ROWS
from planner.serve.calibration import predict, row_bench_settings


def main() -> None:
    variant = sys.argv[1]
    sets = sys.argv[2:]
    rows = [*SERVING_ROWS, *INFERENCE_GPU_ROWS]
    whatif_padding.patch()
    before = {r.id: predict(r) / r.value - 1 for r in rows}
    whatif_gemm.patch(variant)
    for name, value in zip(sets[1::3], sets[2::3], strict=True):
        constants.FITTED[name] = float(value)
    after = {}
    for r in rows:
        whatif_padding.CURRENT["pad"] = r.bench_flow in whatif_padding.PADDED
        limits = row_bench_settings(r)
        whatif_padding.CURRENT["cap"] = min(limits.max_batch_size, limits.max_num_tokens)
        after[r.id] = predict(r) / r.value - 1
        whatif_padding.CURRENT["pad"] = False
    for r in rows:
        print(f"{r.id:66s} {before[r.id]:+7.1%} -> {after[r.id]:+7.1%}")
    print("\n".join(summary(rows, before, after)))


if __name__ == "__main__":
    main()
