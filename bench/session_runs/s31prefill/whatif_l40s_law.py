"""s31prefill what-if (not shipped): the L40S's FP8 GEMMs at DeepGEMM's law anchored at an
*assumed* FP8 fraction equal to the card's measured BF16 one (torch.mm best of 1024-10240:
269.15 of 362 TFLOP/s = 0.7435, zzc0721/torch-performance-test-data database.md; no FP8 figure
for the L40S there or elsewhere found), on every trtllm_l40s row (their C++ flow takes no
``fp8-law``; forced here).

Usage: PYTHONPATH=. python bench/session_runs/s31prefill/whatif_l40s_law.py
"""

from __future__ import annotations

import numpy as np

from planner.perfmodel import kernels
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.engines import parse_engine
from planner.serve import calibration
from planner.serve.calibration import predict

rows = [r for r in INFERENCE_GPU_ROWS if r.source == "trtllm_l40s"]
before = {r.id: predict(r) / r.value - 1 for r in rows}
kernels.SIBLING_GEMM_RATES["L40S"] = ("none", {"fp8": (0.7435 * 733.0, 733.0, 1.0, 1.0)})
kernels.gemm_rates.cache_clear()
orig = calibration.offline_role


def offline_role(*a, engine=None, **kw):
    return orig(*a, engine=f"{engine},fp8-law", **kw)


calibration.offline_role = offline_role
assert parse_engine("trtllm:0.17,fp8-law").fp8_gemm_law
after = {r.id: predict(r) / r.value - 1 for r in rows}
for tag in ("llama-3.1-8b", "llama-3.1-70b/L40S/tp4", "llama-3.1-70b/L40S/tp8", "mixtral"):
    ids = [r.id for r in rows if tag in r.id]
    nb = sum(abs(before[i]) <= 0.15 for i in ids)
    na = sum(abs(after[i]) <= 0.15 for i in ids)
    print(
        f"{tag}: within 15 % {nb} -> {na} / {len(ids)}; signed "
        f"{np.mean([before[i] for i in ids]):+.1%} -> {np.mean([after[i] for i in ids]):+.1%}"
    )
for r in rows:
    if "8b" in r.id:
        print(f"{r.id:50s} {before[r.id]:+7.1%} -> {after[r.id]:+7.1%}")
