"""``evaluate`` (the objective from scratch) and ``verify`` (independent feasibility check).

``verify`` re-derives every rule of the decision space on its own and checks
the memory of every stage against its GPU with the performance model
(:func:`planner.perfmodel.stage.stage_cost`, the one place a stage's memory is
assembled) — it shares the model, never the search or its bounds, so a bug
there cannot hide an infeasible plan.
"""

from __future__ import annotations

from planner.perfmodel.memory import (
    GIB,
    dualpipe_partner,
    in_flight_microbatches,
    paired_memory,
)
from planner.perfmodel.stage import stage_cost
from planner.train.instance import RECOMPUTE, TrainingPlan, TrainingProblem
from planner.train.step_time import estimate, objective_of, training_step

#: Memory slack allowed by ``verify`` (floating-point noise only).
MEMORY_TOL = 1e-9


def evaluate(problem: TrainingProblem, plan: TrainingPlan) -> float:
    """Objective of ``plan``: seconds per step (or USD per step for ``objective="cost"``)."""
    return objective_of(problem, estimate(problem, plan))


def plan_field_errors(plan: TrainingPlan) -> list[str]:
    """What is wrong with ``plan``'s fields on their own (kinds and ranges), no problem needed.

    The first checks of :func:`verify`; :meth:`TrainingPlan.from_dict` raises the first one
    (a plan file with ``"tp": "x"``).
    """
    out: list[str] = []
    for name in ("tp", "pp", "dp", "cp", "ep", "microbatch", "interleave"):
        _int_field(plan, name, out)
    if out:
        return out
    if plan.recompute not in RECOMPUTE:
        out.append(f"plan.recompute={plan.recompute!r} is not one of {RECOMPUTE}")
    z = plan.zero
    # ``True in (0, 1, 2, 3)`` and ``1.0 in (...)`` hold: check the kind first (s15bad noticed)
    if isinstance(z, bool) or not isinstance(z, int) or z not in (0, 1, 2, 3):
        out.append(f"plan.zero={z!r} is not an integer 0..3")
        return out  # compared with numbers below
    k = plan.recompute_layers
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        out.append(f"plan.recompute_layers={k!r} must be an integer >= 0")
    elif k and plan.recompute != "full":
        out.append(f"plan.recompute_layers={k} needs recompute=full")
    g = plan.shard_group
    if isinstance(g, bool) or not isinstance(g, int) or g < 0:
        out.append(f"plan.shard_group={g!r} must be an integer >= 0")
    elif g and plan.zero < 1:
        out.append(f"plan.shard_group={g} needs ZeRO >= 1 (sharded states)")
    elif g and (plan.dp * plan.cp) % g:
        out.append(f"plan.shard_group={g} does not divide dp*cp={plan.dp * plan.cp}")
    e = plan.expert_tp
    if isinstance(e, bool) or not isinstance(e, int) or e < 0:
        out.append(f"plan.expert_tp={e!r} must be an integer >= 0")
    if not isinstance(plan.sequence_parallel, bool):
        out.append(f"plan.sequence_parallel={plan.sequence_parallel!r} must be true or false")
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in plan.stage_layers):
        out.append(f"plan.stage_layers={list(plan.stage_layers)!r} must list layer counts")
    if not all(isinstance(p, str) for p in plan.stage_pools):
        out.append(f"plan.stage_pools={list(plan.stage_pools)!r} must list pool labels")
    return out


def _int_field(plan: TrainingPlan, name: str, out: list[str]) -> None:
    value = getattr(plan, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        out.append(f"plan.{name}={value!r} must be a positive integer")


def verify(problem: TrainingProblem, plan: TrainingPlan) -> list[str]:
    """Violated constraints of ``plan`` (empty when feasible).

    Checks: field types and ranges, GPU counts per pool and in total, batch
    divisibility, head / KV-head / FFN divisibility by ``tp``, context and
    expert parallel sizes, pipeline stage lists, schedule rules (interleaving,
    ZeRO-2/3 without pipelining), the user's fixed decisions, what the problem's
    framework can launch (:func:`planner.train.frameworks.violations`), and memory per
    GPU on every stage.
    """
    out = plan_field_errors(plan)
    if out:
        return out
    model, wl, c = problem.model, problem.workload, problem.constraints

    # GPUs
    gpus = plan.tp * plan.pp * plan.dp * plan.cp
    if gpus > problem.gpu_budget:
        out.append(f"plan uses {gpus} GPUs, budget is {problem.gpu_budget}")
        if plan.pp > problem.gpu_budget:
            return out  # the checks below size lists by pp: pp=2**70 raised OverflowError
    if c.use_all_gpus and gpus != problem.gpu_budget:
        out.append(f"plan uses {gpus} GPUs but use_all_gpus requires {problem.gpu_budget}")
    pools = {p.label: p for p in problem.cluster.pools}
    labels = list(plan.stage_pools)
    if not labels:
        if len(pools) != 1:
            out.append("plan.stage_pools must name a pool per stage on a multi-pool cluster")
            return out
        labels = [next(iter(pools))] * plan.pp
    if len(labels) != plan.pp:
        out.append(f"plan.stage_pools has {len(labels)} entries, pp={plan.pp}")
        return out
    unknown = [x for x in labels if x not in pools]
    if unknown:
        out.append(f"plan.stage_pools names unknown pool {unknown[0]!r}")
        return out
    for label, pool in pools.items():
        used = labels.count(label) * plan.tp * plan.cp * plan.dp
        if used > pool.count:
            out.append(f"pool {label}: plan uses {used} GPUs, the pool has {pool.count}")

    # divisibility
    B = wl.global_batch
    if B % (plan.dp * plan.microbatch):
        out.append(f"global batch {B} not divisible by dp*microbatch={plan.dp * plan.microbatch}")
    m = B // (plan.dp * plan.microbatch)
    if model.heads % plan.tp:
        out.append(f"tp={plan.tp} does not divide the {model.heads} attention heads")
    if not model.is_mla and model.kv_heads % plan.tp:
        out.append(f"tp={plan.tp} does not divide the {model.kv_heads} KV heads")
    if model.ffn % plan.tp or (model.is_moe and model.moe_ffn % plan.tp):
        out.append(f"tp={plan.tp} does not divide the FFN width")
    for label in set(labels):
        G = pools[label].gpus_per_node
        if G % plan.tp == 0 or plan.tp % G == 0:
            continue
        # one pool, ranks filling nodes of G in order: a TP group of consecutive ranks
        # [k tp, (k+1) tp) must sit in one node
        groups = plan.gpus // plan.tp
        crossing = [k for k in range(groups) if k * plan.tp // G != ((k + 1) * plan.tp - 1) // G]
        if len(pools) > 1 or crossing:
            out.append(f"tp={plan.tp} does not tile the {G}-GPU nodes of pool {label}")
    if plan.cp > 1 and wl.seq_len % (2 * plan.cp):
        out.append(f"cp={plan.cp}: seq_len {wl.seq_len} not divisible by 2*cp")
    if plan.cp > 1 and plan.cp & (plan.cp - 1):
        out.append(f"cp={plan.cp} is not a power of two")
    etp, ranks = plan.etp, plan.tp * plan.cp * plan.dp
    if model.is_moe:
        if model.num_experts % plan.ep:
            out.append(f"ep={plan.ep} does not divide the {model.num_experts} experts")
        if plan.tp % etp:
            # Megatron-Core accepts others (etp * ep * pp dividing the world), not modelled
            out.append(f"expert_tp={etp} does not divide tp={plan.tp}")
        elif etp < plan.tp and ranks % (etp * plan.ep):
            # Megatron-Core parallel_state: the world size must be divisible by etp * ep * pp
            out.append(
                f"expert_tp*ep = {etp}*{plan.ep} does not divide tp*cp*dp = {ranks} (the "
                "ranks of a pipeline stage)"
            )
        elif etp == plan.tp and plan.dp % plan.ep:
            out.append(f"ep={plan.ep} does not divide dp={plan.dp}")
        if plan.tp > 1 and not plan.sequence_parallel:
            # Megatron-Core's MoELayer.forward raises ValueError in training (moe_layer.py)
            out.append(f"an MoE model with tp={plan.tp} needs sequence_parallel")
    elif plan.ep != 1:
        out.append("ep must be 1 for a dense model")
    elif etp != plan.tp:
        out.append(f"expert_tp={etp} needs a mixture-of-experts model")
    if plan.sequence_parallel and plan.tp == 1:
        out.append("sequence_parallel needs tp > 1")
    elif plan.sequence_parallel and (wl.seq_len // plan.cp) % plan.tp:
        # Megatron-Core splits the sequence dimension over the TP ranks and asserts it
        # divides (tensor_parallel/mappings.py, _split_along_first_dim)
        out.append(
            f"sequence_parallel: the {wl.seq_len // plan.cp} tokens per context-parallel rank "
            f"do not divide over tp={plan.tp}"
        )
    if plan.zero >= 2 and plan.pp > 1:
        out.append(f"ZeRO-{plan.zero} cannot be combined with pipeline parallelism")

    # stages
    layers = list(plan.stage_layers)
    if not layers:
        base, _extra = divmod(model.layers, plan.pp)
        if base < 1:
            out.append(f"pp={plan.pp} exceeds the {model.layers} layers")
            return out
        out.append("plan.stage_layers is empty")
        return out
    if len(layers) != plan.pp:
        out.append(f"plan.stage_layers has {len(layers)} entries, pp={plan.pp}")
        return out
    if any((not isinstance(n, int)) or n < 1 for n in layers):
        out.append("every pipeline stage needs at least one layer")
        return out
    if sum(layers) != model.layers:
        out.append(f"stage_layers sum to {sum(layers)}, the model has {model.layers} layers")
        return out
    v = plan.interleave
    if c.even_stages and (len(set(layers)) != 1 or (layers[0] % v)):
        out.append(f"even_stages: stages {layers} with interleave={v} are not all equal chunks")
    if v > 1:
        if plan.pp < 2:
            out.append("interleaving needs pp >= 2")
        if min(layers) < v:
            out.append(f"interleave={v} needs at least {v} layers on every stage")
        if m % plan.pp:
            out.append(f"interleaving needs microbatches ({m}) divisible by pp={plan.pp}")
        if len(set(labels)) != 1:
            out.append("interleaving is not supported across GPU pools")

    # the user's fixed decisions
    names = ("tp", "pp", "dp", "cp", "ep", "microbatch", "interleave", "recompute", "zero")
    for name in (*names, "recompute_layers", "shard_group"):
        fixed = getattr(c, name)
        if fixed is not None and getattr(plan, name) != fixed:
            out.append(f"{name}={getattr(plan, name)} but the problem fixes {name}={fixed}")
    if c.expert_tp is not None and etp != c.expert_tp:
        out.append(f"expert_tp={etp} but the problem fixes expert_tp={c.expert_tp}")
    if c.sequence_parallel is not None and plan.sequence_parallel != c.sequence_parallel:
        out.append("sequence_parallel differs from the fixed value")
    if c.stage_layers is not None and tuple(layers) != tuple(c.stage_layers):
        out.append("stage_layers differ from the fixed assignment")
    if c.max_tp is not None and plan.tp > c.max_tp:
        out.append(f"tp={plan.tp} exceeds max_tp={c.max_tp}")
    if c.framework is not None:
        from planner.train.frameworks import profile, violations

        out.extend(violations(profile(c.framework), problem, plan))
    if out:
        return out

    out.extend(_memory_violations(problem, plan, labels, layers, m))
    return out


def _memory_violations(
    problem: TrainingProblem, plan: TrainingPlan, labels: list[str], layers: list[int], m: int
) -> list[str]:
    model = problem.model
    pools = {p.label: p for p in problem.cluster.pools}
    pp, v = plan.pp, plan.interleave
    step = training_step(problem, plan)
    # layer index -> stage (chunks round-robin when interleaved)
    owner: list[int] = []
    if v == 1:
        for j, n in enumerate(layers):
            owner += [j] * n
    else:
        # virtual stage k of stage j runs after virtual stages 0..k-1 of every stage; stage j
        # holds floor(n_j / v) layers per chunk plus one in its last (stage 0) or first (other
        # stages) n_j mod v chunks
        for k in range(v):
            for j, n in enumerate(layers):
                short = v - n % v  # chunks with floor(n / v) layers
                longer = k >= short if j == 0 else k < n % v
                owner += [j] * (n // v + (1 if longer else 0))
    out = []
    mems, flights = [], [in_flight_microbatches(j, pp, m, v) for j in range(pp)]
    for j in range(pp):
        mine = [i for i in range(model.layers) if owner[i] == j]
        n_moe = sum(1 for i in mine if model.is_moe_layer(i))
        pool = pools[labels[j]]
        mems.append(stage_cost(step, pool, len(mine) - n_moe, n_moe, j == 0, j == pp - 1).memory)
    for j in range(pp):
        pool = pools[labels[j]]
        if step.schedule == "dualpipe":  # the rank also holds the mirror stage
            k = dualpipe_partner(j, pp)
            total = paired_memory(mems[j], flights[j], mems[k], flights[k]).total(1.0)
        else:
            total = mems[j].total(flights[j])
        cap = problem.capacity(pool.gpu)
        if total > cap * (1 + MEMORY_TOL):
            out.append(
                f"stage {j} ({labels[j]}): needs {total / GIB:.1f} GiB per GPU, "
                f"{cap / GIB:.1f} GiB available ({pool.gpu.usable_bytes / GIB:.1f} GiB less "
                f"{(pool.gpu.usable_bytes - cap) / GIB:.1f} GiB headroom)"
            )
    return out
