"""Predictions of the published training rows (for the calibration fit in :mod:`planner.perfmodel`).

:func:`predict` evaluates a row's published layout with the step-time model
and returns the row's metric; importing :mod:`planner.train` registers it with
:func:`planner.perfmodel.calibration.fit.register_predictor`.
"""

from __future__ import annotations

from planner.perfmodel.calibration.published import MODELS, TrainingRow
from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.options import Software
from planner.perfmodel.readers import load_model
from planner.train.instance import Constraints, TrainingPlan, TrainingProblem, Workload
from planner.train.step_time import Estimate, balanced_stage_layers, estimate


def row_problem(row: TrainingRow) -> TrainingProblem:
    """The row's model, GPUs and workload as a training problem."""
    model = load_model(
        {**MODELS[row.model], "name": row.model} if row.model in MODELS else row.model
    )
    return TrainingProblem(
        row.id,
        model,
        parse_cluster(f"{row.gpus}x{row.gpu}"),
        Workload(row.global_batch, row.seq_len, row.precision),
        Constraints(
            flash_attention=row.flash_attention, overlap_grad_reduce=row.overlap_grad_reduce
        ),
        software=Software.from_dict(dict(row.software), where=f"{row.id}: software"),
    )


def row_plan(row: TrainingRow, layers: int) -> TrainingPlan:
    """The row's published layout (its stage sizes, or ``layers`` split evenly)."""
    return TrainingPlan(
        tp=row.tp,
        pp=row.pp,
        dp=row.dp,
        cp=row.cp,
        ep=row.ep,
        expert_tp=row.expert_tp,
        microbatch=row.microbatch,
        interleave=row.interleave,
        recompute=row.recompute,
        recompute_layers=row.recompute_layers,
        zero=row.zero,
        sequence_parallel=row.sequence_parallel,
        stage_layers=row.stage_layers or balanced_stage_layers(layers, row.pp),
    )


def row_estimate(row: TrainingRow) -> Estimate:
    """The step-time model's estimate of the row's published plan."""
    problem = row_problem(row)
    return estimate(problem, row_plan(row, problem.model.layers))


def predict(row: TrainingRow) -> float:
    """The row's metric as the model predicts it."""
    est = row_estimate(row)
    if row.metric == "hardware_tflops_per_gpu":
        return est.hardware_tflops_per_gpu
    if row.metric == "model_tflops_per_gpu":
        return est.model_tflops_per_gpu
    if row.metric == "causal_model_tflops_per_gpu":
        return est.causal_model_flops / est.step_time / est.gpus / 1e12
    if row.metric == "step_time_s":
        return est.step_time
    if row.metric == "tokens_per_s_per_gpu":
        return est.tokens / est.step_time / est.gpus
    raise ValueError(f"{row.id}: unknown metric {row.metric!r}")


#: Seconds the search may spend on one row's problem (``planner calibrate --report``).
BEST_PLAN_TIME_LIMIT = 30.0


def best_plan(row: TrainingRow, time_limit: float = BEST_PLAN_TIME_LIMIT) -> dict:
    """The planner's best plan for the row's model, GPUs and workload, against its published one.

    Searches every layout on all of the row's GPUs (same model, batch, sequence,
    precision and software) and returns ``published_s`` (the published layout
    under the model), ``best_s`` (the best plan's step time), ``status``, the
    best plan's short form, and whether the published layout fits in memory; and the same
    search kept to what the row's framework could launch (:func:`planner.train.frameworks.
    row_framework`): ``framework`` (``None``: no profile, the unrestricted search stands),
    ``framework_best_s``, ``framework_status`` and ``framework_best``.
    """
    from dataclasses import replace

    from planner.train.api import solve
    from planner.train.frameworks import row_framework

    problem = row_problem(row)
    problem = replace(problem, constraints=replace(problem.constraints, use_all_gpus=True))
    published = estimate(problem, row_plan(row, problem.model.layers))
    result = solve(problem, "auto", time_limit=time_limit)
    best = result.solution
    out = {
        "published_s": published.step_time,
        "published_fits": published.fits,
        "best_s": estimate(problem, best).step_time if best is not None else None,
        "status": result.status.value,
        "best": best.short() if best is not None else "",
    }
    fw = row_framework(row.source)
    out.update(
        framework=fw,
        framework_best_s=out["best_s"],
        framework_status=out["status"],
        framework_best=out["best"],
    )
    if fw is not None:
        held = problem.with_constraints(framework=fw)
        res = solve(held, "auto", time_limit=time_limit)
        got = res.solution
        out.update(
            framework_best_s=estimate(held, got).step_time if got is not None else None,
            framework_status=res.status.value,
            framework_best=got.short() if got is not None else "",
        )
    return out
