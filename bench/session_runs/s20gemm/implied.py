"""What the Megatron-Bridge MoE rows' routed-expert GEMMs would have to cost to close each row's miss.

Run: ``PYTHONPATH=. /work/main/.venv/bin/python bench/session_runs/s20gemm/implied.py``
(about a second; a diagnostic, nothing is fitted). Per row (published layout): local experts,
tokens per expert, the model's routed-expert GEMM seconds per MoE layer and microbatch (forward
+ data- and weight-gradient backward, :func:`planner.perfmodel.layer.linear` at the row's
precision, as ``layer_cost`` prices them), measured minus model seconds per MoE layer and
microbatch (``bench/train_bridge_moe.py``'s ``layer_gap``, as ``--count`` prints it), and the factor ``(gemm + gap) / gemm``
by which the expert GEMMs alone would have to be slower to close the gap, with the achieved
rate that factor implies (FLOP/s of the expert GEMMs over their implied time).

A second table prices the public per-shape figure found (NVIDIA/TransformerEngine PR #2045,
H100 BF16, ``general_grouped_gemm`` through the multi-stream cuBLAS path, TE 2.2 and TE 2.7)
with the model's GEMM price at the same shapes.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import gemm_time
from planner.perfmodel.layer import expert_shapes, linear
from planner.perfmodel.precision import get_precision
from planner.train.calibration import row_problem

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/
from train_bridge_moe import layer_gap

#: TE PR #2045 (2025-08-08; "Update by @yaox12": TE 2.7, CUDA 12.9), H100, BF16, TFLOP/s of
#: ``general_grouped_gemm`` over (groups, m, n, k), multi-stream cuBLAS path; the PR's first
#: table is the same through TE 2.2.
TE2045 = {
    (8, 4096, 768, 2048): {"te2.2": 508.77, "te2.7": 627.903},
    (16, 2048, 768, 2048): {"te2.2": 398.81, "te2.7": 553.945},
}


def rows() -> None:
    print(
        "| row | layout | local experts | tokens / expert | model expert GEMMs, ms | "
        "measured - model, ms | factor to close | implied expert TFLOP/s | model TFLOP/s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in BRIDGE_MOE:
        problem = row_problem(row)
        model = problem.model
        gpu = get_gpu(row.gpu)
        prec = get_precision(row.precision)
        etp = row.expert_tp or row.tp
        local = max(1.0, model.num_experts / row.ep)
        tokens = row.microbatch * row.seq_len / row.tp * etp  # sequence-parallel shard per rank
        per_expert = tokens * model.experts_per_token * row.ep / model.num_experts
        p = linear(gpu, prec, per_expert, expert_shapes(model, etp), batch=local)
        gemm = p.gemm + p.gemm_bwd
        flops = 3 * p.flops  # forward + data gradient + weight gradient
        gap = layer_gap(row)
        err = math.exp(time_log_error(row, log_error(row))) - 1.0
        factor = (gemm + gap) / gemm
        implied = flops / (gemm + gap) / 1e12 if gemm + gap > 0 else float("nan")
        layout = f"t{row.tp} p{row.pp} e{row.ep} b{row.microbatch}"
        print(
            f"| {row.id} ({100 * err:+.1f} %) | {layout} | {local:.0f} | {per_expert:.0f} | "
            f"{1e3 * gemm:.3f} | {1e3 * gap:+.3f} | {factor:.2f} | {implied:.0f} | "
            f"{flops / gemm / 1e12:.0f} |"
        )


def te2045() -> None:
    print()
    print(
        "| shape (g, m, n, k) | TE 2.2 multi-stream TFLOP/s | TE 2.7 | model H100 BF16 | model / TE 2.7 time |"
    )
    print("|---|---|---|---|---|")
    gpu = get_gpu("H100")
    for (g, m, n, k), meas in TE2045.items():
        t = gemm_time(gpu, m, n, k, "bf16", batch=g)
        rate = 2 * g * m * n * k / t / 1e12
        print(
            f"| ({g}, {m}, {n}, {k}) | {meas['te2.2']:.1f} | {meas['te2.7']:.1f} | {rate:.0f} | "
            f"{meas['te2.7'] / rate:.2f} |"
        )


if __name__ == "__main__":
    rows()
    te2045()
