"""Efficiency of the fused training attention kernel, by implementation and GPU architecture.

The training attention core (:func:`planner.perfmodel.layer.layer_cost`) is
one fused kernel whose time is its causal FLOPs over ``peak x efficiency``
(backward ``FLASH_BWD_RATIO`` times the forward). How close a kernel gets to
the peak depends on the implementation a framework ships, so the software
setting ``attention_kernel`` names it:

``flash`` (default)
    The current fused kernel of each architecture (FlashAttention-2 on
    Ampere, FlashAttention-3 / cuDNN fused attention on Hopper and later):
    :data:`~planner.perfmodel.kernels.FLASH_EFFICIENCY`.
``fa2``
    FlashAttention-2. On Ampere the same as ``flash``; on later GPUs the
    FlashAttention-2 paper (Dao 2023, arXiv 2307.08691, section 4.1) reports
    that the same implementation reaches up to 230 TFLOP/s (73 % of the peak)
    on A100 and up to 335 TFLOP/s on H100 (no TMA / 4th-gen tensor-core
    instructions): its efficiency there is ``FLASH_EFFICIENCY`` scaled by
    ``(335 / 989) / (230 / 312)``.
``triton``
    FlashAttention written in Triton (2023; MosaicML's ``attn_impl: triton``,
    which supports ALiBi biases): the FlashAttention-2 paper (section 4.1)
    measures FlashAttention-2 1.3-2.5x faster than it; the model takes the
    geometric middle of that range, 1.8x.

None of these numbers is fitted.
"""

from __future__ import annotations

import math

from planner.perfmodel.hardware import GpuSpec
from planner.perfmodel.kernels import FLASH_EFFICIENCY

#: Attention kernel implementations the model knows.
ATTENTION_KERNELS = ("flash", "fa2", "triton")

#: FlashAttention-2 on Hopper-class GPUs relative to Ampere (FA2 paper: up to 335 TFLOP/s of
#: H100's 989 vs up to 230 of A100's 312).
FA2_HOPPER_RATIO = (335.0 / 989.0) / (230.0 / 312.0)
#: FlashAttention-2 over FlashAttention-in-Triton speed (FA2 paper: 1.3-2.5x; geometric middle).
FA2_OVER_TRITON = math.sqrt(1.3 * 2.5)


def attention_efficiency(gpu: GpuSpec, kernel: str = "flash") -> float:
    """Fraction of the bf16 dense peak the fused training attention ``kernel`` reaches on ``gpu``."""
    if kernel == "flash":
        return FLASH_EFFICIENCY
    if kernel not in ATTENTION_KERNELS:
        raise ValueError(f"unknown attention kernel {kernel!r}")
    fa2 = FLASH_EFFICIENCY if gpu.architecture == "Ampere" else FLASH_EFFICIENCY * FA2_HOPPER_RATIO
    return fa2 if kernel == "fa2" else fa2 / FA2_OVER_TRITON


__all__ = ["ATTENTION_KERNELS", "FA2_HOPPER_RATIO", "FA2_OVER_TRITON", "attention_efficiency"]
