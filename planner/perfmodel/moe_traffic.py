"""Bytes the routed experts' element-wise passes move in a serving step, by engine and precision.

A routed MoE layer runs, besides its two grouped GEMMs (priced by the GEMM roofline, output
writes included), passes that only move rows: the expansion of each token into one row per
selected expert (the "permute"), the gated activation between the two GEMMs, and the
un-permute / top-k reduction back to one row per token (the "finalize"). What those passes
read and write depends on where the engine quantizes the activations.

**Default (every engine and release not named below): 16-bit rows.** Two bytes per element:
``4 * routed * hidden`` elements for the permute and finalize passes and ``mats * moe_ffn`` per
routed row for the activation (read the gate and up halves, write the product), both divided
by the tensor-parallel degree (the rule the serving step has used since the MoE model was
written; not re-read here for vLLM / SGLang's Triton ``fused_moe`` nor for TensorRT-LLM's C++
engines before 1.0).

**TensorRT-LLM 1.0 and later (PyTorch flow, ``CutlassFusedMoE``) with FP4 or per-tensor FP8
weights.** Read at NVIDIA/TensorRT-LLM@000a01de66f0eab4ab05640711f0253f50f5209c
``tensorrt_llm/_torch/modules/fused_moe/fused_moe_cutlass.py`` (``forward_chunk``): with
NVFP4 weights the module quantizes the layer input with ``torch.ops.trtllm.fp4_quantize``
*before* ``torch.ops.trtllm.fused_moe`` (FP4 values plus one FP8 scale per 16 elements);
with FP8 QDQ weights with ``static_quantize_e4m3_per_tensor``. The fused op's kernels
(``cpp/tensorrt_llm/kernels/cutlass_kernels/moe_gemm/moe_kernels.cu`` at the stored version
NVIDIA/TensorRT-LLM@000dea273b339cd5074b3e9b03d5c2c1b10171ba, a later commit than the 1.0
release; the 1.0 file was not in the index):

* ``expandInputRowsKernel``: for an NVFP4 input (``is_nvfp4_input``) each permuted row copies
  the source row's packed FP4 values and writes its block scales (``writeSF``), no
  conversion: read and write ``routed * hidden`` elements at the quantized width;
* ``doActivationKernel``: reads the FC1 output (``GemmOutputType``, 16-bit) gate and linear
  halves and writes the activation quantized (``quantizePackedFPXValue`` for NVFP4, the
  ``fp8_quant`` scale and a cast for FP8): the SwiGLU is a kernel of its own, not fused into
  the FC1 epilogue;
* ``finalizeMoeRoutingKernel``: for each token reads its ``k`` FC2 output rows
  (``GemmOutputType``, 16-bit) and writes one 16-bit row. (The FC2 epilogue can instead fuse
  this reduction, ``EpilogueFusion::FINALIZE``, a tactic the autotuner picks; its scattered
  16-bit adds move the same ``routed * hidden`` elements, so the count is kept.)

Each rank runs the expand and finalize passes on full-width rows (tensor parallelism splits
the experts' intermediate dimension only), so those are not divided by ``tp``. Block-scaled
FP8 checkpoints (DeepSeek's) take another path in that module (the fused op quantizes
itself, ``use_deepseek_fp8_block_scale``) and keep the default.

Bytes per element of a quantized row: NVFP4 ``0.5 + 1/16`` (two values a byte, one E4M3
scale per 16-element block, ``NVFP4BlockScaleVectorSize``), FP8 one byte (per-tensor scale).
"""

from __future__ import annotations

import numpy as np

from planner.perfmodel.engines import Engine, release_tuple

#: Bytes of a 16-bit activation element (the engines' model dtype).
ACT16_BYTES = 2.0
#: Bytes per element of an NVFP4 row: packed 4-bit values plus one 1-byte scale per 16.
NVFP4_ROW_BYTES = 0.5 + 1.0 / 16.0
#: Bytes per element of a per-tensor FP8 row.
FP8_ROW_BYTES = 1.0
#: First TensorRT-LLM release whose MoE rows this module reads as the PyTorch flow's
#: ``CutlassFusedMoE`` (module notes); a version not given means the current release.
TRTLLM_QUANTIZED_PERMUTE_RELEASE = (1, 0, 0)


def quantized_row_bytes(engine: Engine, precision: str, block_scaled: bool = False) -> float:
    """Bytes per element of the rows ``engine``'s MoE expands and feeds to FC2 for weights
    in ``precision``: NVFP4 / FP8 widths for TensorRT-LLM 1.0 and later (or no version
    given) with ``fp4`` / per-tensor ``fp8`` weights; 0 where the module's default 16-bit
    count applies (other engines, earlier releases, 16-bit weights, ``block_scaled`` FP8)."""
    if engine.name != "trtllm":
        return 0.0
    if engine.version and release_tuple(engine.version) < TRTLLM_QUANTIZED_PERMUTE_RELEASE:
        return 0.0
    if precision == "fp4":
        return NVFP4_ROW_BYTES
    if precision == "fp8" and not block_scaled:
        return FP8_ROW_BYTES
    return 0.0


def routed_elementwise_bytes(
    engine: Engine,
    precision: str,
    tokens: np.ndarray,
    top: float,
    hidden: float,
    moe_ffn: float,
    mats: int,
    tp: int,
    block_scaled: bool = False,
) -> np.ndarray:
    """Bytes one rank's routed-expert element-wise passes move (permute, activation,
    finalize and, where the engine runs it, the input quantization) for ``tokens`` tokens
    per rank, each sent to ``top`` experts (module notes).

    Parameters
    ----------
    engine, precision
        The serving engine and the weights' precision name (``fp4``, ``fp8``, ``bf16``...).
    tokens
        Tokens per rank (array).
    top, hidden, moe_ffn
        Experts per token, model width, one expert's intermediate width (whole, before TP).
    mats
        Matrices of the expert MLP (3 gated, 2 not): the activation reads ``mats - 1``
        intermediate rows and writes one.
    tp
        Tensor-parallel degree (splits the intermediate width).
    block_scaled
        The checkpoint's FP8 weights are block-scaled (DeepSeek's format).
    """
    n = np.asarray(tokens, dtype=float)
    routed = n * top
    q = quantized_row_bytes(engine, precision, block_scaled)
    if q == 0.0:
        act = routed * moe_ffn * ACT16_BYTES * mats / tp
        permute = 4 * routed * hidden * ACT16_BYTES / tp
        return act + permute
    quantize = n * hidden * (ACT16_BYTES + q)  # 16-bit input in, quantized rows out
    expand = 2 * routed * hidden * q  # copy of the quantized rows
    act = routed * moe_ffn / tp * ((mats - 1) * ACT16_BYTES + q)
    finalize = routed * hidden * ACT16_BYTES + n * hidden * ACT16_BYTES
    return quantize + expand + act + finalize
