"""Why a training problem has no plan: the constraint that fails, or the memory it would need."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from planner.core import validate
from planner.core.timing import Deadline
from planner.perfmodel.memory import GIB
from planner.train.evaluate import MEMORY_TOL
from planner.train.instance import TrainingProblem
from planner.train.space import (
    MAX_CP,
    MIN_CP_TOKENS,
    cp_ok,
    divisors,
    expert_tps,
    sequence_parallel_values,
    space,
    straddle_reason,
    tp_ok,
    tp_violations,
)
from planner.train.step_time import estimate

#: Seconds spent looking for the smallest-memory plan.
MIN_MEMORY_TIME = 20.0


def structural_reason(problem: TrainingProblem) -> str | None:
    """The first structural constraint that leaves no plan, or ``None``."""
    c, m, wl = problem.constraints, problem.model, problem.workload
    B, N = wl.global_batch, problem.gpu_budget
    reason = framework_reason(problem)
    if reason is not None:
        return reason
    if c.tp is not None and c.tp > N:  # was "it must tile the 3-GPU nodes" on 3 GPUs (s31user)
        return f"tp={c.tp} needs {c.tp} GPUs, only {N} available"
    if c.tp is not None and not tp_ok(problem, c.tp):
        broken = tp_violations(problem, c.tp)
        said = ", ".join(broken[:-1]) + " and " + broken[-1] if len(broken) > 1 else broken[0]
        return f"tp={c.tp} is invalid: it must {said}"
    if c.tp is not None:
        least = c.tp * (c.pp or 1) * (c.dp or 1) * (c.cp or 1)
        why = straddle_reason(problem, c.tp, N if c.use_all_gpus else least)
        if why:
            return why
    if c.tp is not None and c.max_tp is not None and c.tp > c.max_tp:
        nodes = sorted({p.gpus_per_node for p in problem.cluster.pools})
        where = " and ".join(map(str, nodes))
        return f"tp={c.tp} exceeds max_tp={c.max_tp} (a node holds {where} GPUs)"
    if c.ep is not None and c.ep > 1 and not m.is_moe:
        return f"ep={c.ep} needs a mixture-of-experts model ({m.name} is dense)"
    if c.ep is not None and m.is_moe and m.num_experts % c.ep:
        return f"ep={c.ep} does not divide the {m.num_experts} experts"
    e = c.expert_tp
    if e is not None and c.tp is not None and c.tp % e:
        return f"expert_tp={e} must divide tp={c.tp} (the experts fold over the TP ranks)"
    if e is not None and not m.is_moe and c.tp is not None and e != c.tp:
        return f"expert_tp={e} needs a mixture-of-experts model ({m.name} is dense)"
    if c.cp is not None and not cp_ok(problem, c.cp):
        return (
            f"cp={c.cp} is invalid for seq_len {wl.seq_len}: context parallelism takes a power "
            f"of two up to {MAX_CP} with seq_len % (2 cp) == 0 and at least {MIN_CP_TOKENS} "
            "tokens per rank"
        )
    if c.microbatch is not None and B % c.microbatch:
        return f"global batch {B} is not divisible by microbatch {c.microbatch}"
    if c.dp is not None and B % c.dp:
        return f"global batch {B} is not divisible by dp={c.dp}"
    if c.dp is not None and c.microbatch is not None and B % (c.dp * c.microbatch):
        return (
            f"global batch {B} is not divisible by dp*microbatch = {c.dp}*{c.microbatch} "
            f"= {c.dp * c.microbatch}"
        )
    fixed = 1
    names = []
    for key in ("tp", "pp", "dp", "cp"):
        value = getattr(c, key)
        if value is not None:
            fixed *= value
            names.append(f"{key}={value}")
    if fixed > N:
        return f"{'*'.join(names)} needs {fixed} GPUs, only {N} available"
    if c.zero is not None and c.zero >= 2 and c.pp is not None and c.pp > 1:
        return (
            f"zero={c.zero} with pp={c.pp}: ZeRO-2/3 (FSDP) are planned only without pipeline "
            "parallelism (as DeepSpeed and Megatron run them); use zero=1 or pp=1"
        )
    if c.shard_group and c.recompute_layers:
        return (
            f"shard_group={c.shard_group} with recompute_layers={c.recompute_layers}: hybrid "
            "sharding and partial recompute are not searched together; pin only one of them"
        )
    if c.pp is not None and c.pp > m.layers:
        return f"pp={c.pp} exceeds the model's {m.layers} layers"
    if c.pp is not None and c.even_stages and m.layers % c.pp:
        return (
            f"pp={c.pp} does not divide the model's {m.layers} layers and even stages are "
            f"required (drop {validate.arg('even_stages')} to allow uneven stages)"
        )
    if c.use_all_gpus and c.tp and c.pp and c.cp and N % (c.tp * c.pp * c.cp):
        return f"use_all_gpus: {N} GPUs are not a multiple of tp*pp*cp"
    spanned = pools_spanned(problem)
    if c.use_all_gpus and c.pp is not None and c.pp < spanned:
        # a mixed-pool launch with pp=1 was explained as 'no plan fits in memory' by a
        # one-pool plan that fits (s14bad)
        return (
            f"use_all_gpus with pp={c.pp}: the {N} GPUs span {spanned} GPU pools and every "
            f"data-parallel replica is the same pipeline with each stage on one pool, so they "
            f"need pp >= {spanned} (data parallelism across GPU types is not modelled)"
        )
    sp = space(problem)
    if not sp.tps:
        return (
            "no tensor-parallel size divides the heads, KV heads and FFN width and tiles the nodes"
        )
    if e is not None and not any(expert_tps(problem, t) for t in sp.tps):
        return f"expert_tp={e}: no tensor-parallel size allowed here is a multiple of it" + (
            "" if m.is_moe else f" ({m.name} is dense: expert_tp must equal tp)"
        )
    if c.interleave is not None and c.interleave > 1 and c.pp == 1:
        return f"interleave={c.interleave} needs pipeline parallelism (pp >= 2), pp=1 is fixed"
    if c.sequence_parallel and c.tp == 1:
        return "sequence parallelism shards along the TP ranks: it needs tp > 1, tp=1 is fixed"
    if not any(sequence_parallel_values(problem, t, cp) for t in sp.tps for cp in sp.cps):
        # every TP size needs SP (an MoE model, or a fixed --sequence-parallel) and none
        # divides the tokens of a context-parallel rank
        return (
            f"sequence parallelism splits the {wl.seq_len} tokens of a sequence (over cp) "
            f"across the TP ranks, and no allowed tp ({', '.join(map(str, sp.tps))}) with cp "
            f"({', '.join(map(str, sp.cps))}) divides them: pad the sequence to a multiple of "
            "tp * cp, or use tp=1"
            # only a pinned SP can be dropped: MoE layers and some frameworks need it
            + (" or --no-sequence-parallel" if c.sequence_parallel and not m.is_moe else "")
        )
    if c.interleave is not None and c.interleave > 1 and m.layers < 2 * c.interleave:
        return (
            f"interleave={c.interleave}: needs at least {c.interleave} layers on each of "
            f">= 2 stages, the model has {m.layers}"
        )
    if c.use_all_gpus:
        found = False
        # the stage counts a plan may have: at least one stage per pool spanned, the pinned
        # pp, and a divisor of the layers under equal stages (7 layers on H100:4,A100:4 with
        # --even-stages were "no plan fits in memory", s31review2)
        depths = [
            p
            for p in range(max(1, spanned), m.layers + 1)
            if (c.pp is None or p == c.pp) and not (c.even_only and m.layers % p)
        ]
        for t in sp.tps:
            for cp in sp.cps:
                for p in depths:
                    if N % (t * cp * p):
                        continue
                    d = N // (t * cp * p)
                    if (c.dp is None or d == c.dp) and B % d == 0:
                        found = True
                        break
                if found:
                    break
            if found:
                break
        if not found:
            why = []
            if spanned > 1:
                why.append(f"pp >= {spanned}: the GPUs span {spanned} pools")
            if c.even_only:
                why.append(f"pp dividing the {m.layers} layers: equal stages")
            return f"use_all_gpus: no tp*pp*cp*dp = {N} with dp dividing the global batch {B}" + (
                f" ({'; '.join(why)})" if why else ""
            )
    if c.dp is not None and not any(B % (c.dp * b) == 0 for b in divisors(B)):
        return f"global batch {B} not divisible by dp={c.dp}"
    return None


def pools_spanned(problem: TrainingProblem) -> int:
    """Fewest GPU pools that hold the ``use_all_gpus`` budget (1 when it is not set)."""
    if not problem.constraints.use_all_gpus:
        return 1
    counts = sorted((p.count for p in problem.cluster.pools), reverse=True)
    held = 0
    for k, count in enumerate(counts, 1):
        held += count
        if held >= problem.gpu_budget:
            return k
    return len(counts)


def framework_reason(problem: TrainingProblem) -> str | None:
    """A fixed choice (or the precision, or the layer count with a fixed ``pp``) that the
    problem's framework cannot launch, naming the framework (``None``: none)."""
    from planner.train.frameworks import fixed_violation, profile

    c, m = problem.constraints, problem.model
    fw = profile(c.framework)
    if fw is None:
        return None
    why = fixed_violation(fw, c, problem.cluster.pools[0].gpus_per_node, problem)
    if why is None and problem.workload.precision == "fp8" and not fw.fp8:
        why = f"precision fp8: {fw.title} has no fp8 setting"
    if why is None and c.pp is not None and c.pp > 1 and c.even_only and m.layers % c.pp:
        why = f"pp={c.pp}: {fw.title} builds equal stages only, {m.layers} layers"
    if why is None:
        return None
    flag = validate.arg("framework")
    return f"{why} ({flag} {fw.name}; {flag} any plans outside it)"


def _state_parts(problem: TrainingProblem) -> dict[str, float]:
    """Bytes of the model's weights, gradients and optimizer states over all GPUs of any plan,
    at least (the software's bytes; frozen parameters have no gradient or optimizer state;
    LoRA adapters, Megatron's second copy of tied embeddings, MTP blocks and ZeRO / HSDP
    replicas only add to them)."""
    sw, params = problem.software, problem.model.params_total
    return {
        "weights": params * sw.weight_bytes,
        "gradients": params * sw.base_trainable * sw.grad_bytes,
        "optimizer": params * sw.base_trainable * sw.optimizer_bytes,
    }


def model_state_total(problem: TrainingProblem) -> float:
    """Bytes of the model's states over all GPUs of any plan, at least (:func:`_state_parts`)."""
    return sum(_state_parts(problem).values())


def state_floor(problem: TrainingProblem) -> tuple[str, dict[str, Any]] | None:
    """Why no plan can hold the model's states (a reason and the ``--json`` data), or ``None``
    when the states alone may fit.

    Every parameter's working weight, and for trained ones its gradient and optimizer state,
    sits in some GPU's memory in every plan of the space (parallelism and ZeRO only split
    them; no plan keeps them on the host), so the busiest GPU of any plan holds at least their
    total over the GPU budget. When that exceeds the largest capacity no plan fits, and no
    search is needed to say so: GLM-4.5 (355B) on 64 H100 took the search 120 s to end UNKNOWN
    ("time limit reached before any plan was found") where the states alone need 92 GiB per
    GPU. ``min_memory_gb`` is then a lower bound on the smallest need (the states over the
    budget plus the headroom), not a plan's.
    """
    m = problem.model
    parts = _state_parts(problem)
    total = sum(parts.values())
    n = problem.gpu_budget
    gpu = max((p.gpu for p in problem.cluster.pools), key=problem.capacity)
    cap = problem.capacity(gpu)
    if total <= n * cap * (1 + MEMORY_TOL):
        return None
    # the driver's capacity, the headroom apart, as the smallest-memory reason states them
    headroom = (gpu.usable_bytes - cap) / GIB
    if cap <= 0:
        reason = (
            f"no plan fits in memory: the memory headroom ({headroom:.1f} GiB) leaves nothing "
            f"of the {gpu.usable_bytes / GIB:.1f} GiB of a {gpu.name}"
        )
        return reason, {"failed_constraint": reason}
    dominant = max(parts, key=parts.get)
    reason = (
        f"no plan fits in memory: the model states alone ({m.params_total / 1e9:.1f}B "
        f"parameters x {total / m.params_total:g} bytes of weights, gradients and optimizer "
        f"state = {_bytes(total)}) need {total / n / GIB:.1f} GiB per GPU even sharded "
        f"over all {n} GPUs, plus {headroom:.1f} GiB headroom; {gpu.usable_bytes / GIB:.1f} "
        f"GiB available ({gpu.name}); dominated by {dominant} ({parts[dominant] / n / GIB:.1f} "
        f"GiB); at least {math.ceil(total / cap)} GPUs are needed"
    )
    return reason, {
        "failed_constraint": reason,
        "min_memory_gb": round(total / n / GIB + headroom, 3),
        "dominated_by": dominant,
    }


def _bytes(n: float) -> str:
    """Decimal bytes in TB from 1 TB, else GB (a 1.9B model's states read "0.03 TB")."""
    return f"{n / 1e12:.2f} TB" if n >= 1e12 else f"{n / 1e9:.1f} GB"


def explain_infeasible(problem: TrainingProblem) -> tuple[str, dict[str, Any]]:
    """A one-line reason and data (``min_memory_gb``, ``dominated_by``, ``plan``)."""
    reason = structural_reason(problem)
    if reason is not None:
        return reason, {"failed_constraint": reason}
    floor = state_floor(problem)
    if floor is not None:
        return floor
    from planner.train.search import min_memory_search

    best = (float("inf"), None, None)
    for pool in problem.cluster.pools:
        sub = problem
        if len(problem.cluster.pools) > 1:
            from planner.train.hetero.search import single_pool_problem

            sub = single_pool_problem(problem, pool.label)
            if sub is None:
                sub = single_pool_problem(problem.with_constraints(use_all_gpus=False), pool.label)
        mem, plan, _done = min_memory_search(sub, Deadline(MIN_MEMORY_TIME))
        if plan is not None and mem / problem.capacity(pool.gpu) < best[0]:
            best = (mem / problem.capacity(pool.gpu), plan, sub)
    _ratio, plan, sub = best
    if plan is None:
        return "no plan exists in the decision space for this batch and GPU budget", {}
    est = estimate(sub, replace(plan, stage_pools=()))
    mem = est.memory
    parts = {k: v for k, v in mem.to_dict().items() if k not in ("total", "reserved")}
    dominant = max(parts, key=parts.get)
    cap = est.worst_stage.capacity / GIB
    fw = problem.constraints.framework
    if fw is not None and est.fits:
        # the least-memory plan fits: only the framework's rules leave no plan
        from planner.train.frameworks import profile, violations

        why = violations(profile(fw), sub, plan) or ["no split it can build fits"]
        reason = (
            f"no plan {profile(fw).title} can launch fits: the smallest-memory plan "
            f"({plan.short()}, {mem.total_gib:.1f} GiB) is outside it: {why[0]} "
            f"({validate.arg('framework')} {fw}; {validate.arg('framework')} any plans outside it)"
        )
        return reason, {"failed_constraint": reason, "min_memory_plan": plan.to_dict()}
    reason = (
        f"no plan fits in memory: the smallest need is {mem.total_gib:.1f} GiB per GPU "
        f"({plan.short()}), {cap:.1f} GiB available; dominated by {dominant} "
        f"({parts[dominant]:.1f} GiB)"
    )
    return reason, {
        "min_memory_gb": round(mem.total_gib, 3),
        "dominated_by": dominant,
        "min_memory_plan": plan.to_dict(),
        "memory_breakdown_gb": mem.to_dict(),
    }
