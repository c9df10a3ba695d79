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
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from planner.perfmodel.memory import (
    GIB,
    MemoryBreakdown,
    dualpipe_partner,
    in_flight_microbatches,
)
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.stage import (
    MICRO_PARTS,
    TAIL_PARTS,
    StageCost,
    TrainingStep,
    layout_of,
    pipeline_time,
    rank_cost,
    stage_cost,
    step_flops,
)
from planner.train.instance import TrainingPlan, TrainingProblem


@dataclass(frozen=True)
class StageEstimate:
    """One pipeline stage of a plan.

    Times are per microbatch (``fwd``, ``bwd``, ``p2p``) or per step (``dp_sync``,
    ``dp_exposed``, ``optimizer``, ``embedding_sync``), in seconds. Under DualPipe they,
    ``params`` and ``memory`` are those of the stage's rank, which also holds stage
    ``pp - 1 - index`` (:func:`~planner.perfmodel.stage.rank_cost`); ``layers`` is the
    stage's own.
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
        The 1F1B / interleaved / DualPipe pipeline makespan.
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
        Sum of the used GPUs' dense bf16 peak, FLOP/s (the MFU denominator, whatever
        the workload precision).
    cost_per_hour
        USD per hour of the GPUs used (0 when one of them has no price).
    breakdown
        ``step_time`` by component, seconds (:func:`step_breakdown`): they add up
        to ``step_time``.
    causal_model_flops
        Model FLOPs with causal attention counted as half the ``s x s`` square
        (the Llama 3 and PaLM convention; ``model_flops`` is Megatron's full square).
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
    breakdown: dict[str, float] = field(default_factory=dict)
    causal_model_flops: float = 0.0

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
        """Model FLOPs utilization against the dense peak of the GPUs used (Megatron's count:
        the full ``s x s`` attention square)."""
        return self.model_flops / self.step_time / self.peak_flops

    @property
    def mfu_causal(self) -> float:
        """MFU with causal attention counted as half the square (Llama 3, PaLM)."""
        return self.causal_model_flops / self.step_time / self.peak_flops

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
        """Headline numbers (``cost_per_hour`` and ``usd_per_million_tokens`` ``None`` when a
        GPU the plan uses has no price, as in ``plan train --json``)."""
        priced = self.cost_per_hour > 0  # 0: a pool of the plan has no price (estimate)
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
            "mfu_causal": self.mfu_causal,
            "tokens_per_s": self.tokens_per_s,
            # was 0.0 for an unpriced GPU, read as free
            "cost_per_hour": self.cost_per_hour if priced else None,
            "usd_per_million_tokens": self.usd_per_million_tokens if priced else None,
            "memory_gib_per_gpu": self.memory.total_gib,
            "memory_gb_per_gpu": self.memory.total_gib,  # deprecated alias (GiB), one release
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


def chunk_layers(stage_layers: tuple[int, ...], interleave: int) -> list[list[int]]:
    """Layers of each of the ``v`` chunks (virtual stages) of every stage.

    Stage ``j`` holds chunks ``j, j + p, j + 2p, ...`` of the model. Its
    ``n_j`` layers are split as evenly as possible; when ``v`` does not divide
    ``n_j`` the first stage gives its shorter chunks to the front (next to the
    embedding) and every other stage to the back (the last one's next to the
    LM head and loss): Llama-3.1-405B's 126 layers on 16 stages x 4 chunks are
    chunks of 2 with one layer less in the very first and the very last chunk.
    """
    out = []
    for j, n in enumerate(stage_layers):
        base, extra = divmod(n, interleave)
        sizes = [base] * interleave
        for k in range(extra):
            sizes[interleave - 1 - k if j == 0 else k] += 1
        out.append(sizes)
    return out


def stage_layer_indices(
    layers: int, stage_layers: tuple[int, ...], interleave: int
) -> list[list[int]]:
    """Layer indices of each stage; with ``v > 1`` stage ``j`` holds chunks ``j, j+p, ...``.

    Chunks follow :func:`chunk_layers` (equal when ``p v`` divides the layers
    and the stages are equal; uneven otherwise).
    """
    pp = len(stage_layers)
    if interleave <= 1:
        out, start = [], 0
        for n in stage_layers:
            out.append(list(range(start, start + n)))
            start += n
        return out
    sizes = chunk_layers(tuple(stage_layers), interleave)
    out = [[] for _ in range(pp)]
    start = 0
    for k in range(interleave):
        for j in range(pp):
            out[j].extend(range(start, start + sizes[j][k]))
            start += sizes[j][k]
    return out


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
        software=problem.software,
        microbatches=plan.microbatches(problem.workload.global_batch),
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
    the first of them, whose in-flight count is the kind's largest. Under DualPipe
    (``step.schedule == "dualpipe"``) stage ``j``'s cost is that of its rank, which also
    holds stage ``pp - 1 - j`` (:func:`~planner.perfmodel.stage.rank_cost`, in-flight
    counts folded into its memory, so the count yielded is 1); ``first of its kind`` then
    marks ``j < pp / 2`` (the mirror rank is the same), and also the mirror when it sits on
    another pool (its memory is checked against that pool).
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
    costs: list[tuple[StageCost, bool]] = []
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
        costs.append((cost, new))
    flights = [in_flight_microbatches(j, pp, m, plan.interleave) for j in range(pp)]
    if step.schedule == "dualpipe":
        for j in range(pp):
            k = dualpipe_partner(j, pp)
            # the mirror rank has the same cost; on another pool its memory is checked too
            first = j < k or labels[j] != labels[k]
            yield j, rank_cost(costs[j][0], flights[j], costs[k][0], flights[k]), 1.0, first
        return
    for j, (cost, new) in enumerate(costs):
        yield j, cost, flights[j], new


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
    costs = []
    for j, st, in_flight, _new in stage_costs(problem, plan):
        costs.append(st)
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
                memory=st.memory.breakdown(
                    in_flight, pool.gpu.usable_bytes - problem.capacity(pool.gpu)
                ),
                capacity=pool.gpu.usable_bytes,
            )
        )
    umax = max(st.micro_time for st in stages)
    schedule = training_step(problem, plan).schedule
    pipe = pipeline_time(
        umax, sum(st.micro_time for st in stages), m, plan.pp, plan.interleave, schedule
    )
    tail = max(st.tail for st in stages)
    model_flops, hardware_flops = step_flops(training_step(problem, plan), wl.global_batch)
    half_attention = (
        1.5 * problem.model.layers * problem.model.attention_flops_per_token(wl.seq_len)
    )
    by_pool: dict[str, int] = {}
    for label in labels:
        by_pool[label] = by_pool.get(label, 0) + plan.tp * plan.cp * plan.dp
    # MFU is quoted against the dense bf16 peak (as Llama 3, PaLM and Megatron report it), also
    # for fp8 runs; fp8-peak MFU is mfu * peak_bf16 / peak_fp8
    peak = sum(n * pools[k].gpu.peak_flops("bf16") for k, n in by_pool.items())
    price = sum(n * pools[k].gpu.price_per_gpu_hour for k, n in by_pool.items())
    if any(pools[k].gpu.price_per_gpu_hour <= 0 for k in by_pool):
        # a pool without a price (a GPU table of your own, a catalog GPU with none recorded)
        # makes the plan's price unknown: summing the others printed $48/h for 16 priced
        # H100s + 16 unpriced GPUs and a training cost of half the GPUs (s22walk)
        price = 0.0
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
        breakdown=step_breakdown(costs, m, pipe),
        causal_model_flops=model_flops - half_attention * wl.global_batch * wl.seq_len,
    )


#: Keys of :attr:`Estimate.breakdown`, in display order.
BREAKDOWN_KEYS = (*MICRO_PARTS, "bubble", *(k for k in TAIL_PARTS if k not in MICRO_PARTS))


def step_breakdown(costs: list[StageCost], microbatches: int, pipe: float) -> dict[str, float]:
    """Step time by component: ``m`` times the slowest stage's per-microbatch parts, the
    bubble (the rest of the pipeline makespan) and the largest tail's parts.

    The values add up to ``pipe + max tail`` (the step time).
    """
    slowest = max(costs, key=lambda c: c.micro)
    tail = max(costs, key=lambda c: c.tail)
    out = dict.fromkeys(BREAKDOWN_KEYS, 0.0)
    for key, value in slowest.parts:
        out[key] += microbatches * value
    # parts may miss a share of micro the stage model did not name: charge it to compute
    out["compute"] += microbatches * (slowest.micro - sum(v for _k, v in slowest.parts))
    out["bubble"] = pipe - microbatches * slowest.micro
    for key, value in tail.tail_parts.items():
        out[key] += value
    return out


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
        cap = problem.capacity(pools[labels[j]].gpu)
        ratio = total / cap if cap > 0 else math.inf  # headroom above the device: nothing fits
        if ratio > worst_ratio:
            worst_ratio, worst = ratio, total
    schedule = training_step(problem, plan).schedule
    step = pipeline_time(umax, usum, m, plan.pp, plan.interleave, schedule) + tail
    if problem.constraints.objective == "cost":
        price = sum(pools[label].gpu.price_per_gpu_hour for label in labels)
        objective = step * price * plan.tp * plan.cp * plan.dp / 3600.0
    else:
        objective = step
    return Quick(step, objective, worst_ratio <= 1.0, worst, worst_ratio)
