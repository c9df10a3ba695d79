"""s31prefill what-if (not shipped): context FMHA at the FP8 peak where the KV cache is FP8.

trtllm-bench's C++-engine build turns on ``use_fp8_context_fmha`` for FP8 / NVFP4
quantization (NVIDIA/TensorRT-LLM@000a01de ``tensorrt_llm/bench/build/build.py``, "Enable FHMA,
and FP8 FMHA if NVFP4 or FP8 quantization is enabled"); the model prices every prefill
attention at ``FLASH_ATTENTION_EFFICIENCY`` of the bf16 peak. Here: the same efficiency of
the FP8 peak for engines with an FP8 KV cache, on the held-out PCIe sources and the
trtllm-bench fit source.

Usage: PYTHONPATH=. python bench/session_runs/s31prefill/whatif_fp8_fmha.py
"""

from __future__ import annotations

import numpy as np

import planner.perfmodel.stage as stage
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.published import SERVING_ROWS
from planner.serve.calibration import predict

SOURCES = ("trtllm_l40s", "trtllm_rtxpro", "trtllm_overview")
rows = [r for r in (*SERVING_ROWS, *INFERENCE_GPU_ROWS) if r.source in SOURCES]
before = {r.id: predict(r) / r.value - 1 for r in rows}


def prefill_attention_time(self, work):
    flops = 2.0 * np.asarray(work, dtype=float) * self.heads_r * self.pre_dims
    prec = "fp8" if self.kv_precision.name == "fp8" else "bf16"
    per_layer = stage.flash_attention_time(
        self.config.gpu, flops, prec, stage.FLASH_ATTENTION_EFFICIENCY
    )
    return self.model.layers * per_layer * self.imbalance


stage.EngineModel.prefill_attention_time = prefill_attention_time
after = {r.id: predict(r) / r.value - 1 for r in rows}
for src in SOURCES:
    for split in ("fit", "held-out"):
        ids = [r.id for r in rows if r.source == src and r.split == split]
        if not ids:
            continue
        nb = sum(abs(before[i]) <= 0.15 for i in ids)
        na = sum(abs(after[i]) <= 0.15 for i in ids)
        sb = np.mean([before[i] for i in ids])
        sa = np.mean([after[i] for i in ids])
        print(
            f"{src} {split}: within 15 % {nb} -> {na} / {len(ids)}; signed {sb:+.1%} -> {sa:+.1%}"
        )
moved = sorted(rows, key=lambda r: -abs(after[r.id] - before[r.id]))[:12]
for r in moved:
    print(f"{r.id:66s} {before[r.id]:+7.1%} -> {after[r.id]:+7.1%}")
