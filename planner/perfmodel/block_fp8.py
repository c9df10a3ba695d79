"""Block-scaled FP8 GEMMs at decode sizes: the tile kernel's own floor.

DeepSeek-V3's FP8 checkpoint scales its weights in 128 x 128 blocks and its activations per
token and group of 128. vLLM's dense linear layers of that format
(``apply_w8a8_block_fp8_linear``) ran on Hopper through vLLM's CUTLASS blockwise kernel (vLLM
PR #11868; SGLang PR #3267, 2025-02-03, ports it "mainly from vllm") for every weight whose
sides divide by 128, and through Triton's ``w8a8_block_fp8_matmul`` otherwise (the
``[576, 7168]`` ``kv_a_proj_with_mqa``; vLLM PR #23280, 2025-08-20: "The ``weight.shape % 128
!= 0`` limitation of the SM90 CUTLASS implementation was a product of our custom
implementation", replaced by upstream CUTLASS then). Each 128 x 128 output tile is one CTA
that walks the whole K dimension (no split-K), so at decode sizes (one 128-row tile) a
layer of ``N`` output columns runs ``N / 128`` CTAs, each streaming its ``128 x K`` strip of
weights, however few tokens there are: far slower than the weight bytes over the HBM
bandwidth. SGLang's kernel benchmark (``bench_fp8_blockwise_gemm.py``, its ``vllm`` column is
vLLM's ``cutlass_scaled_mm`` with block scales) prints these times, flat from batch 1 to
64-128, for DeepSeek-V3's shapes: e.g. 20.6 us for ``N, K = 512, 7168`` (3.7 MB of weights,
0.18 TB/s) and 103.5 us for ``7168, 18432`` (132 MB, 1.3 TB/s).

Model (:func:`block_fp8_gemm_floor_s`), fitted here on those rows (:func:`fit`, the committed
fit; :data:`ROWS` quotes them):

``t = T0 + waves * K * S * min(1, ctas / C)``

with ``ctas = ceil(m / 128) * ceil(n / 128)`` output tiles, ``waves = ceil(ctas / SMs)`` and
``ctas`` per wave capped at the SM count: a fixed time per kernel ``T0`` (launch, prologue,
epilogue) and a time per K element of a CTA's walk that grows with the CTAs sharing the
memory system up to ``C`` of them (4 CTAs stream 4x faster per CTA than 24 or more; the
microbenchmark shows no further slowdown beyond). Fitted (11 rows, RMS log error 14 %, max
+36 % at ``3072 x 1536``): ``T0`` = 13.8 us, ``S`` = 4.67 ns, ``C`` = 29. Checked on a row it
was not fitted on: vLLM's own benchmark of the same kernel on an H100 (PR #23280, the "cutlass"
column before the change: 0.893 TFLOP/s at ``N, K = 2112, 7168``, batch 1, i.e. 33.9 us)
comes out at 33.4 us. The GPU of the SGLang rows is not named in the pull requests (the same
team's PR #3893 benchmarked on an H200); both are 132-SM Hopper parts and the kernel is
bound by its CTAs' walk, not by the HBM, so the figures stand for both.

It is a floor: the serving model charges ``max(roofline, floor)``
(:class:`~planner.perfmodel.stage.EngineModel`). At prefill sizes the tiles run in many
waves and the floor stays close to the kernel's measured time (SGLang PR #5820: 1619.6 us at
``m, N, K = 4096, 24576, 7168`` against a floor of 1587.7; 223.6 us at ``4096, 32768, 512``
against 164.5; 149.2 us at ``512, 7168, 16384`` against 166.9, the one row above), near the
fitted roofline there. Which engines run the kernel is an
engine-and-version fact (:func:`planner.perfmodel.engines.block_fp8_dense_gemms`). The Triton
kernel of the ``576``-wide layer is given the same floor (SGLang's Triton column at
``512 x 7168``, batch 1: 31.6 us, above the floor's 18.4 us; an assumption).
"""

from __future__ import annotations

import math

import numpy as np

from planner.perfmodel.hardware import GpuSpec

#: Output tile of the kernel (rows and columns of one CTA's tile).
TILE = 128
#: SMs of the GPUs the rows ran on (H100 / H200 SXM): one wave of CTAs.
FIT_SMS = 132
#: The fit rows: (SGLang pull request, N, K, microseconds at batch 1), the ``vllm`` column of
#: ``bench_fp8_blockwise_gemm.py`` (PR #5207, 2025-04-09; PR #5820, 2025-04-28, "main").
ROWS = (
    ("#5820", 24576, 7168, 89.951999),
    ("#5820", 32768, 512, 16.416000),
    ("#5207", 24576, 1536, 34.304000),
    ("#5207", 2048, 7168, 27.904000),
    ("#5207", 7168, 9216, 57.119999),
    ("#5820", 7168, 16384, 77.183999),
    ("#5207", 4608, 7168, 46.592001),
    ("#5207", 3072, 7168, 45.600001),
    ("#5820", 3072, 1536, 14.528000),
    ("#5820", 512, 7168, 20.608000),
    ("#5207", 7168, 18432, 103.519998),
)
#: Fitted by :func:`fit` on :data:`ROWS` (a test checks they match): seconds per kernel,
#: seconds per K element of a CTA's walk at ``SATURATING_CTAS`` or more CTAs per wave, and
#: that CTA count.
KERNEL_S = 13.787e-6
K_STEP_S = 4.6719e-9
SATURATING_CTAS = 29


def _walk(m: float | np.ndarray, n: float, k: float, sms: int, ctas_cap: float):
    """K elements walked per CTA over the waves, scaled by the CTAs sharing a wave."""
    ctas = np.ceil(np.asarray(m, dtype=float) / TILE) * math.ceil(n / TILE)
    waves = np.ceil(ctas / sms)
    per_wave = np.minimum(ctas, sms)
    return waves * k * np.minimum(1.0, per_wave / ctas_cap)


def block_fp8_gemm_floor_s(gpu: GpuSpec, m: float | np.ndarray, n: float, k: float):
    """Least seconds of one block-FP8 ``[m, k] x [k, n]`` GEMM of the tile kernel (module
    notes); ``m`` may be an array."""
    walk = _walk(np.maximum(m, 1.0), n, k, gpu.sms or FIT_SMS, SATURATING_CTAS)
    out = KERNEL_S + K_STEP_S * walk
    return out if isinstance(m, np.ndarray) else float(out)


def fit(rows=ROWS) -> tuple[float, float, int, float]:
    """(``KERNEL_S``, ``K_STEP_S``, ``SATURATING_CTAS``, RMS log error) fitted on ``rows``:
    least squares in the two linear terms for each integer cap, the cap with the smallest RMS
    log error kept."""
    y = np.array([r[3] for r in rows]) * 1e-6
    best: tuple[float, float, int, float] | None = None
    for cap in range(1, FIT_SMS + 1):
        x = np.array([float(_walk(1.0, n, k, FIT_SMS, cap)) for _, n, k, _ in rows])
        a = np.vstack([np.ones_like(x), x]).T
        (t0, s), *_ = np.linalg.lstsq(a, y, rcond=None)
        pred = t0 + s * x
        if np.any(pred <= 0):
            continue
        err = float(np.sqrt(np.mean(np.log(pred / y) ** 2)))
        if best is None or err < best[3]:
            best = (float(t0), float(s), cap, err)
    assert best is not None
    return best


__all__ = [
    "FIT_SMS",
    "KERNEL_S",
    "K_STEP_S",
    "ROWS",
    "SATURATING_CTAS",
    "TILE",
    "block_fp8_gemm_floor_s",
    "fit",
]
