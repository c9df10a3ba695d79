"""Kernel times: GEMMs, memory-bound kernels and the attention core.

A GEMM is a roofline with a shape-dependent efficiency:

``t = max(2mnk / (peak * E_gemm * g(m) g(n) g(k)),  bytes / (B_hbm * E_hbm))``

with ``g(x) = x / (x + H)``: a GEMM dimension of ``H`` (``gemm_half_dim``)
elements reaches half the large-GEMM efficiency (tile under-filling, short K
loops), large dimensions reach ``E_gemm``. The HBM efficiency depends on what
streams: ``hbm_efficiency`` for training kernels, the serving model's
``weight_stream_efficiency`` for decode GEMMs that stream their weights
(:mod:`planner.perfmodel.stage`). Element-wise kernels (LayerNorm, softmax,
dropout, activations, residuals, cross-entropy) are pure HBM traffic
(:func:`memory_time`). Every function here accepts numpy arrays for the token
dimension ``m`` (the serving model evaluates many batch sizes at once).

Constants. The fitted ones live in ``calibration/constants.json``
(:mod:`planner.perfmodel.constants`; the calibration report lists their
values and the rows they were fitted on):

``gemm_efficiency_ampere``, ``gemm_efficiency_hopper``, ``gemm_efficiency_blackwell`` (*fitted*)
    Fraction of the dense 16-bit peak reached by large bf16/fp16 GEMMs on
    A100 / H100-class / B200-class GPUs (public cuBLAS measurements put large
    A100 bf16 GEMMs at 250-290 of 312 TFLOPS, 0.80-0.93; the fit sees whole
    training steps, so it also absorbs what the model leaves out).
``gemm_efficiency_cdna3`` (*fitted*)
    The same fraction on AMD CDNA3 (MI300X, MI325X), fitted in a stage of
    its own on the only CDNA3 fit rows: AMD's vLLM 0.6.6 ``benchmark_latency``
    table of Llama 3.1 70B / 405B FP8 on 8 x MI300X (source
    ``rocm_vllm066``), whose batch-128 decode steps and 2048-token prefills
    are set by their FP8 GEMMs. It lands between 0.28 and 0.32 of the 16-bit peak
    (0.25-0.29 of the FP8 peak with ``fp8_gemm_factor``, 650-760 TFLOP/s; the value of
    the current fit is in ``constants.json``): the FP8 GEMMs that vLLM ran on ROCm in
    early 2025, not the hardware's ceiling. Its companion
    ``weight_stream_efficiency_cdna3`` is poorly determined by those rows (0.69 and the
    0.95 bound fit them alike): at small batches the fitted skinny-GEMM rate and the
    weight stream price the same steps. Training on CDNA3 uses it
    only for a framework built without the vendor's GEMM tuning
    (``Software.tuned_kernels = False``, an assumption).
Tuned serving GEMMs on CDNA3 (:data:`MAX_ACHIEVABLE_TFLOPS`, cited, not fitted)
    A serving engine whose build reaches the GPU's published Max-Achievable FLOPs
    (:attr:`~planner.perfmodel.engines.Engine.tuned_gemms`: a GEMM library at or after the
    hipBLASLt build the figure was measured with, e.g. AMD's MLPerf Inference v5.1 llama2-70b
    engines, :mod:`planner.perfmodel.calibration.mlperf`) runs
    them at that rate instead of the fitted serving value:
    AMD, "Measuring Max-Achievable FLOPs - Part 2" (ROCm blog, 2025-02-28, github
    ROCm/rocm-blogs ``blogs/software-tools-optimization/measuring-max-achievable-flops-part2/
    README.md``, Table 1; hipblaslt-bench at M, N, K = 4096, 4864 (FP8: 3648), 32896,
    ``trig_float`` data, cold caches, a warm device; the library's default kernel selection,
    no tuning table, hipBLASLt db8e93b4 on ROCm 6.3.0): MI300X 654 / 708 / 1,273 TFLOP/s
    FP16 / BF16 / FP8 (median clocks 1,115-1,230 MHz), MI325X 794 / 843 / 1,519
    (1,354-1,464 MHz: its 1,000 W sustain higher clocks than the MI300X's 750 W, at the same
    catalogue peak). The efficiency is that rate over the peak, divided by the shape factor
    ``g(m) g(n) g(k)`` at the measured shape, so the model's GEMM of that shape runs at the
    published rate; no ``fp8_gemm_factor`` (the figure is an FP8 GEMM's own). A check, not a
    fit: AMD's MLPerf Inference v5.1 submission ships the hipBLASLt tuning tables of its
    Llama 2 70B engines (gfx942, 304 CUs, MI325X clocks capped at 1,600-1,700 MHz;
    ``bench/session_runs/s19amd/hipblaslt_tuning.py``): from 700 tokens on, their 977 FP8
    entries run at a median 0.90 (10th-90th percentile 0.85-0.94) of what this rule prices on
    MI325X at the same shapes, up to 1.50 PFLOP/s. The fitted ``gemm_efficiency_cdna3`` (0.25-0.29 of the FP8
    peak, 650-760 TFLOP/s) is 0.5-0.6 of the MI300X figure: the GEMMs of the public vLLM ROCm builds the fit
    rows ran. GPUs without a published figure keep the fitted value.
``gemm_efficiency_cdna3_training`` (*fitted*)
    The same fraction for training GEMMs in AMD's tuned training images
    (``Software.tuned_kernels``, the default), fitted in a stage of its own
    on AMD's published MI325X multi-node Megatron-LM-via-Primus rows
    (``rocm/primus:v26.1``, source ``amd_primus2601``), everything else fixed.
    Like every GEMM efficiency it is fitted on whole steps, so it also absorbs
    the images' attention kernels (Primus-Turbo / AITER) and what the model
    leaves out; fp8 GEMMs pay the shared ``fp8_gemm_factor``.
``fp8_gemm_factor`` (*fitted*)
    fp8 (and fp4) GEMMs reach this fraction of their architecture's 16-bit
    efficiency, against the fp8 (fp4) peak: the scaling-factor (amax)
    bookkeeping, casts and transposes of the fp8 recipes, which a training
    step pays and the fit cannot separate from the GEMM. One factor for
    Hopper and Blackwell (an assumption: the fp4 rows are not fitted). It is a
    training-stage constant, fitted on training rows only.
Hopper FP8 serving GEMMs without the training recipe (:data:`RECIPE_FREE_SERVING`)
    A serving engine's FP8 GEMM on Hopper (``serving=True``: the serving stage model) runs at
    the architecture's 16-bit efficiency of the FP8 peak, without ``fp8_gemm_factor``: an
    engine holds weights quantized once at load (no per-step weight casts, no amax history, no
    transposes for a backward pass), so the recipe costs the factor stands for are not paid.
    The roofline it keeps stays below the public kernel measurements at prefill shapes:
    ``gemm_efficiency_hopper`` of 1,979 TFLOP/s (about 1,140; 1,060-1,110 at 70B / 8B
    projections with M = 2k-16k) against DeepGEMM's H800 FP8 GEMMs at 1,233-1,358 TFLOP/s for
    M >= 1024 and K >= 7168 (github deepseek-ai/DeepGEMM README.md @a6d97a1c, the table of
    :mod:`planner.perfmodel.calibration.deepgemm`) and TileLang's H800 FP8 matmul at
    M = N = 8192, 1,343 / 1,467 / 1,507 TFLOP/s at K = 2048 / 4096 / 8192 (github
    xwhzz/tilelang @b2acfc37 ``benchmark/matmul_fp8/README.md`` lines 34-36); with the factor
    (about 1,010, 950-990 at those shapes) the serving model priced them at 0.65-0.75 of those
    figures (thirty-first session, helper s31fp8, docs/serve.md). Engines on the ``fp8-law``
    option take the law instead, unchanged. Blackwell and Ada FP8 / FP4 serving GEMMs keep the
    factor (their measured-kernel comparison was not made here); training GEMMs keep it.
Architectures without a fitted constant (:func:`uncalibrated_rule`)
    A GPU whose architecture has no fitted GEMM efficiency (CDNA4: MI355X; Ada: L4,
    L40S; a user's GPU naming another architecture or none) takes the *lowest* fitted
    value of its vendor for the same software setting (NVIDIA: the least of Ampere,
    Hopper and Blackwell; AMD: CDNA3's, the tuned-training one for
    ``tuned_training``), or the lowest fitted value of all (the CDNA3 serving one) when
    the architecture names no known vendor; its serving weight-stream efficiency
    likewise (NVIDIA's one fitted value; AMD's CDNA3 one; the lower of the two). A rule,
    not a measurement: newer architectures have so far reached lower fractions of
    their peak in the fits (Ampere 0.76, Hopper 0.58, Blackwell 0.49), so the lowest
    value of the vendor is the conservative choice among the fitted ones, and the plans
    of such a GPU carry a warning (:func:`calibration_warning`). Until the
    seventeenth session this was a flat 0.75, above every fitted value (MI355X came out
    1.5x B200 on Llama 3.1 8B training, where AMD reports 1.02-1.08x).
Another chip of a fitted architecture (:data:`SIBLING_GEMM_RATES`, cited, not fitted)
    The RTX PRO 6000 Blackwell (GB202, sm_120) shares its architecture name with B200
    (sm_100), whose fitted ``gemm_efficiency_blackwell`` it took until the thirtieth session,
    but not its tensor-core datapath (``mma.sync`` block-scaled MMA, no ``tcgen05``), so its
    large GEMMs reach another fraction of their peak. At a scaled precision the fitted value
    is multiplied by the ratio of the two chips' measured fractions of their peaks, the
    best public kernel on each at M = N = K = 8192 in the same format (NVFP4 for fp4, MXFP8
    for fp8): RTX PRO 6000 Blackwell Server Edition NVFP4 ~1629 and MXFP8 ~802 TFLOP/s of
    2,000 / 1,000 (CuTeDSL block-scaled persistent GEMMs, github NVIDIA/cutlass PR #3272,
    2026-05-25, the PR's table); B200 NVFP4 5,730.0 and MXFP8 2,895.0 TFLOP/s of 9,000 /
    4,500 (Gluon 2-CTA block-scaled matmul; cuBLAS 5,589.8 / 2,894.5 in the same run,
    github triton-lang/triton PR #9697, 2026-03-11, the PR's table). Ratios 1.279 (fp4) and
    1.247 (fp8). TensorRT-LLM runs CUTLASS block-scaled kernels on sm_120 (``cpp/tensorrt_llm/
    kernels/cutlass_kernels/fp4_gemm/nvfp4_nvfp4_gemm_template_sm120.h``: ``Sm120``,
    ``OpClassBlockScaledTensorOp``, ``KernelTmaWarpSpecializedCooperative``), the kernel
    family of the RTX figures. A measured rate on a chip of an *unfitted* architecture
    (Ada: L40S FP8) has no fitted sibling to scale and was not found (thirtieth session,
    docs/serve.md); 16-bit GEMMs keep the fitted value (no B200 BF16 figure of the same
    kind was entered).
``gemm_half_dim`` (*fitted*)
    GEMM dimension at which efficiency halves.
``hbm_efficiency`` (*fitted*)
    Fraction of the datasheet HBM bandwidth reached by memory-bound kernels
    (STREAM-like kernels reach 0.8-0.9, framework element-wise kernels less).
Hopper FP8 serving GEMMs at DeepGEMM's measured shape law (:func:`fp8_law_gemm_time`)
    An engine option (:attr:`~planner.perfmodel.engines.Engine.fp8_gemm_law`, ``fp8-law``)
    prices the FP8 GEMMs of a serving engine on a Hopper GPU with the law fitted to
    DeepGEMM's published H800 table (:mod:`planner.perfmodel.calibration.deepgemm`, written
    to ``calibration/hopper_fp8_gemm.json`` by ``planner calibrate``) instead of the fitted
    roofline above: one half-dimension per GEMM side and the table's own weight-stream
    efficiency, ``max(bytes / (B e_s), 2 g (m + h_m)(n + h_n)(k + h_k) / (P E))``. It is
    slower than the roofline at M = 64-128 and faster at M >= 256 (the fitted roofline sees
    whole training steps and the serving rows, not kernels). On Hopper only FP8 GEMMs: the
    table's evidence.
The same law on a chip with a measured scaled-GEMM rate (:func:`fp8_law_efficiency`)
    Under the same option, a scaled (fp4 / fp8) GEMM on a GPU whose own chip has a measured
    large-GEMM rate in that format (:data:`SIBLING_GEMM_RATES`: the RTX PRO 6000's NVFP4
    ~1,629 and MXFP8 ~802 TFLOP/s at M = N = K = 8192, CUTLASS's block-scaled kernels, the
    family TensorRT-LLM runs on sm_120) follows the law with DeepGEMM's half-dimensions and
    stream efficiency, its ``E`` set so that the law's time at 8192^3 is the measured one
    (0.8145 / 0.9025 = 0.903 of the FP4 peak, 0.889 of the FP8 one, against Hopper's fitted
    0.72; the law's shape factor at 8192^3 is 0.9025). Why: trtllm-bench's PyTorch-flow rows
    on H100 / H200 (the fit rows) price their prefill GEMMs at a measured kernel's rate
    (0.65 of the peak at 8192^3), while the same flow's rows on the RTX PRO 6000 took the
    B200 training fit scaled by the chips' measured ratio (0.563 of the FP4 peak, 0.69 of
    the card's measured kernel): its prefill-heavy rows ran 18-23 % slow, its decode-heavy
    ones 10-17 % fast (thirty-first session, s31prefill, docs/serve.md). An assumption:
    the table's shape dependence and small-M weight stream (0.665 of the bandwidth, an HBM3
    figure) carry over to sm_120 on GDDR7; nothing measured them there. Other GPUs (B200,
    Ada) and 16-bit GEMMs keep the roofline, and so does every GEMM without the option
    (training, the C++ flow).
``FLASH_EFFICIENCY``, ``FLASH_CAUSAL_FRACTION``, ``FLASH_BWD_RATIO``
    Fused (FlashAttention) training attention: fraction of the dense peak,
    share of the score square computed under a causal mask, backward/forward
    work. From the FlashAttention-2/3 papers, not fitted.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from planner.perfmodel import constants
from planner.perfmodel.calibration import deepgemm
from planner.perfmodel.hardware import GpuSpec, known_vendor
from planner.perfmodel.precision import Precision, get_precision

#: The fitted 16-bit GEMM efficiency of each architecture that has one: (vendor, constant
#: name, constant name under ``tuned_training``).
FITTED_GEMM = {
    "Ampere": ("NVIDIA", "gemm_efficiency_ampere", "gemm_efficiency_ampere"),
    "Hopper": ("NVIDIA", "gemm_efficiency_hopper", "gemm_efficiency_hopper"),
    "Blackwell": ("NVIDIA", "gemm_efficiency_blackwell", "gemm_efficiency_blackwell"),
    "CDNA3": ("AMD", "gemm_efficiency_cdna3", "gemm_efficiency_cdna3_training"),
}
#: The fitted serving weight-stream efficiency of each vendor's fitted architectures (one
#: value for NVIDIA, fitted on A100 / H100 / H200 rows; CDNA3's for AMD).
FITTED_STREAM = {"NVIDIA": "weight_stream_efficiency", "AMD": "weight_stream_efficiency_cdna3"}
#: Fused attention: fraction of dense peak reached (FlashAttention-2 reports 50-73 % on
#: A100 forward, FlashAttention-3 about 75 % on H100; backward lower), not fitted.
FLASH_EFFICIENCY = 0.55
#: Fused attention with a causal mask computes about half of the ``s x s`` square.
FLASH_CAUSAL_FRACTION = 0.5
#: Fused attention backward / forward work (recomputes scores: 5 matmuls vs 2, FA2 paper).
FLASH_BWD_RATIO = 2.5
#: Bytes per 16-bit activation element written by a GEMM.
OUT_BYTES = 2.0


#: AMD's published Max-Achievable FLOPs (TFLOP/s) by GPU and precision key (module notes:
#: ROCm blog "Measuring Max-Achievable FLOPs - Part 2", 2025-02-28, Table 1).
MAX_ACHIEVABLE_TFLOPS: dict[str, dict[str, float]] = {
    "MI300X": {"fp16": 654.0, "bf16": 708.0, "fp8": 1273.0},
    "MI325X": {"fp16": 794.0, "bf16": 843.0, "fp8": 1519.0},
}
#: The hipblaslt-bench shapes (M, N, K) of those figures (the blog's Appendix B commands).
MAX_ACHIEVABLE_SHAPES: dict[str, tuple[int, int, int]] = {
    "fp16": (4096, 4864, 32896),
    "bf16": (4096, 4864, 32896),
    "fp8": (4096, 3648, 32896),
}


#: Measured large-GEMM rates (TFLOP/s, M = N = K = 8192, the best public kernel) of a GPU and of
#: the GPU its architecture's efficiency was fitted on, by precision key (module notes):
#: GPU name -> (fitted sibling, {precision: (TFLOP/s, peak, sibling TFLOP/s, sibling peak)}).
SIBLING_GEMM_RATES: dict[str, tuple[str, dict[str, tuple[float, float, float, float]]]] = {
    # NVIDIA/cutlass PR #3272 (RTX PRO 6000 Server Edition); triton-lang/triton PR #9697 (B200)
    "RTX-PRO-6000": (
        "B200",
        {"fp4": (1629.0, 2000.0, 5730.0, 9000.0), "fp8": (802.0, 1000.0, 2895.0, 4500.0)},
    ),
}


def sibling_gemm_ratio(gpu: GpuSpec, precision: Precision | str) -> float:
    """How much larger a fraction of its peak ``gpu``'s large GEMMs at ``precision`` reach than
    those of the GPU its architecture's efficiency was fitted on (:data:`SIBLING_GEMM_RATES`);
    1.0 where no measured pair exists."""
    entry = SIBLING_GEMM_RATES.get(gpu.name)
    if entry is None:
        return 1.0
    rates = entry[1].get(get_precision(precision).tflops_key)
    if rates is None:
        return 1.0
    own, peak, sibling, sibling_peak = rates
    return (own / peak) / (sibling / sibling_peak)


#: Precisions whose GEMMs pay ``fp8_gemm_factor`` (scaled low-precision formats).
SCALED_PRECISIONS = frozenset({"fp8", "fp4"})
#: Architectures whose serving GEMMs at a scaled precision do not pay ``fp8_gemm_factor``, the
#: training recipe's overhead (module notes: the Hopper comparison with measured FP8 kernels).
RECIPE_FREE_SERVING = frozenset({"Hopper"})


def scaled_gemms(precision: Precision | str) -> bool:
    """Whether GEMMs at ``precision`` run in a scaled low-precision format (fp8, fp4)."""
    return get_precision(precision).name in SCALED_PRECISIONS


def calibrated(gpu: GpuSpec) -> bool:
    """Whether ``gpu``'s architecture has a fitted GEMM efficiency (:data:`FITTED_GEMM`)."""
    return gpu.architecture in FITTED_GEMM


def uncalibrated_rule(architecture: str, tuned_training: bool = False) -> tuple[float, str]:
    """(16-bit GEMM efficiency, how it was chosen) for an architecture without a fitted one.

    The lowest fitted value of the architecture's vendor under the same software setting
    (``tuned_training`` selects CDNA3's tuned-training constant, as it does on CDNA3), or
    the lowest fitted GEMM efficiency of all when the vendor is unknown (module notes).
    """
    vendor = known_vendor(architecture)
    fitted = constants.FITTED
    if vendor is None:
        names = {name for _v, *pair in FITTED_GEMM.values() for name in pair}
        name = min(sorted(names), key=lambda n: fitted[n])
        return fitted[name], f"the lowest fitted GEMM efficiency of all ({name})"
    candidates = [
        (fitted[tuned if tuned_training else plain], arch)
        for arch, (v, plain, tuned) in FITTED_GEMM.items()
        if v == vendor
    ]
    value, arch = min(candidates)
    return value, f"the lowest fitted {vendor} GEMM efficiency ({arch})"


def tuned_serving_efficiency(gpu: GpuSpec, precision: Precision | str) -> float | None:
    """Large-GEMM fraction of ``gpu``'s peak at ``precision`` for a serving engine with tuned
    GEMMs: the published Max-Achievable FLOPs over the peak, divided by the shape factor at
    the measured shape (:data:`MAX_ACHIEVABLE_TFLOPS`, module notes); ``None`` when the GPU
    has no published figure for the precision's peak."""
    prec = get_precision(precision)
    measured = MAX_ACHIEVABLE_TFLOPS.get(gpu.name, {}).get(prec.tflops_key)
    if measured is None:
        return None
    h = constants.FITTED["gemm_half_dim"]
    shape = 1.0
    for dim in MAX_ACHIEVABLE_SHAPES[prec.tflops_key]:
        shape *= dim / (dim + h)
    return measured * 1e12 / (gpu.peak_flops(prec) * shape)


def gemm_efficiency(
    gpu: GpuSpec,
    precision: Precision | str = "bf16",
    tuned_training: bool = False,
    tuned_serving: bool = False,
    serving: bool = False,
) -> float:
    """Large-GEMM fraction of ``gpu``'s dense peak at ``precision``.

    The 16-bit efficiency of the architecture; fp8 and fp4 GEMMs reach
    ``fp8_gemm_factor`` of it, times :func:`sibling_gemm_ratio` on a GPU whose chip is not
    the one its architecture was fitted on (1.0 elsewhere; the RTX PRO 6000's fp4 / fp8 GEMMs
    then reach 1.13 / 1.10 of the fitted 16-bit value, as the measured kernels do relative to
    B200's). ``tuned_training``: training GEMMs of the vendor's tuned
    training image (``Software.tuned_kernels``), which on CDNA3 have their own fitted
    efficiency (elsewhere the flag changes nothing). ``tuned_serving``: serving GEMMs of an
    engine built with shape-tuned GEMMs (``Engine.tuned_gemms``), at the GPU's published
    Max-Achievable FLOPs where it has one (:func:`tuned_serving_efficiency`; elsewhere the
    flag changes nothing). ``serving``: a serving engine's GEMM, which on the architectures of
    :data:`RECIPE_FREE_SERVING` (Hopper) does not pay ``fp8_gemm_factor`` (module notes). An
    architecture without a fitted value takes :func:`uncalibrated_rule`'s.
    """
    if tuned_serving:
        measured = tuned_serving_efficiency(gpu, precision)
        if measured is not None:
            return measured
    fitted = constants.FITTED
    entry = FITTED_GEMM.get(gpu.architecture)
    if entry is None:
        efficiency = uncalibrated_rule(gpu.architecture, tuned_training)[0]
    else:
        efficiency = fitted[entry[2] if tuned_training else entry[1]]
    if scaled_gemms(precision):
        recipe_free = serving and gpu.architecture in RECIPE_FREE_SERVING
        factor = 1.0 if recipe_free else fitted["fp8_gemm_factor"]
        efficiency *= factor * sibling_gemm_ratio(gpu, precision)
    return efficiency


def stream_efficiency(gpu: GpuSpec) -> float:
    """Fraction of ``gpu``'s HBM bandwidth a serving iteration reaches streaming its weights
    and KV cache (fitted: ``weight_stream_efficiency``; CDNA3 ``weight_stream_efficiency_cdna3``).

    Other architectures take their vendor's fitted value (NVIDIA has one; AMD's is CDNA3's),
    the lower of the two when the vendor is unknown. No factor by memory type: one streaming
    benchmark on GDDR6 and HBM GPUs (RRZE gpu-stream, github te42kyfo/gpu-benches @1c36d509
    ``gpu-stream/*.txt``) puts GDDR6 at 0.98 of its datasheet figure (L40, A40) and HBM at
    0.81-1.0 (H200, A100 80GB, H100 PCIe), so a GDDR GPU reaches no smaller fraction than the
    fitted HBM ones (thirtieth session, s30gddr, docs/serve.md).
    """
    fitted = constants.FITTED
    vendor = known_vendor(gpu.architecture)
    if vendor is None:
        return min(fitted[name] for name in FITTED_STREAM.values())
    return fitted[FITTED_STREAM[vendor]]


def calibration_warning(
    gpu: GpuSpec, tuned_training: bool = False, serving: bool = False
) -> str | None:
    """One line for a plan's warnings when ``gpu``'s architecture has no fitted GEMM
    efficiency (``None`` when it has one): the rule that priced it (:func:`uncalibrated_rule`;
    ``serving``: also the weight-stream efficiency) and that its times are not calibrated."""
    if calibrated(gpu):
        return None
    value, how = uncalibrated_rule(gpu.architecture, tuned_training)
    arch = f"architecture {gpu.architecture!r}" if gpu.architecture else "no architecture"
    stream = (
        f", its weight streaming at {stream_efficiency(gpu):.3f} of its memory bandwidth"
        if serving
        else ""
    )
    return (
        f"GPU {gpu.name} ({arch}) has no fitted GEMM efficiency: its GEMMs are priced at "
        f"{value:.3f} of the dense peak, {how}{stream}; its times are not calibrated "
        "(a conservative rule, not a measurement)"
    )


def hbm_efficiency() -> float:
    """Fraction of the HBM bandwidth memory-bound training kernels reach (fitted)."""
    return constants.FITTED["hbm_efficiency"]


@constants.on_change
@functools.lru_cache(maxsize=256)
def gemm_rates(
    gpu: GpuSpec,
    precision: str,
    tuned_training: bool = False,
    tuned_serving: bool = False,
    serving: bool = False,
) -> tuple[float, float, float]:
    """(large-GEMM FLOP/s, input bytes per element, training HBM bytes/s) at ``precision``; cached.

    Clear with ``gemm_rates.cache_clear()`` after changing the module constants.
    """
    prec = get_precision(precision)
    return (
        gpu.peak_flops(prec) * gemm_efficiency(gpu, prec, tuned_training, tuned_serving, serving),
        prec.bytes,
        gpu.hbm_bw * hbm_efficiency(),
    )


def gemm_time(
    gpu: GpuSpec,
    m: float | np.ndarray,
    n: float,
    k: float,
    precision: Precision | str = "bf16",
    *,
    batch: float | np.ndarray = 1.0,
    in_bytes: float | None = None,
    out_bytes: float = OUT_BYTES,
    hbm_efficiency: float | None = None,
    tuned_training: bool = False,
    compute_efficiency: float | None = None,
    tuned_serving: bool = False,
    fp8_law: bool = False,
    serving: bool = False,
) -> float | np.ndarray:
    """Seconds for ``batch`` independent ``[m, k] x [k, n]`` matmuls.

    Parameters
    ----------
    gpu
        The GPU.
    m, n, k
        GEMM shape (rows of the output, columns of the output, reduction);
        ``m`` may be an array (then ``m > 0`` everywhere).
    precision
        Input precision of the tensor-core operation (sets the peak).
    batch
        Number of identical GEMMs (batched matmul, grouped experts); scalar or
        an array like ``m``.
    in_bytes
        Bytes per input element (defaults to the precision's).
    out_bytes
        Bytes per output element.
    hbm_efficiency
        Fraction of the HBM bandwidth the operand traffic reaches (default
        :func:`hbm_efficiency`).
    tuned_training
        A training GEMM of the vendor's tuned training image (:func:`gemm_efficiency`).
    compute_efficiency
        The fraction of the precision's peak that this GEMM's kernel was measured to reach at
        large shapes (e.g. :data:`planner.perfmodel.engines.TRITON_BLOCK_FP8_GEMM_EFFICIENCY`):
        a ceiling on its FLOP rate, ``2mnk / (peak * compute_efficiency)``, on top of the
        fitted shape-dependent rate (which still binds where it is slower, at small shapes).
    tuned_serving
        A serving GEMM of an engine built with shape-tuned GEMMs (:func:`gemm_efficiency`).
    fp8_law
        A serving GEMM of an engine whose scaled GEMMs follow DeepGEMM's measured shape law
        (:func:`fp8_law_gemm_time`, where :func:`fp8_law_applies`: Hopper FP8, or a chip with
        a measured rate at the precision; the kernel's ``compute_efficiency`` ceiling still
        binds on top).
    serving
        A serving engine's GEMM (:func:`gemm_efficiency`: no ``fp8_gemm_factor`` on Hopper).
    """
    array = isinstance(m, np.ndarray) or isinstance(batch, np.ndarray)
    if n <= 0 or k <= 0:
        return np.zeros_like(m) if array else 0.0
    if not array and (m <= 0 or batch <= 0):
        return 0.0
    if fp8_law and fp8_law_applies(gpu, precision):
        t = fp8_law_gemm_time(gpu, m, n, k, batch=batch, precision=precision)
        if compute_efficiency is None:
            return t
        kernel = 2.0 * batch * m * n * k / _ceiling(gpu, precision, compute_efficiency)
        return np.maximum(t, kernel) if array else max(t, kernel)
    peak, eb, hbm = _gemm_rates(
        gpu, precision, hbm_efficiency, tuned_training, tuned_serving, serving
    )
    if in_bytes is not None:
        eb = in_bytes
    ceiling = _ceiling(gpu, precision, compute_efficiency)
    return _roofline(m, n, k, batch, peak, eb, hbm, out_bytes, array, ceiling)


def _ceiling(gpu: GpuSpec, precision: Precision | str, compute_efficiency: float | None) -> float:
    """FLOP/s ceiling of a kernel measured at ``compute_efficiency`` of the peak (inf: none)."""
    if compute_efficiency is None:
        return float("inf")
    return gpu.peak_flops(get_precision(precision)) * compute_efficiency


def _gemm_rates(
    gpu: GpuSpec,
    precision: Precision | str,
    hbm_efficiency: float | None,
    tuned_training: bool = False,
    tuned_serving: bool = False,
    serving: bool = False,
) -> tuple[float, float, float]:
    """(peak FLOP/s, input bytes per element, HBM bytes/s) of :func:`gemm_time`."""
    name = precision if isinstance(precision, str) else precision.name
    peak, eb, hbm = gemm_rates(gpu, name, tuned_training, tuned_serving, serving)
    if hbm_efficiency is not None:
        hbm = gpu.hbm_bw * hbm_efficiency
    return peak, eb, hbm


def _roofline(
    m,
    n,
    k,
    batch,
    peak: float,
    eb: float,
    hbm: float,
    out_bytes: float,
    array: bool,
    ceiling: float = float("inf"),
):
    """The larger of compute and operand traffic time of :func:`gemm_time` (elementwise);
    ``ceiling``: a kernel's measured FLOP/s at large shapes (:func:`gemm_time`)."""
    h = constants.FITTED["gemm_half_dim"]
    compute = 2.0 * batch * (m + h) * (n + h) * (k + h) / peak
    if ceiling != float("inf"):
        kernel = 2.0 * batch * m * n * k / ceiling
        compute = np.maximum(compute, kernel) if array else max(compute, kernel)
    traffic = batch * ((m * k + k * n) * eb + m * n * out_bytes)
    if array:
        return np.maximum(compute, traffic / hbm)
    return max(compute, traffic / hbm)


def gemm_time_sum(
    gpu: GpuSpec,
    m: np.ndarray,
    shapes: Sequence[tuple[float, float]],
    precision: Precision | str = "bf16",
    *,
    batch: float | np.ndarray = 1.0,
    hbm_efficiency: float | None = None,
    compute_efficiency: float | None = None,
    tuned_serving: bool = False,
    fp8_law: bool = False,
    serving: bool = False,
) -> np.ndarray | int:
    """``sum(gemm_time(gpu, m, n, k, ...) for n, k in shapes)`` for a 1-d array ``m``, the
    GEMMs in one broadcast evaluation: the same operations per element, added in the same
    order (0 when ``shapes`` is empty, like ``sum``)."""
    if not shapes:
        return 0
    law = fp8_law and fp8_law_applies(gpu, precision)
    if (
        not law
        and isinstance(m, np.ndarray)
        and m.ndim == 1
        and all(n > 0 and k > 0 for n, k in shapes)
    ):
        n = np.array([[n] for n, _ in shapes], dtype=float)
        k = np.array([[k] for _, k in shapes], dtype=float)
        peak, eb, hbm = _gemm_rates(
            gpu, precision, hbm_efficiency, tuned_serving=tuned_serving, serving=serving
        )
        ceiling = _ceiling(gpu, precision, compute_efficiency)
        rows = _roofline(m[None, :], n, k, batch, peak, eb, hbm, OUT_BYTES, True, ceiling)
        total = 0
        for row in rows:
            total = total + row
        return total
    return sum(
        gemm_time(
            gpu,
            m,
            n,
            k,
            precision,
            batch=batch,
            hbm_efficiency=hbm_efficiency,
            compute_efficiency=compute_efficiency,
            tuned_serving=tuned_serving,
            fp8_law=law,
            serving=serving,
        )
        for n, k in shapes
    )


#: GPU architecture whose FP8 GEMMs the law describes (the table's H800 is Hopper silicon).
FP8_LAW_ARCHITECTURE = "Hopper"
#: The shape (M, N, K) of the measured rates in :data:`SIBLING_GEMM_RATES` (both PRs' tables).
MEASURED_RATE_SHAPE = (8192.0, 8192.0, 8192.0)


def measured_gemm_fraction(gpu: GpuSpec, precision: Precision | str) -> float | None:
    """The fraction of its dense peak ``gpu``'s own chip was measured to reach at
    :data:`MEASURED_RATE_SHAPE` in ``precision``'s scaled format (:data:`SIBLING_GEMM_RATES`:
    the RTX PRO 6000's NVFP4 / MXFP8 CUTLASS kernels); ``None`` where there is no figure."""
    entry = SIBLING_GEMM_RATES.get(gpu.name)
    if entry is None:
        return None
    rates = entry[1].get(get_precision(precision).tflops_key)
    return None if rates is None else rates[0] / rates[1]


def fp8_law_applies(gpu: GpuSpec, precision: Precision | str) -> bool:
    """Whether DeepGEMM's shape law prices a GEMM at ``precision`` on ``gpu``: an FP8 tensor
    core GEMM (``fp8``, the FP8 layers of ``fp8-mixed``) on a Hopper GPU, the table's case;
    or a scaled GEMM whose large-shape rate was measured on ``gpu``'s own chip
    (:func:`measured_gemm_fraction`), the law re-anchored at that rate
    (:func:`fp8_law_efficiency`)."""
    key = get_precision(precision).tflops_key
    if gpu.architecture == FP8_LAW_ARCHITECTURE and key == "fp8":
        return True
    # by the format's peak key, as on Hopper: ``fp8-mixed``'s FP8 layers are scaled GEMMs too
    return key in SCALED_PRECISIONS and measured_gemm_fraction(gpu, precision) is not None


@functools.lru_cache(maxsize=1)
def fp8_law_constants() -> dict[str, float]:
    """The law's shipped constants (``calibration/hopper_fp8_gemm.json``, :mod:`deepgemm`)."""
    return deepgemm.load()


def fp8_law_efficiency(gpu: GpuSpec, precision: Precision | str) -> float:
    """The law's large-GEMM efficiency ``E`` on ``gpu`` at ``precision``: the fitted one on
    Hopper FP8; elsewhere the one at which the law's time at :data:`MEASURED_RATE_SHAPE`
    equals the chip's measured rate (its fraction over the law's shape factor there), the
    half-dimensions and the stream efficiency staying DeepGEMM's (module notes)."""
    c = fp8_law_constants()
    measured = None
    if gpu.architecture != FP8_LAW_ARCHITECTURE:
        measured = measured_gemm_fraction(gpu, precision)
    if measured is None:
        return c["efficiency"]
    shape = 1.0
    for dim, half in zip(MEASURED_RATE_SHAPE, ("half_m", "half_n", "half_k"), strict=True):
        shape *= dim / (dim + c[half])
    return measured / shape


def fp8_law_gemm_time(
    gpu: GpuSpec,
    m: float | np.ndarray,
    n: float,
    k: float,
    *,
    batch: float | np.ndarray = 1.0,
    precision: Precision | str = "fp8",
) -> float | np.ndarray:
    """Seconds of ``batch`` scaled GEMMs ``[m, k] x [k, n]`` on ``gpu`` under DeepGEMM's
    fitted shape law (module notes; :func:`planner.perfmodel.calibration.deepgemm.law_times`
    at the GPU's own peak at ``precision``, its HBM bandwidth, the precision's operand bytes
    and :func:`fp8_law_efficiency`)."""
    c = fp8_law_constants()
    prec = get_precision(precision)
    params = [c[name] for name in deepgemm.NAMES]
    params[0] = fp8_law_efficiency(gpu, prec)
    t = deepgemm.law_times(
        params,
        m,
        n,
        k,
        batch,
        peak=gpu.peak_flops(prec),
        bandwidth=gpu.hbm_bw,
        in_bytes=prec.bytes,
    )
    array = isinstance(m, np.ndarray) or isinstance(batch, np.ndarray)
    return t if array else float(t)


def memory_time(gpu: GpuSpec, nbytes: float | np.ndarray) -> float | np.ndarray:
    """Seconds for a memory-bound kernel moving ``nbytes`` through HBM."""
    if isinstance(nbytes, np.ndarray):
        return np.maximum(nbytes, 0.0) / (gpu.hbm_bw * hbm_efficiency())
    return max(0.0, nbytes) / (gpu.hbm_bw * hbm_efficiency())


def flash_attention_time(
    gpu: GpuSpec, flops: float | np.ndarray, precision: Precision | str, efficiency: float
) -> float | np.ndarray:
    """Seconds of a fused attention kernel doing ``flops`` at ``efficiency`` of the dense peak."""
    return flops / (gpu.peak_flops(precision) * efficiency)
