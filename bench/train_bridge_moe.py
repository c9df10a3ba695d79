"""Step-time error of the Megatron-Bridge MoE rows (held out) with the model's breakdown.

Run: ``.venv/bin/python bench/train_bridge_moe.py [--all]`` (seconds; the full report is
``planner calibrate --report``). Error as the report gives it: predicted / measured step
time - 1 (for these tokens/s rows: measured / predicted rate - 1; negative: the model is
too fast). ``--all`` also
prints every held-out row's mean / max error (all, training, NVIDIA training) and the
report's table by layout kind, computed as the report computes them (seconds); ``--best``
each row's published layout against the planner's best plan, as the report searches it
(``best_plan``, at most 30 s per row, one thread; 86 s wall for the 22 rows at load 4);
``--count`` the time the model misses per MoE layer and microbatch on the rows with 16 or
more local experts, next to the experts' fp8 quantization passes and the all-to-all
dispatcher's sort copies (:func:`sort_copy_bytes`), both priced by the layer model;
``--residual`` the measured minus model time per MoE layer and microbatch of every Qwen3-30B
row and of the Megatron-Bridge guide's H100 all-to-all run (:data:`GUIDE_H100_STEP_S`).
"""

from __future__ import annotations

import math
import statistics
import sys
from dataclasses import replace

import planner.serve
import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel.calibration import fit
from planner.perfmodel.calibration.fit import log_error, time_log_error
from planner.perfmodel.calibration.published import BRIDGE_MOE, FIT, TrainingRow
from planner.perfmodel.hardware import get_gpu, vendor_of
from planner.perfmodel.kernels import memory_time
from planner.perfmodel.layer import expert_quant_bytes
from planner.perfmodel.precision import get_precision
from planner.train.calibration import best_plan, row_estimate, row_problem

#: Breakdown keys printed (the rest summed as "other").
COLUMNS = (
    "compute",
    "recompute",
    "ep_comm",
    "host",
    "tp_comm",
    "dp_comm",
    "pp_comm",
    "bubble",
    "optimizer",
)


def main() -> None:
    errors = []
    print(
        "| row | layout | local experts | tokens / expert | measured s | model s | error | "
        + " | ".join(COLUMNS)
        + " | other |"
    )
    print("|---" * (8 + len(COLUMNS)) + "|")
    for row in BRIDGE_MOE:
        est = row_estimate(row)
        err = math.exp(time_log_error(row, log_error(row))) - 1.0
        errors.append(err)
        measured = est.step_time / (1 + err)
        parts = {k: est.breakdown.get(k, 0.0) for k in COLUMNS}
        other = sum(v for k, v in est.breakdown.items() if k not in COLUMNS)
        layout = f"t{row.tp} p{row.pp} v{row.interleave} e{row.ep} b{row.microbatch}"
        model = row_problem(row).model
        local = model.num_experts // row.ep
        # routed tokens of one microbatch per local expert (balanced): b s k ep / E
        per_expert = row.microbatch * row.seq_len * model.experts_per_token * row.ep
        per_expert //= model.num_experts
        cells = " | ".join(f"{parts[c]:.2f}" for c in COLUMNS)
        fits = "" if est.fits else " (OOM)"
        print(
            f"| {row.id} | {layout} | {local} | {per_expert} | {measured:.2f} | {est.step_time:.2f}{fits} | "
            f"{100 * err:+.1f} % | {cells} | {other:.2f} |"
        )
    print()
    print(
        f"{len(errors)} rows: mean |error| {100 * statistics.fmean(abs(e) for e in errors):.1f} %, "
        f"max {100 * max(abs(e) for e in errors):.1f} %"
    )


def held_out_summary() -> None:
    """Mean / max time error of every held-out row and the report's table by layout kind."""
    held = [r for r in fit.CALIBRATION_ROWS if r.split != FIT]
    errors = {r.id: time_log_error(r, log_error(r)) for r in held}

    def line(label: str, rows: list) -> str:
        mean, worst = fit._stats([errors[r.id] for r in rows])
        return f"{label}: {len(rows)} rows, mean {mean}, max {worst}"

    training = [r for r in held if isinstance(r, TrainingRow)]
    nvidia = [r for r in training if vendor_of(get_gpu(r.gpu).architecture) == "NVIDIA"]
    print(line("all held-out", held))
    print(line("held-out training", training))
    print(line("held-out NVIDIA training", nvidia))
    print("\n".join(fit._kind_section(errors)))


def best_plans() -> None:
    """Each row's published layout against the planner's best plan (the report's search)."""
    print("| row | published s | best s | published / best | status | best plan |")
    print("|---|---|---|---|---|---|")
    near = 0
    for row in BRIDGE_MOE:
        out = best_plan(row)
        ratio = out["published_s"] / out["best_s"] if out["best_s"] else float("nan")
        near += ratio <= 1 + fit.NEAR_BEST
        fits = "" if out["published_fits"] else " (OOM)"
        best = f"{out['best_s']:.2f}" if out["best_s"] else "-"
        print(
            f"| {row.id} | {out['published_s']:.2f}{fits} | {best} | {ratio:.3f} | "
            f"{out['status']} | {out['best']} |",
            flush=True,
        )
    print(f"\nnear-best (within {100 * fit.NEAR_BEST:.0f} %): {near} of {len(BRIDGE_MOE)}")


def sort_copy_bytes(row: TrainingRow) -> float:
    """Bytes per MoE layer and microbatch (forward + backward) on one GPU (tp = 1 rows) of the
    all-to-all dispatcher's sort by local expert (priced where ``Software.dispatcher`` is
    ``alltoall``).

    Megatron-Core ``core_v0.15.0`` ``MoEAlltoAllTokenDispatcher``: ``dispatch_postprocess``
    sorts the received tokens by local expert and ``combine_preprocess`` unsorts the expert
    output (``sort_chunks_by_idxs``, or a transpose copy with drop-and-pad): two more copies
    of the routed tokens (bf16 read + write) beyond the permute / unpermute the model prices,
    each mirrored in the backward. The flex (DeepEP / HybridEP) dispatcher has no such pass.
    """
    model = row_problem(row).model
    routed = row.microbatch * row.seq_len * model.experts_per_token
    return 2 * 2 * routed * model.hidden * (2 + 2)


def layer_gap(row: TrainingRow) -> float:
    """Measured minus model step time of ``row`` over (layers of the busiest stage x
    microbatches): seconds the model misses per MoE layer and microbatch."""
    model = row_problem(row).model
    est = row_estimate(row)
    err = math.exp(time_log_error(row, log_error(row))) - 1.0
    measured = est.step_time / (1 + err)
    layers = max(row.stage_layers) if row.stage_layers else math.ceil(model.layers / row.pp)
    micro = row.global_batch // (row.dp * row.microbatch)
    return (measured - est.step_time) / (layers * micro)


def many_expert_rows():
    """(row, problem, GPU, local experts, measured minus model seconds per MoE layer and
    microbatch) of the rows with >= 16 local experts and TP 1."""
    for row in BRIDGE_MOE:
        problem = row_problem(row)
        local = problem.model.num_experts // row.ep
        if local < 16 or row.tp != 1:
            continue
        yield row, problem, get_gpu(row.gpu), local, layer_gap(row)


def count() -> None:
    """Per MoE layer and microbatch: the model's missing time, its expert quantization and the
    all-to-all dispatcher's sort copies, on the rows with >= 16 local experts."""
    print(
        "| row | local experts | dispatcher | measured - model, ms per layer-microbatch | "
        "fp8 quantization, ms | sort copies (all-to-all dispatcher only), ms |"
    )
    print("|---|---|---|---|---|---|")
    for row, problem, gpu, local, gap_s in many_expert_rows():
        model = problem.model
        routed = row.microbatch * row.seq_len * model.experts_per_token
        quant = sum(expert_quant_bytes(routed, model, 1, get_precision(row.precision)))
        sort = sort_copy_bytes(row) if problem.software.dispatcher == "alltoall" else 0.0
        quant_ms, sort_ms = (1e3 * memory_time(gpu, x) for x in (quant, sort))
        print(
            f"| {row.id} b{row.microbatch} | {local} | {problem.software.dispatcher} | "
            f"{1e3 * gap_s:.2f} | {quant_ms:.3f} | {sort_ms:.3f} |"
        )


#: The Megatron-Bridge v0.5.0 guide's H100 run (``docs/training/moe-optimization.md``, "Short-run
#: H100 sanity check", 2026-05-17): Qwen3-30B-A3B BF16, 16 H100, EP16, the recipe's partial
#: CUDA graphs (``moe_router``, ``moe_preprocess``), the ``alltoall`` dispatcher (the flex
#: packages were not installed), ``moe_permute_fusion`` off; 45.65 s mean step after warmup,
#: 132.9 TFLOP/s/GPU (the ``H100_BF16_V1`` preset: GBS 1024, MBS 1; 132.9 / 45.65 s matches
#: the FP8 table row's 206 TFLOP/s at 29.26 s). A five-step smoke run, so a diagnostic only:
#: not a calibration row (its source is held out whole).
GUIDE_H100_STEP_S = 45.65


def residual() -> None:
    """Measured minus model time per MoE layer and microbatch on every Qwen3-30B row, and on the
    guide's H100 all-to-all run: what the model leaves out, by release, GPU and dispatcher."""
    print(
        "| row | MBS | eager experts | dispatcher | EP nodes | measured s | model s | "
        "measured - model, ms per layer-microbatch |"
    )
    print("|---|---|---|---|---|---|---|---|")
    rows = [r for r in BRIDGE_MOE if r.model == "qwen3-30b-a3b"]
    h100 = next(r for r in rows if r.id == "bridge2604moe/H100/qwen3-30b-a3b/fp8-cs/16")
    keep = ("grad_bytes", "tp_overlap")
    guide = replace(
        h100,
        id="guide H100 BF16 alltoall (v0.5.0 moe-optimization.md)",
        precision="bf16",
        value=h100.global_batch * h100.seq_len / GUIDE_H100_STEP_S / h100.gpus,
        software=tuple((k, v) for k, v in h100.software if k in keep),
    )
    for row in [*rows, guide]:
        problem = row_problem(row)
        sw = problem.software
        est = row_estimate(row)
        measured = row.global_batch * row.seq_len / row.value / row.gpus
        layers = (
            max(row.stage_layers) if row.stage_layers else math.ceil(problem.model.layers / row.pp)
        )
        micro = row.global_batch // (row.dp * row.microbatch)
        gap = 1e3 * (measured - est.step_time) / (layers * micro)
        gpu = get_gpu(row.gpu)
        nodes = max(1, row.ep // gpu.gpus_per_node)
        kind = sw.dispatcher + (f" ({sw.flex_backend})" if sw.dispatcher == "flex" else "")
        print(
            f"| {row.id} | {row.microbatch} | {sw.eager_experts} | {kind} | {nodes} | "
            f"{measured:.2f} | {est.step_time:.2f} | {gap:+.2f} |"
        )


if __name__ == "__main__":
    main()
    if "--all" in sys.argv:
        held_out_summary()
    if "--best" in sys.argv:
        best_plans()
    if "--count" in sys.argv:
        count()
    if "--residual" in sys.argv:
        residual()
