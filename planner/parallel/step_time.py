"""The training step-time and memory model of one plan (the objective every method optimizes).

For a plan with ``p`` pipeline stages, ``m = B / (d b)`` microbatches and
per-microbatch stage times ``U_j`` (forward + backward of the stage's layers,
TP/CP/EP communication, recomputation, embedding on the first and LM head +
loss on the last stage, and ``2 v`` point-to-point transfers when ``p > 1``):

* 1F1B (``v = 1``): ``T_pipe = (m - 1) max_j U_j + sum_j U_j`` — for equal
  stages ``(m + p - 1) U``, i.e. the bubble fraction ``(p - 1) / m``;
* interleaved (``v > 1``, balanced stages): ``T_pipe = (m + (p - 1)/v) max_j U_j``.

The step adds, on the slowest stage, the exposed data-parallel gradient
synchronization (all-reduce for ZeRO-0; reduce-scatter + parameter
all-gather for ZeRO-1; with ``overlap_grad_reduce`` the reduction hides
behind the last microbatch's backward), the tied-embedding all-reduce between
the first and last stage, and the Adam step. ZeRO-2 reduce-scatters and
ZeRO-3 all-gathers/reduce-scatters run every microbatch, overlapped with
compute (``U = max(compute, communication)``).

Throughput metrics: model FLOPs are ``3 x`` the forward matmul FLOPs of the
batch (``72 B s l h^2 (1 + s/(6h) + V/(12 l h))`` for GPT); hardware FLOPs add
the recomputation (Megatron's ``96 B s l h^2 (1 + s/(6h) + V/(16 l h))`` with
full recompute).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from planner.parallel import comm
from planner.parallel.costs import (
    LayerCost,
    embedding_cost,
    fabric_of,
    head_cost,
    layer_cost,
    optimizer_time,
    per_node,
)
from planner.parallel.hardware import GpuSpec
from planner.parallel.instance import TrainingPlan, TrainingProblem
from planner.parallel.memory import (
    ACT,
    COMM_BUFFER_FRACTION,
    GIB,
    RUNTIME_RESERVED_GIB,
    MemoryBreakdown,
    head_activation_bytes,
    in_flight_microbatches,
    layer_activation_bytes,
    model_state_bytes,
)
from planner.parallel.model_spec import ModelSpec

#: Bytes per gradient element in data-parallel reductions (Megatron reduces fp32 main grads).
GRAD_COMM_BYTES = 4.0
#: Bytes per weight element in ZeRO parameter all-gathers.
PARAM_COMM_BYTES = 2.0
#: Slowdown of work overlapped with communication, as a fraction of the overlapped
#: time: NCCL kernels occupy SMs (8-16 channels of 108-132 SMs) and HBM bandwidth
#: while they run. Assumed from that SM share, not fitted.
OVERLAP_SLOWDOWN = 0.15


def overlapped(compute: float, communication: float) -> float:
    """Time of ``compute`` and ``communication`` run concurrently.

    ``max(a, b) + OVERLAP_SLOWDOWN * min(a, b)``, written as the convex
    ``max(a + k b, b + k a)``.
    """
    k = OVERLAP_SLOWDOWN
    return max(compute + k * communication, communication + k * compute)


def exposed_after(communication: float, window: float) -> float:
    """Extra time of ``communication`` hidden behind ``window`` of compute.

    ``max(0, c - w) + OVERLAP_SLOWDOWN * min(c, w)``, written as the convex
    ``max(k c, c - (1 - k) w)``.
    """
    k = OVERLAP_SLOWDOWN
    return max(k * communication, communication - (1 - k) * window)


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
    """Layer indices of each stage; with ``v > 1`` stage ``j`` holds chunks ``j, j+p, ...``."""
    pp = len(stage_layers)
    if interleave <= 1:
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
def _moe_flags(model: ModelSpec) -> tuple[bool, ...]:
    return tuple(model.is_moe_layer(i) for i in range(model.layers))


def layer_params(model: ModelSpec, moe: bool, tp: int, ep: int) -> tuple[float, float]:
    """(non-expert, expert) parameters of one layer on one GPU."""
    if moe:
        base, experts = model.moe_layer_params()
        return base / tp, experts / (tp * ep)
    return model.dense_layer_params() / tp, 0.0


# ---------------------------------------------------------------------------
# The estimate
# ---------------------------------------------------------------------------


def _layer(problem: TrainingProblem, plan: TrainingPlan, gpu: GpuSpec, moe: bool) -> LayerCost:
    G = gpu.gpus_per_node
    return layer_cost(
        problem.model,
        gpu,
        micro_batch=plan.microbatch,
        seq=problem.workload.seq_len,
        tp=plan.tp,
        cp=plan.cp,
        ep=plan.ep if moe else 1,
        sp=plan.sequence_parallel,
        recompute=plan.recompute,
        moe=moe,
        precision=problem.workload.precision,
        tp_per_node=min(plan.tp, G),
        cp_per_node=per_node(plan.cp, plan.tp, G),
        ep_per_node=per_node(plan.ep, plan.tp * plan.cp, G),
        flash=problem.constraints.flash_attention,
    )


def stage_pool_labels(problem: TrainingProblem, plan: TrainingPlan) -> tuple[str, ...]:
    """Pool of each stage (the single pool for homogeneous clusters)."""
    if plan.stage_pools:
        return plan.stage_pools
    return (problem.cluster.pools[0].label,) * plan.pp


@dataclass(frozen=True)
class _StageStatic:
    """Per-microbatch times and memory terms of one stage, before in-flight scaling."""

    fwd: float
    bwd: float
    p2p: float
    micro: float
    sync: float
    exposed: float
    grad_sync: float
    param_gather: float
    opt: float
    emb_sync: float
    params: float
    weights: float
    grads: float
    optim: float
    act_per_microbatch: float
    work: float
    logits_fixed: float
    logits_per_microbatch: float
    buffers: float


def p2p_transfer(
    problem: TrainingProblem, plan: TrainingPlan, pool: Any, inter_pool: bool
) -> float:
    """Seconds to pass one microbatch's activations to the next stage (scatter/gather over TP)."""
    model, s = problem.model, problem.workload.seq_len
    t, cp, G = plan.tp, plan.cp, pool.gpus_per_node
    fab = fabric_of(pool.gpu)
    nbytes = plan.microbatch * (s / cp) * model.hidden * ACT / t
    if inter_pool:
        one = nbytes / (problem.cluster.inter_pool_bw() * comm.NIC_EFFICIENCY) + comm.NIC_LATENCY_S
    else:
        one = comm.p2p(nbytes, fab, same_node=t * cp * plan.dp < G)
    if t > 1 and not plan.sequence_parallel:
        one += comm.all_gather(nbytes * t, t, min(t, G), fab)
    return one


def _stage_static(
    problem: TrainingProblem,
    plan: TrainingPlan,
    pool: Any,
    layer_ids: list[int],
    first: bool,
    last: bool,
    inter_pool: bool,
) -> _StageStatic:
    model, wl = problem.model, problem.workload
    flags = _moe_flags(model)
    s, b, t, cp, d, ep, pp, v = (
        wl.seq_len,
        plan.microbatch,
        plan.tp,
        plan.cp,
        plan.dp,
        plan.ep,
        plan.pp,
        plan.interleave,
    )
    gpu = pool.gpu
    G = pool.gpus_per_node
    fab = fabric_of(gpu)
    n_moe = sum(1 for i in layer_ids if flags[i])
    n_dense = len(layer_ids) - n_moe
    fwd = bwd = 0.0
    dense_p = exp_p = 0.0
    act = work = 0.0
    for is_moe, n in ((False, n_dense), (True, n_moe)):
        if not n:
            continue
        cost = _layer(problem, plan, gpu, is_moe)
        fwd += n * cost.forward
        bwd += n * cost.backward
        a, e = layer_params(model, is_moe, t, ep)
        dense_p += n * a
        exp_p += n * e
        per = layer_activation_bytes(
            model,
            micro_batch=b,
            seq=s,
            tp=t,
            cp=cp,
            sp=plan.sequence_parallel,
            recompute=plan.recompute,
            moe=is_moe,
            flash=problem.constraints.flash_attention,
        )
        act += n * per
        if plan.recompute != "none":
            full = layer_activation_bytes(
                model,
                micro_batch=b,
                seq=s,
                tp=t,
                cp=cp,
                sp=plan.sequence_parallel,
                recompute="none",
                moe=is_moe,
                flash=problem.constraints.flash_attention,
            )
            work = max(work, full - (per if plan.recompute == "selective" else 0.0))
    if first:
        emb = embedding_cost(model, gpu, micro_batch=b, seq=s, tp=t, cp=cp)
        fwd += emb / 2
        bwd += emb / 2
        dense_p += model.embedding_params() / t
    if last:
        hc = head_cost(
            model,
            gpu,
            micro_batch=b,
            seq=s,
            tp=t,
            cp=cp,
            sp=plan.sequence_parallel,
            precision=wl.precision,
            tp_per_node=min(t, G),
        )
        fwd += hc.forward
        bwd += hc.backward
        dense_p += model.head_params() / t
        if model.tied_embeddings and pp > 1:
            dense_p += model.vocab * model.hidden / t  # Megatron keeps a copy on the last stage
    # point-to-point activations (scatter/gather: each TP rank sends 1/t)
    p2p = 2 * v * p2p_transfer(problem, plan, pool, inter_pool) if pp > 1 else 0.0
    micro = fwd + bwd + p2p

    shards = d * cp
    exp_shards = max(1, shards // ep)
    w1, g1, o1 = model_state_bytes(dense_p, zero=plan.zero, shards=shards)
    w2, g2, o2 = model_state_bytes(exp_p, zero=plan.zero, shards=exp_shards)
    dp_k = per_node(shards, t, G)
    ep_k = per_node(exp_shards, t * ep, G)
    if plan.zero == 0:
        sync = comm.all_reduce(dense_p * GRAD_COMM_BYTES, shards, dp_k, fab) + comm.all_reduce(
            exp_p * GRAD_COMM_BYTES, exp_shards, ep_k, fab
        )
        gather = 0.0
    else:
        sync = comm.reduce_scatter(dense_p * GRAD_COMM_BYTES, shards, dp_k, fab)
        sync += comm.reduce_scatter(exp_p * GRAD_COMM_BYTES, exp_shards, ep_k, fab)
        gather = comm.all_gather(dense_p * PARAM_COMM_BYTES, shards, dp_k, fab)
        gather += comm.all_gather(exp_p * PARAM_COMM_BYTES, exp_shards, ep_k, fab)
    grad_sync, param_gather = sync, gather
    if plan.zero >= 2:
        # gradients are reduce-scattered every microbatch (no unsharded accumulation buffer)
        per_micro = sync
        if plan.zero == 3:
            per_micro += (3 if plan.recompute == "full" else 2) * gather
            gather = 0.0
        micro = overlapped(micro, per_micro)
        sync = 0.0
    if problem.constraints.overlap_grad_reduce:
        # hide the reduction behind the last microbatch's backward, the gather behind a forward
        exposed = exposed_after(sync, bwd) + exposed_after(gather, fwd)
    else:
        exposed = sync + gather
    opt = optimizer_time(
        gpu,
        dense_p / (shards if plan.zero >= 1 else 1) + exp_p / (exp_shards if plan.zero >= 1 else 1),
    )
    emb_sync = 0.0
    if model.tied_embeddings and pp > 1 and (first or last):
        emb_sync = comm.all_reduce(model.vocab * model.hidden / t * GRAD_COMM_BYTES, 2, 1, fab)
    logits_fixed = head_activation_bytes(model, micro_batch=b, seq=s, tp=t, cp=cp) if last else 0.0
    rep = 1.0 / t if plan.sequence_parallel else 1.0
    logits_per = b * (s / cp) * model.hidden * rep if first else 0.0  # embedding dropout masks
    buffers = COMM_BUFFER_FRACTION * (dense_p + exp_p) * 2
    if plan.zero == 3 and layer_ids:
        big = max(sum(layer_params(model, flags[i], t, ep)) for i in layer_ids)
        buffers += 2 * big * PARAM_COMM_BYTES  # current + prefetched layer
    return _StageStatic(
        fwd,
        bwd,
        p2p,
        micro,
        sync + gather,
        exposed,
        grad_sync,
        param_gather,
        opt,
        emb_sync,
        dense_p + exp_p,
        w1 + w2,
        g1 + g2,
        o1 + o2,
        act,
        work,
        logits_fixed,
        logits_per,
        buffers,
    )


def estimate(problem: TrainingProblem, plan: TrainingPlan) -> Estimate:
    """Step time, memory and throughput of ``plan`` (assumed structurally valid).

    Structural validity (divisibility, GPU counts, stage lists) is checked by
    :func:`planner.parallel.evaluate.verify`; this function only computes.
    """
    model, wl = problem.model, problem.workload
    pools = {p.label: p for p in problem.cluster.pools}
    labels = stage_pool_labels(problem, plan)
    stage_layers = plan.stage_layers or balanced_stage_layers(model.layers, plan.pp)
    indices = stage_layer_indices(model.layers, stage_layers, plan.interleave)
    flags = _moe_flags(model)
    m = plan.microbatches(wl.global_batch)
    t, cp, d, pp, v = plan.tp, plan.cp, plan.dp, plan.pp, plan.interleave
    cache: dict[tuple, _StageStatic] = {}
    stages = []
    for j in range(pp):
        pool = pools[labels[j]]
        first, last = j == 0, j == pp - 1
        inter = labels[max(j - 1, 0)] != labels[j] or labels[min(j + 1, pp - 1)] != labels[j]
        n_moe = sum(1 for i in indices[j] if flags[i])
        key = (labels[j], len(indices[j]), n_moe, first, last, inter)
        st = cache.get(key)
        if st is None:
            st = cache[key] = _stage_static(problem, plan, pool, indices[j], first, last, inter)
        in_flight = in_flight_microbatches(j, pp, m, v)
        mem = MemoryBreakdown(
            weights=st.weights,
            gradients=st.grads,
            optimizer=st.optim,
            activations=st.act_per_microbatch * in_flight + st.work,
            logits=st.logits_fixed + st.logits_per_microbatch * in_flight,
            buffers=st.buffers,
        )
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
                optimizer=st.opt,
                embedding_sync=st.emb_sync,
                params=st.params,
                memory=mem,
                capacity=pool.gpu.memory_bytes,
            )
        )

    umax = max(st.micro_time for st in stages)
    if v > 1:
        pipe = (m + (pp - 1) / v) * umax
    else:
        pipe = (m - 1) * umax + sum(st.micro_time for st in stages)
    tail = max(st.tail for st in stages)
    step = pipe + tail

    s = wl.seq_len
    tokens = wl.global_batch * s
    fwd_tok = model.forward_flops_per_token(s)
    model_flops = 3.0 * tokens * fwd_tok
    if plan.recompute == "full":
        extra = tokens * (fwd_tok - 2.0 * model.vocab * model.hidden)
    elif plan.recompute == "selective" and not problem.constraints.flash_attention:
        extra = tokens * model.layers * model.attention_flops_per_token(s)
    else:
        extra = 0.0
    by_pool: dict[str, int] = {}
    for label in labels:
        by_pool[label] = by_pool.get(label, 0) + t * cp * d
    peak = sum(n * pools[k].gpu.peak_flops(wl.precision) for k, n in by_pool.items())
    price = sum(n * pools[k].gpu.price_per_gpu_hour for k, n in by_pool.items())
    return Estimate(
        step_time=step,
        pipeline_time=pipe,
        bubble_time=pipe - m * umax,
        tail_time=tail,
        stages=tuple(stages),
        microbatches=m,
        gpus=plan.gpus,
        tokens=tokens,
        model_flops=model_flops,
        hardware_flops=model_flops + extra,
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

    Stages with the same layer count, position class and pool share their
    times; the in-flight activations decrease with the stage index, so each
    class's memory peak is at its first stage.
    """
    model, wl = problem.model, problem.workload
    pools = {p.label: p for p in problem.cluster.pools}
    labels = stage_pool_labels(problem, plan)
    stage_layers = plan.stage_layers or balanced_stage_layers(model.layers, plan.pp)
    indices = stage_layer_indices(model.layers, stage_layers, plan.interleave)
    flags = _moe_flags(model)
    m = plan.microbatches(wl.global_batch)
    pp, v = plan.pp, plan.interleave
    cache: dict[tuple, _StageStatic] = {}
    umax = usum = tail = 0.0
    worst_ratio, worst = 0.0, 0.0
    for j in range(pp):
        first, last = j == 0, j == pp - 1
        inter = labels[max(j - 1, 0)] != labels[j] or labels[min(j + 1, pp - 1)] != labels[j]
        n_moe = sum(1 for i in indices[j] if flags[i]) if model.is_moe else 0
        key = (labels[j], len(indices[j]), n_moe, first, last, inter)
        st = cache.get(key)
        seen = st is not None
        if st is None:
            st = cache[key] = _stage_static(
                problem, plan, pools[labels[j]], indices[j], first, last, inter
            )
        usum += st.micro
        if seen:
            continue
        umax = max(umax, st.micro)
        tail = max(tail, st.exposed + st.opt + st.emb_sync)
        in_flight = in_flight_microbatches(j, pp, m, v)
        total = (
            st.weights
            + st.grads
            + st.optim
            + st.act_per_microbatch * in_flight
            + st.work
            + st.logits_fixed
            + st.logits_per_microbatch * in_flight
            + st.buffers
            + RUNTIME_RESERVED_GIB * GIB
        )
        ratio = total / pools[labels[j]].gpu.memory_bytes
        if ratio > worst_ratio:
            worst_ratio, worst = ratio, total
    pipe = (m + (pp - 1) / v) * umax if v > 1 else (m - 1) * umax + usum
    step = pipe + tail
    if problem.constraints.objective == "cost":
        price = sum(pools[label].gpu.price_per_gpu_hour for label in labels)
        objective = step * price * plan.tp * plan.cp * plan.dp / 3600.0
    else:
        objective = step
    return Quick(step, objective, worst_ratio <= 1.0, worst, worst_ratio)
