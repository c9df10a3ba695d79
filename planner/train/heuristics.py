"""Megatron-LM's rule of thumb (Narayanan et al. 2021, Section 3.3 "takeaways").

1. Tensor parallelism up to the GPUs of a node: try ``tp`` in increasing
   order, never beyond ``gpus_per_node``.
2. Pipeline parallelism just enough to fit: the smallest ``tp * pp`` whose
   plan fits in memory (microbatch 1, the cheapest recompute that fits,
   ZeRO-1 distributed optimizer, sequence parallel when ``tp > 1``).
3. Scale data parallelism with the rest: the largest ``dp`` that fits the
   budget and divides the batch; then the largest microbatch that still fits.
"""

from __future__ import annotations

import time
from dataclasses import replace

from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.perfmodel.layer import layer_params
from planner.train.evaluate import verify
from planner.train.explain import state_floor
from planner.train.instance import RECOMPUTE, TrainingPlan, TrainingProblem
from planner.train.search import LayerConfig, first_stage_memory
from planner.train.space import (
    divisors,
    expert_tps,
    experts_fit,
    sequence_parallel_values,
    space,
    tp_gpu_limit,
)
from planner.train.step_time import balanced_stage_layers, moe_flags, quick


def rule_of_thumb(
    problem: TrainingProblem, deadline: Deadline | None = None
) -> TrainingPlan | None:
    """The Megatron rule-of-thumb plan, or ``None`` when it finds nothing that fits (or time runs out)."""
    deadline = deadline or Deadline(None)
    c, model, B = problem.constraints, problem.model, problem.workload.global_batch
    sp_space = space(problem)
    G = min(p.gpus_per_node for p in problem.cluster.pools)
    tps = [t for t in sp_space.tps if t <= G] or list(sp_space.tps)
    cp = 1 if 1 in sp_space.cps else (sp_space.cps[0] if sp_space.cps else None)
    # no ZeRO stage left (--fix zero=3 under a framework without it) is no plan, as an empty
    # size list is: zeros[0] raised IndexError (an internal error, exit 1)
    if cp is None or not tps or not sp_space.eps or not sp_space.zeros:
        return None
    # the largest expert-parallel size whose ranks fit the data-parallel ones (below): the
    # largest alone divided no dp of Kimi-K2's (384 experts, batch 1024), so the rule found
    # no plan and a 1,024-GPU search started without an incumbent
    ep_order = sorted(sp_space.eps, reverse=True) if model.is_moe else list(sp_space.eps[:1])
    zero = 1 if 1 in sp_space.zeros else sp_space.zeros[0]
    rcs = [r for r in RECOMPUTE if r in sp_space.recomputes]
    choices = sorted(
        (
            (t * p, -t, t, p)
            for t in tps
            for p in range(1, model.layers + 1)
            if t * p * cp <= problem.gpu_budget
            and (c.pp is None or p == c.pp)
            and not (c.even_only and model.layers % p)
        ),
    )
    for _size, _neg, t, p in choices:
        if deadline.expired():
            return None
        z = zero if p == 1 or zero <= 1 else 1
        sps = sequence_parallel_values(problem, t, cp)
        if not sps:
            continue
        sp = sps[-1]  # with t > 1 sequence parallelism where allowed
        etps = expert_tps(problem, t)  # Megatron's default: experts as wide as tp
        if not etps:
            continue
        etp = etps[0]
        limit = tp_gpu_limit(problem, t) // (t * p * cp)
        dps: list[int] = []
        for ep in ep_order:
            dps = [d for d in divisors(B) if d <= limit and experts_fit(t, cp, d, ep, etp)]
            if c.dp is not None:
                dps = [d for d in dps if d == c.dp]
            if c.use_all_gpus:
                dps = [d for d in dps if d * t * p * cp == problem.gpu_budget]
            if dps:
                break
        if not dps:
            continue
        d = dps[-1]
        bs = [b for b in sp_space.microbatches if (B // d) % b == 0]
        stage = c.stage_layers or balanced_stage_layers(model.layers, p)
        if c.interleave and c.interleave > min(stage):
            # a chunk without a layer: verify refuses the plan; evaluating it built a list of
            # v chunk sizes per stage (-v 99999999999: MemoryError, s30bad)
            continue
        if _states_exceed(problem, t, p, d, cp, ep, z, stage[0]):
            continue  # no recompute mode or microbatch fits: skip their evaluations
        for rc in rcs:
            # memory grows with the microbatch (in-flight sequences min((p - j) b, B / d)):
            # scan upwards and stop at the first that does not fit
            best = None
            for b in bs:
                plan = TrainingPlan(
                    tp=t,
                    pp=p,
                    dp=d,
                    cp=cp,
                    ep=ep,
                    expert_tp=etp,
                    microbatch=b,
                    interleave=c.interleave or 1,
                    recompute=rc,
                    zero=z,
                    sequence_parallel=sp,
                    stage_layers=tuple(stage),
                    recompute_layers=c.recompute_layers or 0,
                    shard_group=c.shard_group or 0,
                )
                if not quick(problem, plan).fits:
                    break
                best = plan
            # largest microbatch that fits, if it keeps every fixed choice (``--fix``)
            if best is not None and not verify(problem, best):
                return best
    return None


def pooled_rule_of_thumb(
    problem: TrainingProblem, deadline: Deadline | None = None
) -> TrainingPlan | None:
    """The rule of thumb on a cluster of several pools: on each pool alone, every stage on it
    (``stage_pools``), the fastest plan that fits; :func:`rule_of_thumb` on one pool.

    Megatron's rule has no pools; the plans it built on several carried no ``stage_pools``,
    which ``verify`` refuses, so ``-m heuristic`` found nothing on any mixed cluster and
    ``auto`` searched without a fallback (DeepSeek-V2 on H100:64,A100:64 at ``-t 20``: no plan).
    ``None`` under ``--use-all-gpus`` (one pool cannot use them all) or when no pool holds one.
    """
    deadline = deadline or Deadline(None)
    if len(problem.cluster.pools) == 1:
        return rule_of_thumb(problem, deadline)
    if problem.constraints.use_all_gpus:
        return None
    best: tuple[float, TrainingPlan] | None = None
    for pool in problem.cluster.pools:
        if deadline.expired():
            break
        budget = min(problem.gpu_budget, pool.count)
        alone = replace(
            problem,
            cluster=replace(problem.cluster, pools=(pool,)),
            constraints=replace(problem.constraints, max_gpus=budget),
        )
        plan = rule_of_thumb(alone, deadline)
        if plan is None:
            continue
        plan = replace(plan, stage_pools=(pool.label,) * plan.pp)
        if verify(problem, plan):
            continue
        fast = quick(problem, plan)
        if fast.fits and (best is None or fast.objective < best[0]):
            best = (fast.objective, plan)
    return best[1] if best else None


def _states_exceed(
    problem: TrainingProblem, t: int, p: int, d: int, cp: int, ep: int, z: int, stage0: int
) -> bool:
    """Whether stage 0's model states alone (weights, gradients, optimizer of its ``stage0``
    layers and the embedding) exceed every pool's capacity, so that no plan with these
    sizes fits whatever its recompute mode and microbatch.

    The states are those of the search's memory floor (:func:`planner.train.search.
    first_stage_memory`: each layer at the least parameters of the model's layer types,
    experts split over ``tp``, states sharded over ``d * cp``), which bound the plan's
    (:func:`planner.train.step_time.quick`) from below.
    """
    model = problem.model
    params = min(sum(layer_params(model, moe, t, ep)) for moe in set(moe_flags(model)))
    floor = LayerConfig(t, cp, ep, 1, "none", False, 0.0, 0.0, 0.0, params)
    mem = first_stage_memory(problem, floor, float(stage0), p, d, z)
    capacity = max(problem.capacity(pool.gpu) for pool in problem.cluster.pools)
    return mem.weights + mem.gradients + mem.optimizer > capacity


def megatron_heuristic(
    problem: TrainingProblem,
    *,
    time_limit: float = 10.0,
    threads: int = 1,
    seed: int = 0,
    hint: TrainingPlan | None = None,
) -> Result:
    """Method ``heuristic``: the rule-of-thumb plan (no optimality claim)."""
    del threads, seed, hint
    start = time.perf_counter()
    plan = pooled_rule_of_thumb(problem, Deadline(time_limit))
    status = Status.FEASIBLE if plan is not None else Status.UNKNOWN
    reason = "" if plan is not None else "rule of thumb found no plan that fits"
    floor = state_floor(problem) if plan is None else None
    if floor is not None:
        # no plan can fit: say why (a heuristic may not claim INFEASIBLE; exact / auto do)
        reason = f"{floor[0]} (method exact proves it)"
    return Result(
        "train",
        problem.name,
        "heuristic",
        status,
        solution=plan,
        runtime_s=time.perf_counter() - start,
        reason=reason,
    )
