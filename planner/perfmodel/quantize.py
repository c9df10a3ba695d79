"""Quantization kernels of low-precision (fp8 / fp4) training GEMMs.

A tensor-core GEMM in fp8 needs its operands in fp8: Transformer Engine (and
DeepSeek-V3's framework) casts each input before the GEMM with a fused
cast-transpose kernel that reads the 16-bit tensor and writes the fp8 copy
plus its transpose (the backward GEMMs need the other layout). Per GEMM and
microbatch this is memory traffic of :data:`CAST_BYTES` per element of the
activation and the weight in the forward, and of the output gradient in the
backward. These kernels are what keeps fp8 from doubling a step's speed on
small layers (their cost per FLOP grows as the layer narrows).

The LM head and the MoE router stay in bf16 in these recipes (Megatron-Core
applies fp8 to the Transformer Engine layers of the blocks only; DeepSeek-V3
report section 3.3.1 keeps the embedding, output head and gating in higher
precision): :func:`gemm_precision` says which precision a GEMM runs in.
"""

from __future__ import annotations

from planner.perfmodel.hardware import GpuSpec
from planner.perfmodel.kernels import memory_time
from planner.perfmodel.precision import BF16, Precision

#: Bytes moved per quantized element: read 2 (bf16), write 1 (fp8) + 1 (fp8 transpose).
CAST_BYTES = 4.0


def is_low_precision(prec: Precision) -> bool:
    """Whether GEMMs at ``prec`` quantize their 16-bit inputs first (fp8, fp4)."""
    return prec.name in ("fp8", "fp4")


def quantize_times(
    gpu: GpuSpec, prec: Precision, m: float, n: float, k: float, batch: float = 1.0
) -> tuple[float, float]:
    """(forward, backward) seconds of casting the operands of ``batch`` ``[m,k] x [k,n]`` GEMMs."""
    if not is_low_precision(prec):
        return 0.0, 0.0
    fwd = memory_time(gpu, CAST_BYTES * (m * k + k * n) * batch)
    bwd = memory_time(gpu, CAST_BYTES * m * n * batch)
    return fwd, bwd


def gemm_precision(prec: Precision, *, head: bool = False) -> Precision:
    """Precision of a GEMM of a step at ``prec``: the LM head and router stay in bf16."""
    return BF16 if head and is_low_precision(prec) else prec


__all__ = ["CAST_BYTES", "gemm_precision", "is_low_precision", "quantize_times"]
