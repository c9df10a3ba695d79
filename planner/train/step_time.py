"""The training step-time and memory model of one plan (the objective every method optimizes).

A plan's stages are costed by :func:`planner.perfmodel.stage.stage_cost` (the
one place where a stage's time and memory are assembled) and combined by
:func:`planner.perfmodel.stage.pipeline_time` plus the largest per-step tail
(exposed DP sync, optimizer, embedding sync). :func:`estimate` builds the
full report of a plan, :func:`quick` only what the search needs; both walk
the stages with :func:`stage_costs`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from planner.perfmodel.memory import GIB, MemoryBreakdown, in_flight_microbatches
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.stage import (
    StageCost,
    TrainingStep,
    layout_of,
    pipeline_time,
    stage_cost,
    step_flops,
)
from planner.train.instance import TrainingPlan, TrainingProblem


@dataclass(frozen=True)
class StageEstimate:
    """One pipeline stage of a plan.

    Times are per microbatch (``fwd``, ``bwd``, ``p2p``) or per step (``dp_sync``,
    ``dp_exposed``, ``optimizer``, ``embedding_sync``), in seconds.
    """

    index: int
    pool: str
    gpu: str
    layers: int
    fwd: float
    bwd: float
    p2p: float
    micro_time: float
    dp_sync: float
    dp_exposed: float
    optimizer: float
    embedding_sync: float
    params: float
    memory: MemoryBreakdown
    capacity: float

    @property
    def tail(self) -> float:
        """Per-step work after the pipeline drains (exposed DP sync + optimizer + embedding sync)."""
        return self.dp_exposed + self.optimizer + self.embedding_sync

    @property
    def fits(self) -> bool:
        """Memory fits the GPU."""
        return self.memory.total <= self.capacity

    def to_dict(self) -> dict[str, Any]:
        """Plain data (times in seconds, memory in GiB)."""
        return {
            "stage": self.index,
            "pool": self.pool,
            "gpu": self.gpu,
            "layers": self.layers,
            "fwd_s": self.fwd,
            "bwd_s": self.bwd,
            "p2p_s": self.p2p,
            "microbatch_time_s": self.micro_time,
            "dp_sync_s": self.dp_sync,
            "dp_exposed_s": self.dp_exposed,
            "optimizer_s": self.optimizer,
            "embedding_sync_s": self.embedding_sync,
            "params": self.params,
            "memory_gib": self.memory.to_dict(),
            "capacity_gib": round(self.capacity / GIB, 3),
        }


@dataclass(frozen=True)
class Estimate:
    """Predicted step of one plan.

    Attributes
    ----------
    step_time
        Seconds per optimizer step.
    pipeline_time
        The 1F1B / interleaved pipeline makespan.
    bubble_time
        ``pipeline_time - m * max_j U_j`` (idle time of the slowest stage).
    tail_time
        Exposed DP sync + optimizer after the pipeline.
    stages
        Per-stage details.
    microbatches
        ``m``.
    gpus
        GPUs used.
    model_flops, hardware_flops
        FLOPs per step (all GPUs).
    peak_flops
        Sum of the used GPUs' dense peak at the workload precision, FLOP/s.
    cost_per_hour
        USD per hour of the GPUs used.
    """

    step_time: float
    pipeline_time: float
    bubble_time: float
    tail_time: float
    stages: tuple[StageEstimate, ...]
    microbatches: int
    gpus: int
    tokens: int
    model_flops: float
    hardware_flops: float
    peak_flops: float
    cost_per_hour: float
    gpus_by_pool: dict[str, int] = field(default_factory=dict)

    @property
    def fits(self) -> bool:
        """Every stage fits in memory."""
        return all(s.fits for s in self.stages)

    @property
    def memory(self) -> MemoryBreakdown:
        """Breakdown of the stage with the largest use relative to its capacity."""
        return self.worst_stage.memory

    @property
    def worst_stage(self) -> StageEstimate:
        """The stage closest to (or furthest over) its memory capacity."""
        return max(self.stages, key=lambda s: s.memory.total / s.capacity)

    @property
    def model_tflops_per_gpu(self) -> float:
        """Model TFLOP/s per GPU (MFU numerator)."""
        return self.model_flops / self.step_time / self.gpus / 1e12

    @property
    def hardware_tflops_per_gpu(self) -> float:
        """Hardware TFLOP/s per GPU, recomputation included (Megatron's convention)."""
        return self.hardware_flops / self.step_time / self.gpus / 1e12

    @property
    def mfu(self) -> float:
        """Model FLOPs utilization against the dense peak of the GPUs used."""
        return self.model_flops / self.step_time / self.peak_flops

    @property
    def tokens_per_s(self) -> float:
        """Training throughput."""
        return self.tokens / self.step_time

    @property
    def cost_per_step(self) -> float:
        """USD per step for the GPUs used."""
        return self.step_time * self.cost_per_hour / 3600.0

    @property
    def usd_per_million_tokens(self) -> float:
        """USD per million training tokens."""
        return self.cost_per_step / self.tokens * 1e6

    def summary(self) -> dict[str, Any]:
        """Headline numbers."""
        return {
            "step_time_s": self.step_time,
            "pipeline_time_s": self.pipeline_time,
            "bubble_time_s": self.bubble_time,
            "tail_time_s": self.tail_time,
            "microbatches": self.microbatches,
            "gpus": self.gpus,
            "model_tflops_per_gpu": self.model_tflops_per_gpu,
            "hardware_tflops_per_gpu": self.hardware_tflops_per_gpu,
            "mfu": self.mfu,
            "tokens_per_s": self.tokens_per_s,
            "cost_per_hour": self.cost_per_hour,
            "usd_per_million_tokens": self.usd_per_million_tokens,
            "memory_gb_per_gpu": self.memory.total_gib,
            "fits": self.fits,
        }


# ---------------------------------------------------------------------------
# Layer placement helpers
# ---------------------------------------------------------------------------


def balanced_stage_layers(layers: int, pp: int) -> tuple[int, ...]:
    """Layers per stage, as equal as possible.

    When ``pp`` does not divide ``layers`` the extra layers go to the middle
    stages, last-but-one first (the first stage holds the most in-flight
    activations, the last one the LM head), then to the first, then the last.
    """
    base, extra = divmod(layers, pp)
    out = [base] * pp
    order = list(range(pp - 2, 0, -1)) + [0] + ([pp - 1] if pp > 1 else [])
    for i in order[:extra]:
        out[i] += 1
    return tuple(out)


def stage_layer_indices(
    layers: int, stage_layers: tuple[int, ...], interleave: int
) -> list[list[int]]:
    """Layer indices of each stage; with ``v > 1`` stage ``j`` holds chunks ``j, j+p, ...``.

    When ``v`` chunks do not divide the layers evenly (published runs that put
    the embedding and the loss in pipeline slots of their own, such as
    Llama-3.1-405B's 126 layers on 8 x 8 slots), the stages keep the layers of
    ``stage_layers`` in order; the search and ``verify`` never produce such plans.
    """
    pp = len(stage_layers)
    if interleave <= 1 or layers % (pp * interleave):
        out, start = [], 0
        for n in stage_layers:
            out.append(list(range(start, start + n)))
            start += n
        return out
    chunk = layers // (pp * interleave)
    return [
        [c * chunk + i for k in range(interleave) for c in [j + k * pp] for i in range(chunk)]
        for j in range(pp)
    ]


@functools.lru_cache(maxsize=4096)
def moe_flags(model: ModelSpec) -> tuple[bool, ...]:
    """Whether each layer (0-based) is an MoE layer."""
    return tuple(model.is_moe_layer(i) for i in range(model.layers))


def training_step(problem: TrainingProblem, plan: TrainingPlan) -> TrainingStep:
    """The performance model's view of ``plan`` on ``problem`` (layout + software)."""
    c = problem.constraints
    return TrainingStep(
        model=problem.model,
        seq=problem.workload.seq_len,
        precision=problem.workload.precision,
        **layout_of(plan),
        flash_attention=c.flash_attention,
        overlap_grad_reduce=c.overlap_grad_reduce,
    )


def stage_pool_labels(problem: TrainingProblem, plan: TrainingPlan) -> tuple[str, ...]:
    """Pool of each stage (the single pool for homogeneous clusters)."""
    if plan.stage_pools:
        return plan.stage_pools
    return (problem.cluster.pools[0].label,) * plan.pp


def next_to_other_pool(labels: tuple[str, ...], j: int) -> bool:
    """Whether stage ``j`` has a neighbour on another pool (its p2p crosses pools)."""
    pp = len(labels)
    return labels[max(j - 1, 0)] != labels[j] or labels[min(j + 1, pp - 1)] != labels[j]


def stage_of(
    problem: TrainingProblem,
    step: TrainingStep,
    labels: tuple[str, ...],
    j: int,
    layer_ids: list[int],
) -> StageCost:
    """:func:`~planner.perfmodel.stage.stage_cost` of stage ``j`` of a pipeline on ``labels``."""
    pool = next(p for p in problem.cluster.pools if p.label == labels[j])
    flags = moe_flags(problem.model)
    n_moe = sum(1 for i in layer_ids if flags[i])
    inter = problem.cluster.inter_pool_bw() if next_to_other_pool(labels, j) else None
    return stage_cost(
        step, pool, len(layer_ids) - n_moe, n_moe, j == 0, j == len(labels) - 1, inter
    )


def stage_costs(
    problem: TrainingProblem, plan: TrainingPlan
) -> Iterator[tuple[int, StageCost, float, bool]]:
    """``(stage, cost, in-flight microbatches, first of its kind)`` for every stage of ``plan``.

    Stages with the same pool, layer counts and position share one
    :class:`~planner.perfmodel.stage.StageCost`; ``first of its kind`` marks
    the first of them, whose in-flight count is the kind's largest.
    """
    model = problem.model
    labels = stage_pool_labels(problem, plan)
    stage_layers = plan.stage_layers or balanced_stage_layers(model.layers, plan.pp)
    indices = stage_layer_indices(model.layers, stage_layers, plan.interleave)
    flags = moe_flags(model)
    step = training_step(problem, plan)
    m = plan.microbatches(problem.workload.global_batch)
    pp = plan.pp
    seen: dict[tuple, StageCost] = {}
    for j in range(pp):
        n_moe = sum(1 for i in indices[j] if flags[i]) if model.is_moe else 0
        key = (
            labels[j],
            len(indices[j]),
            n_moe,
            j == 0,
            j == pp - 1,
            next_to_other_pool(labels, j),
        )
        cost = seen.get(key)
        new = cost is None
        if new:
            cost = seen[key] = stage_of(problem, step, labels, j, indices[j])
        yield j, cost, in_flight_microbatches(j, pp, m, plan.interleave), new


# ---------------------------------------------------------------------------
# The estimate
# ---------------------------------------------------------------------------


def estimate(problem: TrainingProblem, plan: TrainingPlan) -> Estimate:
    """Step time, memory and throughput of ``plan`` (assumed structurally valid).

    Structural validity (divisibility, GPU counts, stage lists) is checked by
    :func:`planner.train.evaluate.verify`; this function only computes.
    """
    wl = problem.workload
    pools = {p.label: p for p in problem.cluster.pools}
    labels = stage_pool_labels(problem, plan)
    stage_layers = plan.stage_layers or balanced_stage_layers(problem.model.layers, plan.pp)
    indices = stage_layer_indices(problem.model.layers, stage_layers, plan.interleave)
    m = plan.microbatches(wl.global_batch)
    stages = []
    for j, st, in_flight, _new in stage_costs(problem, plan):
        pool = pools[labels[j]]
        stages.append(
            StageEstimate(
                index=j,
                pool=pool.label,
                gpu=pool.gpu.name,
                layers=len(indices[j]),
                fwd=st.fwd,
                bwd=st.bwd,
                p2p=st.p2p,
                micro_time=st.micro,
                dp_sync=st.sync,
                dp_exposed=st.exposed,
                optimizer=st.optimizer,
                embedding_sync=st.embedding_sync,
                params=st.params,
                memory=st.memory.breakdown(in_flight),
                capacity=pool.gpu.memory_bytes,
            )
        )
    umax = max(st.micro_time for st in stages)
    pipe = pipeline_time(umax, sum(st.micro_time for st in stages), m, plan.pp, plan.interleave)
    tail = max(st.tail for st in stages)
    model_flops, hardware_flops = step_flops(training_step(problem, plan), wl.global_batch)
    by_pool: dict[str, int] = {}
    for label in labels:
        by_pool[label] = by_pool.get(label, 0) + plan.tp * plan.cp * plan.dp
    peak = sum(n * pools[k].gpu.peak_flops(wl.precision) for k, n in by_pool.items())
    price = sum(n * pools[k].gpu.price_per_gpu_hour for k, n in by_pool.items())
    return Estimate(
        step_time=pipe + tail,
        pipeline_time=pipe,
        bubble_time=pipe - m * umax,
        tail_time=tail,
        stages=tuple(stages),
        microbatches=m,
        gpus=plan.gpus,
        tokens=wl.global_batch * wl.seq_len,
        model_flops=model_flops,
        hardware_flops=hardware_flops,
        peak_flops=peak,
        cost_per_hour=price,
        gpus_by_pool=by_pool,
    )


def objective_of(problem: TrainingProblem, est: Estimate) -> float:
    """The problem's objective: seconds per step, or USD per step."""
    if problem.constraints.objective == "cost":
        return est.cost_per_step
    return est.step_time


@dataclass(frozen=True)
class Quick:
    """What the search needs from a plan: step time, objective and the memory check."""

    step_time: float
    objective: float
    fits: bool
    memory: float  # bytes on the most loaded GPU (relative to its capacity)
    memory_ratio: float


def quick(problem: TrainingProblem, plan: TrainingPlan) -> Quick:
    """Same numbers as :func:`estimate` (step time, fit), without building per-stage reports.

    The in-flight activations decrease with the stage index, so each stage
    kind's memory peak is at its first stage.
    """
    pools = {p.label: p for p in problem.cluster.pools}
    labels = stage_pool_labels(problem, plan)
    m = plan.microbatches(problem.workload.global_batch)
    umax = usum = tail = 0.0
    worst_ratio, worst = 0.0, 0.0
    for j, st, in_flight, new in stage_costs(problem, plan):
        usum += st.micro
        if not new:
            continue
        umax = max(umax, st.micro)
        tail = max(tail, st.tail)
        total = st.memory.total(in_flight)
        ratio = total / pools[labels[j]].gpu.memory_bytes
        if ratio > worst_ratio:
            worst_ratio, worst = ratio, total
    step = pipeline_time(umax, usum, m, plan.pp, plan.interleave) + tail
    if problem.constraints.objective == "cost":
        price = sum(pools[label].gpu.price_per_gpu_hour for label in labels)
        objective = step * price * plan.tp * plan.cp * plan.dp / 3600.0
    else:
        objective = step
    return Quick(step, objective, worst_ratio <= 1.0, worst, worst_ratio)
