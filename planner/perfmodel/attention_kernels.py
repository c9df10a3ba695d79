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
    FlashAttention-2. On Ampere the same as ``flash``. On Hopper it runs
    without TMA / 4th-gen tensor-core (``wgmma``) instructions, and its
    efficiency there is measured, not derived from Ampere: the
    FlashAttention-3 paper (Shah et al. 2024, arXiv 2407.08608, Fig. 5 and 6,
    H100 80GB SXM5, bf16, head dim 128, 16K tokens) puts FlashAttention-2 at
    335 TFLOP/s forward with a causal mask and 322 TFLOP/s backward, of the
    989 TFLOP/s dense peak; weighted as the model's forward and backward work
    (1 : ``FLASH_BWD_RATIO``) that is 0.329 of the peak (the abstract: "only
    35 % utilization on the H100"; the FlashAttention-2 paper, section 4.1,
    reports up to 335 TFLOP/s forward + backward on H100). Shorter sequences
    reach less (2K: 298 forward, 291 backward, 0.30). Later architectures take
    the same fraction of their peak (an assumption: no public measurement).
    (Until session 7 the model scaled the Ampere 0.55 by the FlashAttention-2
    paper's H100 / A100 "up to" ratio, (335 / 989) / (230 / 312), giving 0.25:
    below the measured FlashAttention-2 H100 rate at every length from 1K.)
``triton``
    FlashAttention written in Triton (2023; MosaicML's ``attn_impl: triton``,
    which supports ALiBi biases): the FlashAttention-2 paper (section 4.1)
    measures FlashAttention-2 1.3-2.5x faster than it; the model takes the
    geometric middle of that range, 1.8x, on every architecture.

None of these numbers is fitted. Causal FLOPs are counted as half the square
(``FLASH_CAUSAL_FRACTION``), as the FlashAttention papers count them when they
report a causal kernel's TFLOP/s.
"""

from __future__ import annotations

import math

from planner.perfmodel.hardware import GpuSpec
from planner.perfmodel.kernels import FLASH_BWD_RATIO, FLASH_EFFICIENCY

#: Attention kernel implementations the model knows.
ATTENTION_KERNELS = ("flash", "fa2", "triton")

#: FlashAttention-2 on H100 SXM5, bf16, head dim 128, 16K tokens (FlashAttention-3 paper,
#: Fig. 5: forward with a causal mask; Fig. 6: backward), TFLOP/s, and the bf16 dense peak.
FA2_H100_FWD_TFLOPS = 335.0
FA2_H100_BWD_TFLOPS = 322.0
H100_BF16_PEAK_TFLOPS = 989.0
#: FlashAttention-2's fraction of the peak on Hopper and later: its forward and backward rates
#: weighted by the model's forward : backward work (1 : FLASH_BWD_RATIO).
FA2_HOPPER_EFFICIENCY = (
    (1.0 + FLASH_BWD_RATIO)
    / (1.0 / FA2_H100_FWD_TFLOPS + FLASH_BWD_RATIO / FA2_H100_BWD_TFLOPS)
    / H100_BF16_PEAK_TFLOPS
)
#: FlashAttention-2 over FlashAttention-in-Triton speed (FA2 paper: 1.3-2.5x; geometric middle).
FA2_OVER_TRITON = math.sqrt(1.3 * 2.5)


def attention_efficiency(gpu: GpuSpec, kernel: str = "flash") -> float:
    """Fraction of the bf16 dense peak the fused training attention ``kernel`` reaches on ``gpu``."""
    if kernel == "flash":
        return FLASH_EFFICIENCY
    if kernel not in ATTENTION_KERNELS:
        raise ValueError(f"unknown attention kernel {kernel!r}")
    fa2 = FLASH_EFFICIENCY if gpu.architecture == "Ampere" else FA2_HOPPER_EFFICIENCY
    return fa2 if kernel == "fa2" else fa2 / FA2_OVER_TRITON


__all__ = [
    "ATTENTION_KERNELS",
    "FA2_HOPPER_EFFICIENCY",
    "FA2_OVER_TRITON",
    "attention_efficiency",
]
