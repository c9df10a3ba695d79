"""Size the brief's three GPU-side candidates for the eager dropless expert path against what the
model misses, per MoE layer and microbatch, on the Megatron-Bridge rows with >= 16 local experts.

Run: ``PYTHONPATH=. .venv/bin/python bench/session_runs/s15grp/candidates.py`` (seconds).

Columns (ms per MoE layer and microbatch, forward + backward, one GPU):

* ``gap``: measured minus model step time over (layers of the busiest stage x microbatches), as
  ``bench/train_bridge_moe.py --count`` prints it.
* ``experts``: the model's routed-expert GEMM time (fc1, fc2: forward, data and weight gradient),
  ``kernels.gemm_time`` with ``batch`` = local experts, as ``layer.layer_cost`` prices them.
* ``wave1`` / ``wave4``: candidate 1, the tile-wave floor: the extra time if every expert GEMM ran
  in whole waves of 128 x 128 output tiles (one CTA per SM), on top of the model's time
  (``t / eff - t``, ``eff`` = tiles / (waves x SMs)): ``wave1`` one GEMM at a time (upper bound),
  ``wave4`` four experts' GEMMs sharing the waves (Transformer Engine 2.8's ``GroupedLinear``
  issues them on four compute streams, ``multi_stream_cublas_gemm``,
  ``nvte_get_num_compute_streams``). The model's ``g(m) g(n) g(k)`` already charges partial
  tiles, so both are upper bounds of what is missing.
* ``launch``: candidate 3 (and the GEMMs' own launches), the GPU-side floor of the per-expert
  kernels: per local expert and layer-microbatch 6 GEMMs (2 forward, 4 backward) and 4
  quantizations (fc1 / fc2 input forward, their output gradients backward), in FP8 current
  scaling each with an amax and a scale kernel before its cast (TE 2.8
  ``Float8CurrentScalingQuantizer::quantize``); what each kernel's priced time (GEMM model,
  bytes over HBM; the scale kernel none) falls short of ``engines.KERNEL_FLOOR_S`` (3.4 us, the
  shortest kernel in a CUDA graph, NVIDIA's CUDA Graphs blog), summed: the time a floor per
  kernel would add, as if nothing overlapped across the four streams (an upper bound).
* ``amax``: the extra bf16 read of the current-scaling amax pass (FP8-CS rows only), which
  ``layer.expert_quant_bytes`` (bf16 read + row- and column-wise fp8 write) leaves out.
* ``sync``: candidate 2's device-side part, one D2H copy of the token counts and one wait per
  MoE layer forward, ``SYNC_S`` (an assumption: a few microseconds on bare metal).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.perfmodel.engines import KERNEL_FLOOR_S
from planner.perfmodel.kernels import gemm_time, memory_time
from planner.perfmodel.layer import expert_shapes
from planner.perfmodel.precision import get_precision

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/
from train_bridge_moe import many_expert_rows

TILE = 128
STREAMS = 4
SYNC_S = 20e-6
COLUMNS = ("gap", "experts", "wave1", "wave4", "launch", "amax", "sync")
HEADER = (
    "| row | MBS | local | tokens/expert | "
    + " | ".join(COLUMNS)
    + " |\n"
    + "|---" * (4 + len(COLUMNS))
    + "|"
)


def wave_eff(m: float, n: float, sms: int, concurrent: int) -> float:
    """Fraction of the SM-waves filled by ``concurrent`` GEMMs of ``m x n`` output tiles."""
    ctas = math.ceil(m / TILE) * math.ceil(n / TILE) * concurrent
    return ctas / (math.ceil(ctas / sms) * sms)


def main() -> None:
    print(HEADER)
    for row, problem, gpu, local, gap in many_expert_rows():
        model = problem.model
        prec = get_precision(row.precision)
        tpe = row.microbatch * row.seq_len * model.experts_per_token * row.ep / model.num_experts
        t = w1 = w4 = 0.0
        floor = 0.0  # per expert: what its kernels fall short of KERNEL_FLOOR_S
        for n, k in expert_shapes(model, 1):
            # forward, data gradient, weight gradient: (m, n, k) of each
            for mm, nn, kk in ((tpe, n, k), (tpe, k, n), (k, n, tpe)):
                one = gemm_time(gpu, mm, nn, kk, prec, batch=local, tuned_training=True)
                t += one
                w1 += one * (1 / wave_eff(mm, nn, gpu.sms, 1) - 1)
                w4 += one * (1 / wave_eff(mm, nn, gpu.sms, min(STREAMS, local)) - 1)
                floor += max(0.0, KERNEL_FLOOR_S - one / local)
        cs = row.precision == "fp8" and "mx" not in row.id.split("/")[3]
        (fc1_n, fc1_k), (fc2_n, fc2_k) = expert_shapes(model, 1)
        widths = (fc1_k, fc2_k, fc2_n, fc1_n)  # fwd inputs, bwd output gradients
        for w in widths:
            cast = memory_time(gpu, tpe * w * 4)  # bf16 read, row- and column-wise fp8 writes
            floor += max(0.0, KERNEL_FLOOR_S - cast)
            if cs:  # amax (a bf16 read) and the scale from it (one tiny kernel)
                floor += max(0.0, KERNEL_FLOOR_S - memory_time(gpu, tpe * w * 2)) + KERNEL_FLOOR_S
        launch = local * floor
        # amax pass: one more bf16 read of each quantized tensor (fwd inputs, bwd grads)
        amax = memory_time(gpu, 2 * tpe * local * sum(widths)) if cs else 0.0
        cells = [gap, t, w1, w4, launch, amax, SYNC_S]
        print(
            f"| {row.id} | {row.microbatch} | {local} | {tpe:.0f} | "
            + " | ".join(f"{1e3 * c:.2f}" for c in cells)
            + " |"
        )


def pairs() -> None:
    """The same GPU, model and layout with token drop (25.09, capacity factor 1: no token-count
    wait) and dropless (25.11): same expert GEMMs, so the GPU-side candidates cannot differ."""
    print()
    print(
        "| GPU / model / layout | 25.09 token drop | 25.11 dropless | ratio | model error 25.09 | 25.11 |"
    )
    print("|---|---|---|---|---|---|")
    by = {}
    for row in BRIDGE_MOE:
        if row.source in ("bridge2509moe", "bridge2511moe"):
            key = (
                row.gpu,
                row.model.replace("-no-mtp", ""),
                row.precision,
                row.tp,
                row.pp,
                row.interleave,
                row.ep,
                row.microbatch,
            )
            by.setdefault(key, {})[row.source] = row
    for key, two in by.items():
        if len(two) != 2:
            continue
        old, new = two["bridge2509moe"], two["bridge2511moe"]
        errs = [math.exp(time_log_error(r, log_error(r))) - 1.0 for r in (old, new)]
        gpu, model, _, tp, pp, vp, ep, mbs = key
        print(
            f"| {gpu} {model} t{tp} p{pp} v{vp} e{ep} b{mbs} | {old.value:.0f} | {new.value:.0f} | "
            f"{old.value / new.value:.2f} | {100 * errs[0]:+.1f} % | {100 * errs[1]:+.1f} % |"
        )


if __name__ == "__main__":
    main()
    pairs()
