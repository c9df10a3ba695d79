"""Exact plan search on a homogeneous cluster: enumeration with valid lower bounds.

Every plan of the decision space (:mod:`planner.train.space`) is either
evaluated with the step-time model or discarded by a lower bound that no plan
in the discarded set can beat, so the best plan found is optimal under the
model (and the ``k`` best are the ``k`` best).

Bounds. For a "layer configuration" ``(tp, cp, ep, microbatch, recompute,
sequence_parallel)`` let ``W`` be the time one GPU needs to run one
microbatch through *all* layers, the embedding and the head (forward +
backward + communication + recomputation). Any plan with that configuration
has ``sum_j U_j >= W`` over its stages, and both schedules satisfy
``T_pipe >= (m - 1 + p) / p * sum_j U_j`` (1F1B) or
``(m + (p - 1)/v) / p * sum_j U_j`` (interleaved; DualPipe ``(m + (p/2 - 1) 2/3) / p *
sum_j U_j``, its largest rank time at least the mean), so

* config bound: ``T >= m W / p = B W tp cp / (b (tp cp p d)) >= B W tp cp / (b N)``
  (``N`` the GPU budget; for the cost objective ``T * GPUs >= B W tp cp / b``);
* (p, d) bound: ``T >= (m + (p - 1)/v_max) W / p``.

Configurations are visited in increasing bound order; the search stops when
the bound reaches the ``k``-th best objective found. Memory bounds (model
states at the largest sharding, first-stage in-flight activations) skip
``(p, d)`` pairs that cannot fit.
"""

from __future__ import annotations

import functools
import heapq
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from planner.core.timing import Deadline
from planner.perfmodel.layer import layer_params
from planner.perfmodel.memory import (
    COMM_BUFFER_FRACTION,
    StageMemory,
    embedding_mask_bytes,
    head_activation_bytes,
    in_flight_microbatches,
    model_state_bytes,
)
from planner.perfmodel.overlap import OVERLAP_SLOWDOWN
from planner.perfmodel.stage import (
    TrainingStep,
    layer_memory,
    layer_time,
    optimizer_time,
    p2p_exposed_floor,
    p2p_transfer,
    pipeline_schedule,
    pipeline_time,
    stage_cost,
    stage_times,
)
from planner.train.bounds import lower_bound
from planner.train.evaluate import verify
from planner.train.frameworks import Framework, stage_shape_ok, stage_splits, violations
from planner.train.instance import TrainingPlan, TrainingProblem
from planner.train.layer_split import split_and_proof
from planner.train.space import (
    Space,
    divisors,
    expert_tps,
    experts_fit,
    framework_of,
    interleaves,
    least_stage_layers,
    pipeline_sizes,
    recompute_layer_counts,
    sequence_parallel_values,
    shard_groups,
    space,
    tp_gpu_limit,
)
from planner.train.step_time import Quick, balanced_stage_layers, moe_flags, quick, training_step

REL_TOL = 1e-9


@dataclass(frozen=True)
class LayerConfig:
    """Per-layer decisions shared by many plans, with the time of one full microbatch pass."""

    tp: int
    cp: int
    ep: int
    microbatch: int
    recompute: str
    sp: bool
    work: float  # seconds: all layers + embedding + head, one microbatch, one GPU
    act_layer: float  # bytes: smallest per-layer stored activation per microbatch
    work_mem: float  # bytes: smallest recompute working set of one layer
    layer_params: float  # smallest per-layer parameter count on one GPU
    # full recompute of k >= 1 layers per stage (k chosen per candidate); ``work``, and the
    # memory floors are then those of no recompute and of full recompute (bounds for any k)
    partial: bool = False
    act_plain: float = 0.0  # partial: smallest stored activations of a layer not recomputed
    redo: float = 0.0  # partial: least time to recompute one layer (every stage redoes >= 1)
    etp: int = 0  # expert tensor-parallel size (0: tp; space.expert_tps)

    def plan(
        self,
        pp: int,
        dp: int,
        interleave: int,
        zero: int,
        stage_layers: Sequence[int],
        recompute_layers: int = 0,
        shard_group: int = 0,
    ) -> TrainingPlan:
        """The plan with this configuration and the given pipeline, data-parallel and ZeRO sizes
        (``recompute_layers``: ``k`` of a partial-recompute configuration; ``shard_group``:
        hybrid sharding)."""
        return TrainingPlan(
            tp=self.tp,
            pp=pp,
            dp=dp,
            cp=self.cp,
            ep=self.ep,
            microbatch=self.microbatch,
            interleave=interleave,
            recompute=self.recompute,
            zero=zero,
            sequence_parallel=self.sp,
            stage_layers=tuple(stage_layers),
            recompute_layers=recompute_layers if self.partial else 0,
            shard_group=shard_group,
            expert_tp=self.etp,
        )

    def bound(self, problem: TrainingProblem) -> float:
        """Lower bound on the objective of every plan with this configuration."""
        B = problem.workload.global_batch
        if problem.constraints.objective == "cost":
            price = problem.cluster.pools[0].gpu.price_per_gpu_hour
            return B * self.work * self.tp * self.cp / self.microbatch * price / 3600.0
        return B * self.work * self.tp * self.cp / (self.microbatch * problem.gpu_budget)


@dataclass(order=True)
class Ranked:
    """A plan with its objective (ordered for the top-k heap)."""

    neg_objective: float
    seq: int
    plan: TrainingPlan = field(compare=False)
    quick: Quick = field(compare=False)


class TopK:
    """The ``k`` best plans seen (a max-heap on the objective)."""

    def __init__(self, k: int) -> None:
        self.k = max(1, k)
        self.heap: list[Ranked] = []
        self.counter = itertools.count()

    @property
    def threshold(self) -> float:
        """Objective a plan must beat to enter (inf until ``k`` plans are held)."""
        if len(self.heap) < self.k:
            return float("inf")
        return -self.heap[0].neg_objective

    def offer(self, plan: TrainingPlan, q: Quick) -> None:
        """Keep ``plan`` if it is among the ``k`` best (a plan is held at most once)."""
        if any(r.plan == plan for r in self.heap):
            return
        item = Ranked(-q.objective, -next(self.counter), plan, q)
        if len(self.heap) < self.k:
            heapq.heappush(self.heap, item)
        elif q.objective < self.threshold:
            heapq.heapreplace(self.heap, item)

    def best(self) -> list[tuple[TrainingPlan, Quick]]:
        """Plans from best to worst."""
        return [
            (r.plan, r.quick) for r in sorted(self.heap, key=lambda r: (-r.neg_objective, -r.seq))
        ]


@dataclass
class SearchOutcome:
    """Result of a search.

    Attributes
    ----------
    ranked
        Best plans with their quick evaluation, best first.
    complete
        True when the search finished (optimality proven); False on timeout.
    bound
        Proven lower bound on the optimum (the best objective when complete).
    evaluated, pruned_configs, pruned_pairs
        Counters.
    min_memory
        Smallest worst-stage memory (bytes) over the plans evaluated, with the plan.
    seen
        Every fitting plan evaluated, with its quick numbers.
    closed_below
        Every plan with an objective below this was evaluated (and is in ``seen``) when
        the search is complete: the pruning threshold it ended with.
    frontier
        The search's open part, to continue it with a higher threshold.
    """

    ranked: list[tuple[TrainingPlan, Quick]]
    complete: bool
    bound: float
    evaluated: int = 0
    configs: int = 0
    pruned_configs: int = 0
    pruned_pairs: int = 0
    min_memory: tuple[float, TrainingPlan | None] = (float("inf"), None)
    seen: list[tuple[TrainingPlan, Quick]] = field(default_factory=list)
    closed_below: float = 0.0
    frontier: Frontier | None = None


def _layer_groups(problem: TrainingProblem, sp_space: Space):
    """``(tp, cp, ep, microbatch, sp, expert_tp)`` of every layer configuration (recompute
    aside)."""
    for t, cp, ep, b in itertools.product(
        sp_space.tps, sp_space.cps, sp_space.eps, sp_space.microbatches
    ):
        if t * cp > sp_space.budget:
            continue
        for sp in sequence_parallel_values(problem, t, cp):
            for etp in expert_tps(problem, t):
                if sp or not etp:  # folded experts take the sequence-parallel shards
                    yield t, cp, ep, b, sp, etp


def _group_step(problem: TrainingProblem, t: int, cp: int, ep: int, b: int, sp: bool, etp: int = 0):
    """The training step of a one-stage plan with these per-layer decisions (no recompute)."""
    plan = TrainingPlan(
        tp=t, pp=1, dp=1, cp=cp, ep=ep, microbatch=b, sequence_parallel=sp, expert_tp=etp
    )
    return training_step(problem, plan)


def _layer_memory_floors(
    problem: TrainingProblem, step: TrainingStep, rc: str
) -> tuple[float, float, float]:
    """(stored activations, recompute working set, parameters) of one layer on one GPU with
    recompute mode ``rc``: the least over the model's layer types (a stage's terms are at
    least these)."""
    model = problem.model
    act = work_mem = lparams = float("inf")
    for is_moe in set(moe_flags(model)):
        kept, working = layer_memory(step, is_moe, rc)
        if rc == "offload":
            # stage_cost: nothing stays on the GPU, two layers' worth in flight (copy, compute)
            kept, working = 0.0, 2 * kept
        act = min(act, kept)
        work_mem = min(work_mem, working)
        # experts counted as split over tp (>= expert_tp): a floor of their parameters and
        # of their optimizer shards (stage_cost shards them over tp * shards / (ep * etp))
        lparams = min(lparams, sum(layer_params(model, is_moe, step.tp, step.ep)))
    return act, work_mem, lparams


def layer_config(
    problem: TrainingProblem,
    t: int,
    cp: int,
    ep: int,
    b: int,
    rc: str,
    sp: bool,
    floors: tuple[float, float, float] | None = None,
    step: TrainingStep | None = None,
    partial: bool = False,
    etp: int = 0,
) -> LayerConfig:
    """The :class:`LayerConfig` of these per-layer decisions (``floors``: from
    :func:`_layer_memory_floors`, and ``step``: from :func:`_group_step`, computed when
    not given). ``partial``: full recompute of some layers per stage (``rc = "full"``):
    the work of no recompute bounds it (recomputation only adds time). ``etp``: expert
    tensor-parallel size (0: ``t``)."""
    model = problem.model
    pool = problem.cluster.pools[0]
    n_moe = sum(moe_flags(model))
    step = step or _group_step(problem, t, cp, ep, b, sp, etp)
    if floors is None:
        floors = _layer_memory_floors(problem, step, rc)
    # W: the whole model as one stage, forward + backward (stage_cost's p2p and per-step
    # terms left out: they only add)
    one_stage = replace(step, recompute="none" if partial else rc)
    work = sum(stage_times(one_stage, pool, model.layers - n_moe, n_moe, True, True))
    dual = replace(one_stage, pp=2)
    if n_moe and dual.schedule == "dualpipe":
        # a DualPipe rank computes on the SMs the all-to-all kernels leave
        # (perfmodel.stage.sm_share): slower kernels that hide more of the activation
        # copies, so the one-stage time is no lower bound of a DualPipe plan's; take both
        work = min(work, sum(stage_times(dual, pool, model.layers - n_moe, n_moe, True, True)))
    act_plain = redo = 0.0
    if partial:
        act_plain = _layer_memory_floors(problem, step, "none")[0]
        full = replace(step, recompute="full")
        redo = min(layer_time(full, pool.gpu, m).recompute for m in set(moe_flags(model)))
    return LayerConfig(t, cp, ep, b, rc, sp, work, *floors, partial, act_plain, redo, etp)


def layer_configs(
    problem: TrainingProblem, sp_space: Space | None = None, deadline: Deadline | None = None
) -> list[LayerConfig]:
    """All layer configurations of the space with their work and bounds, sorted by bound.

    When ``deadline`` expires the list stops early (callers check ``deadline.expired()``).
    """
    sp_space = sp_space or space(problem)
    out = []
    for t, cp, ep, b, sp, etp in _layer_groups(problem, sp_space):
        if deadline is not None and deadline.expired():
            break
        for rc in sp_space.recomputes:
            out.append(layer_config(problem, t, cp, ep, b, rc, sp, etp=etp))
    out.sort(key=lambda lc: lc.bound(problem))
    return out


def config_seeds(
    problem: TrainingProblem, sp_space: Space, capacity: float, deadline: Deadline | None = None
) -> list[tuple[float, LayerConfig | tuple]]:
    """(lower bound, configuration) of every layer configuration that may fit in memory.

    A configuration is left out when one layer's stored activations (one microbatch)
    plus its recompute working set already exceed ``capacity``: every stage holds at
    least that (with activation offload: the two layers in flight). Recomputation and
    offload only add time (:func:`planner.perfmodel.layer.layer_cost` adds the
    recompute pass to the same kernels, :func:`planner.perfmodel.stage.stage_parts`
    the exposed host copies), so the work of the configuration without either bounds
    the configurations with them: those are given as their decisions
    ``(tp, cp, ep, microbatch, recompute, sp, floors, step, partial, expert_tp)``, to be
    built (:func:`layer_config`) only when their bound is reached.
    """
    out: list[tuple[float, LayerConfig | tuple]] = []
    for t, cp, ep, b, sp, etp in _layer_groups(problem, sp_space):
        if deadline is not None and deadline.expired():
            break
        step = _group_step(problem, t, cp, ep, b, sp, etp)
        floors = {}
        for rc in sp_space.recomputes:
            f = _layer_memory_floors(problem, step, rc)
            if f[0] + f[1] <= capacity * (1 + 1e-12):
                floors[rc] = f
        partial = None
        if sp_space.partial:
            # the floors of full recompute (smallest stored activations) bound any k
            f = floors.get("full") or _layer_memory_floors(problem, step, "full")
            if f[0] + f[1] <= capacity * (1 + 1e-12):
                partial = f
        lazy = "none" in sp_space.recomputes and len(floors) + (partial is not None) >= 2
        if not lazy:
            for rc, f in floors.items():
                lc = layer_config(problem, t, cp, ep, b, rc, sp, f, step, etp=etp)
                out.append((lc.bound(problem), lc))
            if partial is not None:
                lc = layer_config(problem, t, cp, ep, b, "full", sp, partial, step, True, etp)
                out.append((lc.bound(problem), lc))
            continue
        plain = layer_config(problem, t, cp, ep, b, "none", sp, floors.get("none"), step, etp=etp)
        for rc in floors:
            if rc == "none":
                out.append((plain.bound(problem), plain))
            else:
                # the step and floors computed here go with it (built later without redoing them)
                out.append(
                    (plain.bound(problem), (t, cp, ep, b, rc, sp, floors[rc], step, False, etp))
                )
        if partial is not None:
            out.append((plain.bound(problem), (t, cp, ep, b, "full", sp, partial, step, True, etp)))
    return out


def _dps(problem: TrainingProblem, lc: LayerConfig, pp: int) -> list[int]:
    c = problem.constraints
    B = problem.workload.global_batch
    limit = tp_gpu_limit(problem, lc.tp) // (lc.tp * lc.cp * pp)
    if limit < 1:
        return []
    cands = [
        d
        for d in divisors(B // lc.microbatch)
        if d <= limit and experts_fit(lc.tp, lc.cp, d, lc.ep, lc.etp)
    ]
    if c.dp is not None:
        cands = [d for d in cands if d == c.dp]
    if c.use_all_gpus:
        cands = [d for d in cands if lc.tp * lc.cp * pp * d == problem.gpu_budget]
    return cands


def first_stage_memory(
    problem: TrainingProblem,
    lc: LayerConfig,
    stage0: float,
    pp,
    d,
    zero,
    shards=None,
) -> StageMemory:
    """Lower bound on the memory terms of stage 0 (arrays accepted for ``stage0, pp, d, zero``;
    ``shards``: ranks the states are sharded over, default ``d * cp``).

    Relaxes :func:`~planner.perfmodel.stage.stage_cost`'s memory: every layer
    is given the smallest per-layer parameters, activations and working set of
    the configuration, and ZeRO-3 prefetch buffers are left out (exact for
    dense models otherwise).
    """
    model = problem.model
    t, cp = lc.tp, lc.cp
    s = problem.workload.seq_len
    single = pp == 1
    p0 = stage0 * lc.layer_params + model.embedding_params() / t + single * model.head_params() / t
    sw = problem.software
    # the software's state bytes and trained share, as stage_cost prices the base weights
    # (LoRA adapters' own states only add to them)
    w, g, o = model_state_bytes(
        p0,
        zero=zero,
        shards=d * cp if shards is None else shards,
        weight_bytes=sw.weight_bytes,
        grad_bytes=sw.grad_bytes,
        optimizer_bytes=sw.optimizer_bytes,
        trainable=sw.base_trainable,
        working_shard=not sw.torch_fsdp,
    )
    head = head_activation_bytes(
        model,
        micro_batch=lc.microbatch,
        seq=s,
        tp=t,
        cp=cp,
        fused_loss=problem.software.fused_loss,
    )
    return StageMemory(
        weights=w,
        gradients=g,
        optimizer=o,
        activations=stage0 * lc.act_layer,
        work=lc.work_mem,
        logits_fixed=single * head,
        logits=embedding_mask_bytes(
            model,
            micro_batch=lc.microbatch,
            seq=s,
            tp=t,
            cp=cp,
            sp=lc.sp,
            dropout_masks=sw.dropout_masks,
        ),
        buffers=COMM_BUFFER_FRACTION * p0 * 2,
    )


def _first_stage_floor(
    problem: TrainingProblem, lc: LayerConfig, stage0: int, pp: int, d: int, m: int, v: int, z: int
) -> float:
    """Lower bound on the memory of stage 0 (:func:`first_stage_memory` at its in-flight count)."""
    in_flight = in_flight_microbatches(0, pp, m, v)
    return first_stage_memory(problem, lc, stage0, pp, d, z).total(in_flight)


@functools.lru_cache(maxsize=8192)
def stage_flights(pp: int, m: int, v: int) -> tuple[float, ...]:
    """In-flight microbatches of every stage (:func:`in_flight_microbatches`), cached."""
    return tuple(in_flight_microbatches(j, pp, m, v) for j in range(pp))


def split_may_fit(
    problem: TrainingProblem,
    lc: LayerConfig,
    pp: int,
    d: int,
    m: int,
    v: int,
    z: int,
    capacity: float,
    k: int = 0,
) -> bool:
    """Whether some split with at least ``v`` layers per stage may pass every stage's memory.

    A relaxation of the memory check of an uneven split
    (:mod:`planner.train.layer_split`): stage ``j`` holds at most ``h_j`` layers,
    with ``h_0`` from :func:`first_stage_memory` at stage 0's in-flight count and
    ``h_j`` (``j > 0``) from its per-layer part alone (no embedding, no logits)
    at stage ``j``'s; the split needs ``h_j >= v`` and ``sum_j h_j >= L``.

    With partial recompute of ``k`` layers per stage (``lc.partial``) a stage of ``n >=
    max(v, k)`` layers stores at least ``k`` recomputed layers' activations
    (``lc.act_layer`` each) and ``n - k`` others' (``lc.act_plain``): ``act_plain`` per
    layer, and ``k (act_layer - act_plain)`` per in-flight microbatch in the fixed part
    (memory falls as ``k`` grows); with one stage it holds all ``L`` layers.
    """
    L = problem.model.layers
    if pp == 1 and not k:
        return True
    per = replace(lc, act_layer=lc.act_plain) if k else lc
    flight = np.array(stage_flights(pp, m, v)) if pp > 1 else np.ones(1)
    save = k * (lc.act_layer - lc.act_plain) * flight
    if pp == 1:
        return first_stage_memory(problem, per, L, 1, d, z).total(1.0) + save[0] <= capacity
    zero_layers = first_stage_memory(problem, per, 0.0, pp, d, z)
    one_layer = first_stage_memory(problem, per, 1.0, pp, d, z)
    per_layer = one_layer.total(flight) - zero_layers.total(flight)
    fixed = np.full(pp, zero_layers.work) + save
    fixed[0] = zero_layers.total(flight[0]) + save[0]
    caps = np.floor((capacity * (1 + 1e-12) - fixed) / np.maximum(per_layer, 1e-300))
    return bool(caps.min() >= max(v, k) and np.minimum(caps, L).sum() >= L)


def _uneven_capacity_ok(
    problem: TrainingProblem,
    lc: LayerConfig,
    pps: np.ndarray,
    dmax: np.ndarray,
    m: np.ndarray,
    zp: np.ndarray,
    capacity: float,
) -> np.ndarray:
    """:func:`split_may_fit` over all ``pp`` at once, relaxed to ``v = 1`` (the fewest
    in-flight activations) and one layer per stage.

    One cell per stage ``j < p`` of each pipeline size (``sum p`` cells, not a ``p x
    max(p)`` square); the layer caps are whole numbers, so their sums are exact in any order.
    """
    L = problem.model.layers
    sizes = pps.astype(int)
    start = np.cumsum(sizes) - sizes  # each size's first cell
    row = np.repeat(np.arange(pps.size), sizes)
    j = np.arange(row.size) - start[row]  # the stage of each cell
    p = pps[row]
    flight = np.maximum(np.minimum(p - j, m[row]), 1.0)  # 1F1B in-flight of stage j
    args = (p, dmax[row], zp[row])
    zero_layers = first_stage_memory(problem, lc, 0.0, *args)
    one_layer = first_stage_memory(problem, lc, 1.0, *args)
    per_layer = one_layer.total(flight) - zero_layers.total(flight)
    fixed = np.where(j == 0, zero_layers.total(flight), zero_layers.work)
    caps = np.floor((capacity * (1 + 1e-12) - fixed) / np.maximum(per_layer, 1.0))
    caps = np.minimum(caps, L)
    least = np.minimum.reduceat(caps, start)
    return (pps == 1) | ((least >= 1) & (np.add.reduceat(caps, start) >= L))


def _optimizer_rate(problem: TrainingProblem) -> float:
    """Least optimizer seconds per parameter of a stage: the software's Adam traffic, over
    the trained share of the base weights only (frozen / LoRA fine-tuning)."""
    sw = problem.software
    gpu = problem.cluster.pools[0].gpu
    return optimizer_time(gpu, 1.0, sw.optimizer_traffic) * sw.base_trainable


def _config_bound(
    problem: TrainingProblem,
    lc: LayerConfig,
    zeros: tuple[int, ...],
    capacity: float,
    limit: float = float("inf"),
    pending: list[PendingSizes] | None = None,
) -> dict[int, float]:
    """Lower bound per ``pp`` over all (dp, v, zero) of ``lc`` that may fit in memory.

    Pipeline sizes that cannot fit are left out (an empty result: nothing fits).
    With ``pending`` given, the costly per-stage check of uneven splits
    (:func:`_uneven_capacity_ok`) is run only on the sizes whose bound is below ``limit``
    (the search's pruning threshold); the other sizes still to pass it are left out of the
    result and appended to ``pending`` as one :class:`PendingSizes` (checked if the search
    ever reaches their bounds).

    Vectorized over ``pp``. For each ``pp`` the largest ``dp`` gives both the
    smallest memory floor (fewer in-flight microbatches, more ZeRO sharding)
    and the smallest step-time bound (the smallest ``dp`` the smallest cost
    bound), the largest ZeRO stage the smallest states, ``v = 1`` the fewest
    in-flight activations, and ``v_max = L / p`` (any ``dp``) the smallest
    bubble; mixing them keeps a valid bound.
    """
    c = problem.constraints
    model = problem.model
    B = problem.workload.global_batch
    pool = problem.cluster.pools[0]
    L = model.layers
    pps = np.array(pipeline_sizes(problem, lc.tp, lc.cp), dtype=float)
    if c.stage_layers is not None:
        pps = pps[pps == len(c.stage_layers)]
    if pps.size == 0:
        return {}
    ds = [d for d in divisors(B // lc.microbatch) if experts_fit(lc.tp, lc.cp, d, lc.ep, lc.etp)]
    if c.dp is not None:
        ds = [d for d in ds if d == c.dp]
    if not ds:
        return {}
    darr = np.array(ds, dtype=float)
    cap = tp_gpu_limit(problem, lc.tp)
    if c.use_all_gpus and cap < problem.gpu_budget:
        return {}
    # the largest dp each size may use (not ``limit``: that name is the search's threshold)
    dp_limit = np.floor(cap / (lc.tp * lc.cp * pps))
    idx = np.searchsorted(darr, dp_limit, side="right") - 1
    ok = idx >= 0
    dmax = np.where(ok, darr[np.maximum(idx, 0)], 1.0)
    if c.use_all_gpus:
        ok &= dmax == dp_limit
    m = B / (dmax * lc.microbatch)
    base = np.floor(L / pps)
    extra = L - base * pps
    if c.stage_layers is not None:
        stage0 = np.full_like(pps, float(c.stage_layers[0]))
    elif c.even_only:
        stage0 = base + (extra > np.maximum(pps - 2, 0))
    else:  # uneven splits (planner.train.layer_split): stage 0 may hold a single layer
        stage0 = np.where(pps == 1, float(L), 1.0)
    single = pps == 1
    if not zeros:  # no ZeRO stage left (a fixed one the framework lacks): max() raised
        return {}
    zmax = max(zeros)
    zp = np.where(single, zmax, min(1, zmax))
    in_flight = np.where(single, 1.0, np.minimum(pps, m))
    floor = first_stage_memory(problem, lc, stage0, pps, dmax, zp).total(in_flight)
    ok &= floor <= capacity
    if not ok.any():
        return {}
    p0 = stage0 * lc.layer_params + model.embedding_params() / lc.tp
    p0 = p0 + np.where(single, model.head_params() / lc.tp, 0.0)
    # the largest stage holds at least ceil(L / p) layers (its optimizer bounds the tail too)
    p0 = np.maximum(p0, np.ceil(L / pps) * lc.layer_params)
    sh = dmax * lc.cp
    # smallest one-way p2p time over the placements a dp value can give
    stub = training_step(problem, lc.plan(2, 1, 1, 0, ()))
    one = min(p2p_transfer(stub, pool, None), p2p_transfer(replace(stub, dp=10**9), pool, None))
    # interleaving needs m % p == 0 for the plan's own dp (a smaller dp has more
    # microbatches), so over all dp only the layers per stage limit v (v <= floor(L / p))
    vmax = np.where(pps >= 2, np.floor(L / pps), 1.0)
    if c.interleave is not None:
        vmax = np.full_like(pps, float(c.interleave))
    # overlapped sends (interleaved / DualPipe schedules) expose at least OVERLAP_SLOWDOWN of
    # their time (planner.perfmodel.overlap.exposed_after)
    share = p2p_exposed_floor(replace(stub, interleave=2))
    usum = lc.work + np.where(single, 0.0, 2 * share * one * pps) + lc.redo * pps
    # bubble per largest stage time: (p - 1) / v_max, or DualPipe's at v = 1 when it is less
    # (stage.pipeline_time; its largest rank time is at least usum / p too)
    bubble = (pps - 1) / vmax
    # (only a software asking for DualPipe runs it: stage.pipeline_schedule)
    if c.interleave in (None, 1) and stub.software.ep_overlap == "dualpipe":
        kinds = [
            pipeline_schedule(stub.software.ep_overlap, int(p), 1, stub.microbatches) for p in pps
        ]
        dual = np.array(
            [
                pipeline_time(1.0, 0.0, 0, int(p), 1, kind) if kind == "dualpipe" else np.inf
                for p, kind in zip(pps, kinds, strict=True)
            ]
        )
        bubble = np.minimum(bubble, dual)
    if c.objective == "cost":
        # GPUs x (m + (p-1)/v) = tp cp p (B/b + (p-1) d/v): the cost grows with dp, so
        # the bound takes the smallest dp (the optimizer's share is flat or grows too)
        dmin = float(ds[0])
        gpus = lc.tp * lc.cp * pps * dmin
        # stage.pipeline_time relaxed: largest stage time -> usum / p, v -> v_max (vectorized)
        pipe = (B / (dmin * lc.microbatch) + bubble) * usum / pps
        tail = _optimizer_rate(problem) * p0 / np.where(zp >= 1, dmin * lc.cp, 1.0)
        bound = (pipe + tail) * gpus * pool.gpu.price_per_gpu_hour / 3600.0
    else:
        # stage.pipeline_time relaxed: largest stage time -> usum / p, v -> v_max (vectorized)
        pipe = (m + bubble) * usum / pps
        opt_params = p0 / np.where(zp >= 1, sh, 1.0)
        tail = _optimizer_rate(problem) * opt_params
        bound = pipe + tail
    if c.stage_layers is None and not c.even_only:
        if pending is not None:
            later = ok & (bound >= limit)
            if later.any():
                pending.append(PendingSizes(*(x[later] for x in (pps, bound, dmax, m, zp))))
                ok &= ~later
        live = np.flatnonzero(ok)  # only the sizes still open (the check is O(p^2))
        if live.size:
            ok[live] &= _uneven_capacity_ok(
                problem, lc, pps[live], dmax[live], m[live], zp[live], capacity
            )
    return {int(p): float(b) for p, b, k in zip(pps, bound, ok, strict=True) if k}


@dataclass
class PendingSizes:
    """Pipeline sizes of one configuration whose bound was at least the pruning threshold
    when it was expanded, before their memory check of uneven splits (arrays by size, as
    :func:`_config_bound` computed them; ``dmax, m, zp`` are the check's arguments)."""

    pps: np.ndarray
    bound: np.ndarray
    dmax: np.ndarray
    m: np.ndarray
    zp: np.ndarray

    def key(self) -> float:
        """The least bound: no size is reached before it."""
        return float(self.bound.min())

    def take(
        self, problem: TrainingProblem, lc: LayerConfig, limit: float, capacity: float
    ) -> tuple[dict[int, float], PendingSizes | None]:
        """The sizes with a bound below ``limit`` (at least the least one: it is reached)
        that pass the check (size -> bound), and the sizes left pending (``None``: none)."""
        now = self.bound < limit
        now[np.argmin(self.bound)] = True
        idx = np.flatnonzero(now)
        fits = _uneven_capacity_ok(
            problem, lc, self.pps[idx], self.dmax[idx], self.m[idx], self.zp[idx], capacity
        )
        got = {int(self.pps[i]): float(self.bound[i]) for i, f in zip(idx, fits, strict=True) if f}
        if now.all():
            return got, None
        arrays = (self.pps, self.bound, self.dmax, self.m, self.zp)
        return got, PendingSizes(*(x[~now] for x in arrays))


def stage_floor(problem: TrainingProblem, plan: TrainingPlan, usum: float, m: int) -> float:
    """Lower bound on the objective of ``plan`` (``stage_layers`` ignored) over every split.

    Some stage holds at least ``n = ceil(L / p)`` layers. With ``n_d`` of them dense
    (``n_d`` between the fewest and the most dense layers ``n`` layers can hold), its
    per-microbatch time is at least that of a middle stage (no embedding, no head)
    holding exactly them, and so is the largest stage time ``max U``: its kernels grow
    with every layer, the exposed p2p ``max(w + k c, c + k w)`` grows with the kernel
    time ``w``, and ZeRO-2/3's overlapped communication with the parameters. Its tail
    is at least ``k`` (the overlap slowdown; 1 without overlap) times its DP gradient
    and gather volumes' times plus its optimizer time. Over ``n_d`` every such term is
    affine or concave (a collective is 0 at 0 bytes and affine above), so its least
    value is at an end of the range: the bound takes each term's least over both ends
    (and, with partial recompute of ``k`` layers, at ``n_d = k``, where the recomputed
    layers' type changes).
    ``usum`` is a lower bound on the sum of the stage times (from the layer
    configuration's work), raised to the largest stage's bound plus, with partial
    recompute, the other stages' least time (``max(v, k)`` layers each). Cost objective:
    times the plan's GPUs and price.
    """
    model = problem.model
    L, pp = model.layers, plan.pp
    pool = problem.cluster.pools[0]
    n = -(-L // pp)
    flags = moe_flags(model)
    n_moe_all = sum(flags)
    n_dense_all = L - n_moe_all
    ends = {min(n, n_dense_all), max(0, n - n_moe_all)}
    step = training_step(problem, plan)
    if step.recompute == "full" and step.recompute_layers:
        # partial recompute redoes the first k layers, dense first: a kink at n_d = k
        ends.add(min(max(step.recompute_layers, min(ends)), max(ends)))
    sw = problem.software
    k_sync = OVERLAP_SLOWDOWN if step.overlap_grad_reduce else 1.0
    k_gather = OVERLAP_SLOWDOWN if (sw.overlap_param_gather and step.overlap_grad_reduce) else 1.0
    umax = sync = gather = opt = float("inf")
    for nd in ends:
        st = stage_cost(step, pool, nd, n - nd, False, False)
        # ZeRO-2/3 overlap their per-microbatch collectives (convex in the volume): only
        # the kernels and the exposed p2p are taken for mixed layer types
        mixed = len(ends) > 1 and plan.zero >= 2
        umax = min(umax, st.fwd + st.bwd + st.p2p if mixed else st.micro)
        if plan.zero < 2:
            sync = min(sync, st.grad_sync)
            gather = min(gather, st.param_gather)
        opt = min(opt, st.optimizer)
    if plan.zero >= 2:
        sync = gather = 0.0
    # the stage times add up to at least the largest; with partial recompute each other
    # stage holds at least max(v, k) layers (k recomputed)
    others = 0.0
    if step.recompute == "full" and step.recompute_layers and pp > 1:
        least = least_stage_layers(plan)
        others = float("inf")
        for nd in {min(least, n_dense_all), max(0, least - n_moe_all)}:
            others = min(others, stage_cost(step, pool, nd, least - nd, False, False).micro)
        others *= pp - 1
    usum = max(usum, umax + others)
    umax = max(umax, usum / pp)
    if step.schedule == "dualpipe":
        # the largest rank time (U_r + U_{p-1-r}) / 2 is at least half the largest stage's
        # and at least the mean usum / pp (perfmodel.stage.rank_cost)
        umax = max(umax / 2, usum / pp)
    # the schedule as the step model prices it (planner.train.step_time.quick)
    pipe = pipeline_time(umax, usum, m, pp, plan.interleave, step.schedule)
    bound = pipe + k_sync * sync + k_gather * gather + opt
    if problem.constraints.objective == "cost":
        bound *= plan.gpus * pool.gpu.price_per_gpu_hour / 3600.0
    return bound


def _candidates(
    problem: TrainingProblem,
    lc: LayerConfig,
    zeros: tuple[int, ...],
    pps: list[int],
    memo: dict | None = None,
) -> list[tuple[float, int, int, int, int, int, float]]:
    """(time bound, pp, dp, v, zero, microbatches, least sum of stage times) of every plan
    of ``lc`` with a pipeline size in ``pps``, by increasing bound (memory is checked by
    :func:`candidate_may_fit` when a candidate is reached).

    ``memo``: a dict kept over the calls of one search (one problem): the data-parallel
    sizes and interleaving factors, which many configurations share, are looked up once.
    """
    memo = {} if memo is None else memo
    c = problem.constraints
    B = problem.workload.global_batch
    pool = problem.cluster.pools[0]
    gpu = pool.gpu
    L = problem.model.layers
    cost = c.objective == "cost"
    price = gpu.price_per_gpu_hour / 3600.0
    emb = problem.model.embedding_params() / lc.tp
    opt_rate = _optimizer_rate(problem)
    out = []
    # p2p_transfer depends on dp (same node or not) and not on pp; the exposed share on
    # whether the plan interleaves (both cached over the loops)
    stub = training_step(problem, lc.plan(2, 1, 1, 0, ()))
    ones: dict[int, float] = {}
    shares: dict[int, float] = {}
    for pp in pps:
        if c.stage_layers is not None and len(c.stage_layers) != pp:
            continue
        zs = tuple(z for z in zeros if pp == 1 or z <= 1)
        if not zs:
            continue
        dkey = ("dps", lc.tp, lc.cp, lc.microbatch, lc.ep, lc.etp, pp)
        dps = memo.get(dkey)
        if dps is None:
            dps = memo[dkey] = _dps(problem, lc, pp)
        for d in dps:
            m = B // (d * lc.microbatch)
            if pp > 1 and d not in ones:
                ones[d] = p2p_transfer(replace(stub, dp=d), pool, None)
            one = ones[d] if pp > 1 else 0.0
            vkey = ("v", pp, m)
            vs = memo.get(vkey)
            if vs is None:
                vs = memo[vkey] = interleaves(problem, pp, m)
            for v in vs:
                s0 = _stage0(problem, pp, v)
                if v not in shares:
                    shares[v] = p2p_exposed_floor(replace(stub, interleave=v))
                usum = lc.work + 2 * v * one * pp * shares[v] + lc.redo * pp
                # relaxes stage.pipeline_time's largest stage (DualPipe: rank) time to the
                # mean usum / pp
                schedule = pipeline_schedule(stub.software.ep_overlap, pp, v, m)
                pipe = pipeline_time(usum / pp, usum, m, pp, v, schedule)
                p0 = max(s0 * lc.layer_params + emb, -(-L // pp) * lc.layer_params)
                for z in zs:
                    # the optimizer of the largest stage (or of stage 0 with the embedding)
                    bound = pipe + opt_rate * p0 / (d * lc.cp if z >= 1 else 1)
                    if cost:
                        bound *= lc.tp * lc.cp * pp * d * price
                    out.append((bound, pp, d, v, z, m, usum))
    out.sort()
    return out


def _stage0(problem: TrainingProblem, pp: int, v: int) -> int:
    """Fewest layers stage 0 of a ``pp``-stage pipeline with ``v`` chunks may hold."""
    c, L = problem.constraints, problem.model.layers
    if c.stage_layers is not None:
        return c.stage_layers[0]
    if c.even_only:
        return balanced_stage_layers(L, pp)[0]
    return L if pp == 1 else v  # uneven splits: stage 0 keeps at least one layer per chunk


def candidate_may_fit(
    problem: TrainingProblem,
    lc: LayerConfig,
    pp: int,
    d: int,
    m: int,
    v: int,
    z: int,
    capacity: float,
) -> tuple[bool, float]:
    """Whether some split of the candidate may pass memory, with its stage-0 memory floor.

    Stage 0's floor (:func:`first_stage_memory`) and, for uneven splits, the per-stage
    layer caps of :func:`split_may_fit`.
    """
    c = problem.constraints
    floor = _first_stage_floor(problem, lc, _stage0(problem, pp, v), pp, d, m, v, z)
    if floor > capacity:
        return False, floor
    uneven = c.stage_layers is None and not c.even_only
    if uneven and not split_may_fit(problem, lc, pp, d, m, v, z, capacity):
        return False, floor
    return True, floor


class Frontier:
    """The open part of a best-first search over valid lower bounds (resumable).

    One heap holds layer configurations (keyed by :meth:`LayerConfig.bound`, or by
    the bound of the same configuration without recomputation until they are
    built), pipeline sizes of an expanded configuration (keyed by the per-``pp``
    bound of :func:`_config_bound`) and candidates ``(pp, dp, v, zero)`` (keyed by
    the larger of the candidate bound and the per-``pp`` bound, then refined by
    :func:`stage_floor`). :meth:`run` pops the least key: a configuration expands
    into its pipeline sizes, a size into its candidates, a candidate gets its memory
    check and refined bound (pushed back) and then its exact layer split and
    evaluation. Nothing leaves the heap but what was evaluated or cannot fit in
    memory, so a later :meth:`run` with a higher threshold (the near-best plans of
    ``--prefer-simple``) continues where the first stopped.
    """

    def __init__(self, problem: TrainingProblem, deadline: Deadline) -> None:
        self.problem = problem
        self.capacity = problem.capacity(problem.cluster.pools[0].gpu)
        sp_space = space(problem)
        self.zeros = sp_space.zeros
        self.out = SearchOutcome([], False, 0.0)
        self.key = 0.0  # key of the heap item being expanded
        self.unproven_floor = float("inf")  # least key of a plan whose split is not proven
        seeds = config_seeds(problem, sp_space, self.capacity, deadline)
        # the list may be cut short by the deadline: unlisted configurations stay open
        self.cut = deadline.expired()
        self.out.configs = len(seeds)
        # heap items: (key, tie, kind, payload); kinds: 0 configuration, 1 candidate to
        # refine, 2 refined candidate, 3 configuration still to build, 4 pipeline size,
        # 5 a candidate with partial recompute of k layers per stage, 6 / 7 a hybrid-sharding
        # variant to refine / refined, 8 pipeline sizes still to pass their memory check
        self.heap: list[tuple] = [
            (key, i, 0 if isinstance(x, LayerConfig) else 3, x) for i, (key, x) in enumerate(seeds)
        ]
        heapq.heapify(self.heap)
        self.tie = itertools.count(len(seeds))
        self.plain_fits: dict[tuple, bool] = {}
        self.memo: dict = {}  # _candidates' lookups shared by the configurations

    def _push(self, key: float, kind: int, payload) -> None:
        heapq.heappush(self.heap, (key, next(self.tie), kind, payload))

    def _expand(self, lc: LayerConfig, pps: list[int], per_pp: dict[int, float]) -> None:
        for bound, pp, d, v, z, m, usum in _candidates(
            self.problem, lc, self.zeros, pps, self.memo
        ):
            self._push(max(bound, per_pp[pp]), 1, (lc, pp, d, v, z, m, usum))

    def run(self, top: TopK, threshold: float, deadline: Deadline) -> tuple[bool, float]:
        """Evaluate plans until every open key reaches ``min(top.threshold, threshold)``.

        Fitting plans are offered to ``top`` and recorded in ``out.seen``. Returns
        whether the search finished before ``deadline`` and the least open key.
        """
        problem, out = self.problem, self.out
        heap = self.heap
        if self.cut:
            return False, lower_bound(problem)
        while heap:
            key, _t, kind, payload = heap[0]
            limit = min(top.threshold, threshold) * (1 - REL_TOL)
            if key >= limit:
                break
            if deadline.expired():
                return False, key
            heapq.heappop(heap)
            self.key = key  # the bound the plans evaluated below come from
            if kind == 3:
                lc = layer_config(problem, *payload)
                self._push(lc.bound(problem), 0, lc)
                continue
            if kind == 0:
                lc = payload
                # every pipeline size waits for its own bound: its candidates (most never
                # reached: 70,712 built, 477 reached on the issue-18 1T row) are built only
                # when it is popped; each candidate's key is at least its size's bound, so
                # the order candidates are reached in is the same as building them now
                # the memory check of uneven splits only for the sizes below the threshold;
                # the others wait as one item keyed by their least bound (kind 8)
                pending: list[PendingSizes] = []
                per_pp = _config_bound(problem, lc, self.zeros, self.capacity, limit, pending)
                for p, b in per_pp.items():
                    self._push(b, 4, (lc, p, b))
                for rest in pending:
                    self._push(rest.key(), 8, (lc, rest))
                continue
            if kind == 8:  # sizes reached before their memory check (PendingSizes)
                lc, rest = payload
                got, left = rest.take(problem, lc, limit, self.capacity)
                for p, b in got.items():
                    self._push(b, 4, (lc, p, b))
                if left is not None:
                    self._push(left.key(), 8, (lc, left))
                continue
            if kind == 4:
                lc, p, b = payload
                self._expand(lc, [p], {p: b})
                continue
            if kind in (6, 7):  # hybrid sharding over groups of g ranks
                *rest, g = payload
                lc, pp, d, v, z, m, usum = rest
                plan = lc.plan(pp, d, v, z, (), 0, g)
                if kind == 6:
                    s0 = _stage0(problem, pp, v)
                    mem = first_stage_memory(problem, lc, s0, pp, d, z, g)
                    if mem.total(in_flight_microbatches(0, pp, m, v)) > self.capacity:
                        continue
                    refined = stage_floor(problem, plan, usum, m)
                    if refined > key:
                        self._push(refined, 7, payload)
                        continue
                self._evaluate(top, plan)
                continue
            if kind == 5:  # partial recompute of k layers per stage (space.recompute_layer_counts)
                *payload, k = payload
                lc, pp, d, v, z, m, usum = payload
                rule = problem.constraints.recompute_layers is None
                if rule and self._fits_plain(lc.plan(pp, d, v, z, ())):
                    continue  # fits without recomputation: no partial recompute
                if not self._evaluate(top, lc.plan(pp, d, v, z, (), k)) and rule:
                    self._push_partial(key, payload, k + 1)  # the next k may fit
                continue
            lc, pp, d, v, z, m, usum = payload
            if kind == 1:
                fits, floor = candidate_may_fit(problem, lc, pp, d, m, v, z, self.capacity)
                if floor < out.min_memory[0]:
                    out.min_memory = (floor, None)
                if not fits:
                    continue
                if not lc.partial:
                    self._push_hsdp(key, payload)
                if pp > 1:  # bounded before the layer split
                    first = recompute_layer_counts(problem, pp)[:1] if lc.partial else [0]
                    if not first:
                        continue
                    plan = lc.plan(pp, d, v, z, (), first[0])
                    refined = stage_floor(problem, plan, usum, m)
                    if refined > key:
                        self._push(refined, 2, payload)
                        continue
            if 0 not in shard_groups(problem, d, lc.cp, z):
                continue  # a fixed hybrid-sharding group: only its variants (kinds 6, 7)
            if lc.partial:
                self._push_partial(key, payload, None)
                continue
            self._evaluate(top, lc.plan(pp, d, v, z, ()))
        return True, heap[0][0] if heap else float("inf")

    def _best(self, plan: TrainingPlan) -> tuple[TrainingPlan, Quick]:
        """``plan`` with its best layers per stage (the fixed or even ones if so constrained).

        Where that split is not proven the least (:func:`split_and_proof`), the key the plan
        was taken from, a lower bound over every split, caps what the search can prove.
        """
        problem, c = self.problem, self.problem.constraints
        if c.stage_layers is not None or c.even_only:
            stage = c.stage_layers or balanced_stage_layers(problem.model.layers, plan.pp)
            plan = replace(plan, stage_layers=tuple(stage))
            return plan, quick(problem, plan)
        fw = framework_of(problem)
        split = split_and_proof(problem, plan)  # planner.train.layer_split
        if fw is not None and not stage_shape_ok(fw, split[0].stage_layers, plan.interleave):
            split = framework_split(problem, fw, plan)
        plan, q, proven = split
        if not proven and q.fits:
            self.unproven_floor = min(self.unproven_floor, self.key)
        return plan, q

    def _evaluate(self, top: TopK, plan: TrainingPlan) -> bool:
        """Evaluate ``plan`` with its best layers per stage; offer it if it fits (returned)
        and its framework (if any) can launch it."""
        plan, q = self._best(plan)
        self.out.evaluated += 1
        fw = framework_of(self.problem)
        if fw is not None and q.fits and violations(fw, self.problem, plan):
            return False  # a rule joining several decisions (frameworks._cross_rules)
        if plan.recompute == "none":
            self.plain_fits[_layout_key(plan)] = q.fits
        if q.fits:
            top.offer(plan, q)
            self.out.seen.append((plan, q))
        return q.fits

    def _fits_plain(self, plan: TrainingPlan) -> bool:
        """Whether ``plan`` fits with some split without recomputation (cached)."""
        plain = replace(plan, recompute="none", recompute_layers=0)
        key = _layout_key(plain)
        got = self.plain_fits.get(key)
        if got is None:
            got = self.plain_fits[key] = self._best(plain)[1].fits
        return got

    def _push_hsdp(self, key: float, payload: tuple) -> None:
        """Queue the hybrid-sharding variants of a candidate (:func:`shard_groups`; the
        candidate's bound holds for them: their optimizer shards and memory only grow)."""
        lc, d, z = payload[0], payload[2], payload[4]
        for g in shard_groups(self.problem, d, lc.cp, z):
            if g:
                self._push(key, 6, (*payload, g))

    def _push_partial(self, key: float, payload: tuple, k: int | None) -> None:
        """Queue partial recompute of ``k`` layers per stage (``None``: the least ``k``),
        skipping the ``k`` whose memory cannot fit (:func:`split_may_fit`, falling with
        ``k``), keyed by its :func:`stage_floor` (growing with ``k``)."""
        lc, pp, d, v, z, m, usum = payload
        counts = recompute_layer_counts(self.problem, pp)
        k = counts[0] if k is None and counts else k
        while k is not None and k in counts:
            if split_may_fit(self.problem, lc, pp, d, m, v, z, self.capacity, k):
                floor = stage_floor(self.problem, lc.plan(pp, d, v, z, (), k), usum, m)
                self._push(max(key, floor), 5, (*payload, k))
                return
            k += 1


def framework_split(
    problem: TrainingProblem, fw: Framework, plan: TrainingPlan
) -> tuple[TrainingPlan, Quick, bool]:
    """``plan`` with the best split ``fw`` can build (:func:`planner.train.frameworks.
    stage_splits`), its :func:`quick` numbers and whether every such split was evaluated.

    Up to :data:`~planner.train.frameworks.MAX_SPLITS` splits are all evaluated (proven);
    beyond, only those whose middle stages are within one layer (one chunk) of the balanced
    size (not proven). With none fitting, the balanced split (not fitting) is returned.
    """
    from planner.train.frameworks import MAX_SPLITS

    L, p, v = problem.model.layers, plan.pp, plan.interleave
    splits = list(
        itertools.islice(stage_splits(fw, L, p, v, least_stage_layers(plan)), MAX_SPLITS + 1)
    )
    proven = len(splits) <= MAX_SPLITS
    if not proven:
        near = {L // p - v, L // p, -(-L // p), -(-L // p) + v}
        splits = [s for s in stage_splits(fw, L, p, v, least_stage_layers(plan)) if s[1] in near]
    best: tuple[TrainingPlan, Quick] | None = None
    for layers in splits:
        cand = replace(plan, stage_layers=layers)
        q = quick(problem, cand)
        if q.fits and (best is None or q.objective < best[1].objective):
            best = (cand, q)
    if best is None:
        cand = replace(plan, stage_layers=balanced_stage_layers(L, p))
        return cand, quick(problem, cand), proven
    return best[0], best[1], proven


def _layout_key(plan: TrainingPlan) -> TrainingPlan:
    """A plan's decisions but the split (the cache key of :meth:`Frontier._fits_plain`)."""
    return replace(plan, stage_layers=())


def exact_search(
    problem: TrainingProblem,
    *,
    top_k: int = 5,
    deadline: Deadline | None = None,
    incumbent: TrainingPlan | None = None,
    threshold: float = float("inf"),
) -> SearchOutcome:
    """Best ``top_k`` plans of a homogeneous problem, proven under the model.

    A best-first search (:class:`Frontier`) that stops when the least open bound
    reaches the ``top_k``-th best objective (or ``threshold``): every plan left has
    a bound at least that.

    Parameters
    ----------
    problem
        A problem on a homogeneous cluster.
    top_k
        How many plans to return.
    deadline
        Stop early (``complete=False``) when it expires.
    incumbent
        A known feasible plan (e.g. from the heuristic) to start pruning with.
    threshold
        Only plans with an objective below this are wanted (e.g. the k-th best
        plan of a wider search); ``complete`` then means every plan below it
        was found.
    """
    deadline = deadline or Deadline(None)
    top = TopK(top_k)
    if incumbent is not None and not verify(problem, incumbent):
        q = quick(problem, incumbent)  # a start that breaks a fixed choice would prune
        if q.fits:  # the plans that keep it
            top.offer(incumbent, q)
    frontier = Frontier(problem, deadline)
    complete, lowest_open = frontier.run(top, threshold, deadline)
    out = frontier.out
    out.frontier = frontier
    out.pruned_pairs = sum(
        item[3][1].pps.size if item[2] == 8 else 1
        for item in frontier.heap
        if item[2] in (1, 2, 4, 5, 6, 7, 8)
    )
    out.pruned_configs = sum(1 for item in frontier.heap if item[2] in (0, 3))
    out.ranked = top.best()
    best = out.ranked[0][1].objective if out.ranked else float("inf")
    # a plan whose split is not proven the least may hide a better split: not complete
    # unless its bound reaches the best
    complete = complete and frontier.unproven_floor >= best * (1 - REL_TOL)
    out.complete = complete
    out.closed_below = min(top.threshold, threshold) if complete else 0.0
    out.bound = best if complete else min(best, lowest_open, frontier.unproven_floor)
    return out


def min_memory_search(
    problem: TrainingProblem, deadline: Deadline | None = None
) -> tuple[float, TrainingPlan | None, bool]:
    """Smallest worst-stage memory (bytes) of any plan, the plan, and whether the search finished.

    Used to explain infeasibility. Plans are skipped when their stage-0
    memory floor already exceeds the best found.
    """
    deadline = deadline or Deadline(None)
    sp_space = space(problem)
    zeros = sp_space.zeros
    L = problem.model.layers
    best, best_plan = float("inf"), None
    configs = layer_configs(problem, sp_space, deadline)
    if deadline.expired():
        return best, best_plan, False
    configs.sort(key=lambda lc: lc.act_layer + lc.work_mem)
    for lc in configs:
        if deadline.expired():
            return best, best_plan, False
        cands = _candidates(problem, lc, zeros, pipeline_sizes(problem, lc.tp, lc.cp))
        floors = []
        for _b, pp, d, v, z, m, _u in cands:
            stage0 = (
                problem.constraints.stage_layers[0]
                if problem.constraints.stage_layers is not None
                else balanced_stage_layers(L, pp)[0]
            )
            floors.append((_first_stage_floor(problem, lc, stage0, pp, d, m, v, z), pp, d, v, z))
        floors.sort()
        for floor, pp, d, v, z in floors:
            if floor >= best:
                break
            stage = problem.constraints.stage_layers or balanced_stage_layers(L, pp)
            # the plan's fixed choices too: a pinned hybrid-sharding group or partial
            # recompute count (the most layers recomputed needs the least memory)
            ks = recompute_layer_counts(problem, pp) if lc.partial else range(1)
            for g in shard_groups(problem, d, lc.cp, z) if ks else ():
                plan = lc.plan(pp, d, v, z, stage, ks[-1], g)
                q = quick(problem, plan)
                if q.memory < best:
                    best, best_plan = q.memory, plan
    return best, best_plan, True
