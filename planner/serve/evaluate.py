"""Objective and independent check of a serving plan.

``verify`` never looks at the MIP or at the capacity search: it takes the
plan's replica groups and their traffic shares, and checks from scratch

* the inventory (GPUs per pool) and the fixed decisions of the constraints;
* that each layout is valid for the model (heads divisible by ``tp``, ``pp``
  at most the layers, ``ep`` only for MoE, precision supported);
* memory: weights + reserve + workspace fit, and the KV cache holds at least
  one request;
* the flow: colocated + decoded traffic covers the demand, and the prefill
  pools hand exactly their traffic to the decode pools;
* the SLOs: each group's per-engine load is pushed through the forward
  queueing model (the model is shared with the search; the candidate
  layouts, the MIP and the capacity bisection are not) (:meth:`~planner.serve.capacity.RoleModel.at_rate`,
  which solves for the batch at that rate) and every target is re-checked.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from planner.core.errors import InputError
from planner.perfmodel.engines import stores_kv
from planner.serve.candidates import memory_shortfall
from planner.serve.capacity import OperatingPoint, chunk_choices, engine_for, role_model
from planner.serve.instance import ReplicaGroup, ServingPlan, ServingProblem, served_capacity
from planner.serve.mixture import mixture_quantile, state_cdf
from planner.serve.targets import group_refusal

#: Relative slack on flow balance and demand (float noise only).
FLOW_TOL = 1e-6


def cost_per_hour(problem: ServingProblem, plan: ServingPlan) -> float:
    """USD per hour of the GPUs the plan uses."""
    return sum(g.gpus * problem.pool(g.gpu).gpu.price_per_gpu_hour for g in plan.replicas)


def priced_cost_per_hour(problem: ServingProblem, plan: ServingPlan) -> float | None:
    """USD per hour of the GPUs the plan uses, ``None`` when one of them has no price (its
    pool's ``price_per_gpu_hour`` is 0: the sum would count those GPUs as free)."""
    if any(problem.pool(g.gpu).gpu.price_per_gpu_hour <= 0 for g in plan.replicas):
        return None
    return cost_per_hour(problem, plan)


def evaluate(problem: ServingProblem, plan: ServingPlan) -> float:
    """The objective: USD/hour (cost), or minus the output tokens/s served (throughput)."""
    if problem.objective == "cost":
        return cost_per_hour(problem, plan)
    return -problem.traffic.output.mean * plan.served_qps()


def engine_rate(group: ReplicaGroup) -> float:
    """Requests/s one engine of ``group`` serves (its load over ``count x pp x ep`` engines)."""
    return group.load_qps / (group.count * group.pp * group.ep)


def group_point(problem: ServingProblem, group: ReplicaGroup) -> OperatingPoint:
    """Forward-model operating point of one engine of ``group`` at its share of the load."""
    return role_model(problem, group).at_rate(engine_rate(group))


def workload_percentile(
    problem: ServingProblem, loaded: list[tuple[ReplicaGroup, float]], metric: str
) -> float:
    """The SLO percentile of ``metric`` (``ttft`` / ``tpot``) over all the requests of one
    workload, served by the ``loaded`` groups (each with its own percentile): the quantile
    of the mixture of their laws, weighted by their loads (:mod:`planner.serve.mixture`).
    One group, or groups of one layout at one per-engine load, is that group's value."""
    if not loaded:
        return 0.0
    values = {v for _, v in loaded}
    layouts = {(g.gpu, g.tp, g.pp, g.ep, g.role, g.chunk_tokens, g.speculative) for g, _ in loaded}
    rates = {engine_rate(g) for g, _ in loaded}
    if len(values) == 1 or (len(layouts) == 1 and len(rates) == 1):
        return max(values)
    parts = []
    for g, value in loaded:
        state = role_model(problem, g).state_at(engine_rate(g))
        cdf = None if state is None else state_cdf(state, metric)
        if cdf is None:  # saturated: no law (the value is infinite)
            parts.append((g.load_qps, lambda t: 0.0, math.inf))
        else:
            parts.append((g.load_qps, cdf, value))
    return mixture_quantile(parts, problem.slo.percentile)


def verify(problem: ServingProblem, plan: Any) -> list[str]:
    """Violated constraints of ``plan`` (empty when it is feasible).

    With several workloads, each workload's groups are checked against its own
    traffic and SLOs, and the pools against the groups of all workloads.
    """
    if not isinstance(plan, ServingPlan):
        return [f"expected a ServingPlan, got {type(plan).__name__}"]
    names = [name for name, _ in problem.parts()]
    out: list[str] = [
        f"{g.label()}: no workload {g.workload!r} in the problem"
        + (f" ({', '.join(names)})" if problem.shared else "")
        for g in plan.replicas
        if g.workload not in names
    ]
    if problem.shared:
        for name, part in problem.parts():
            own = ServingPlan(
                tuple(replace(g, workload="") for g in plan.for_workload(name).replicas)
            )
            out.extend(f"workload {name}: {v}" for v in verify(part, own))
        used: dict[str, int] = {}
        for g in plan.replicas:
            used[g.gpu] = used.get(g.gpu, 0) + g.gpus
        labels = {p.label for p in problem.inventory.pools}
        for label, n in used.items():
            if label in labels and n > problem.pool(label).count:
                out.append(
                    f"pool {label}: plan uses {n} GPUs, the inventory has "
                    f"{problem.pool(label).count}"
                )
        return out
    m, c = problem.model, problem.constraints
    labels = {p.label for p in problem.inventory.pools}
    used: dict[str, int] = {}
    allowed_roles = {
        "off": {"both"},
        "allow": {"both", "prefill", "decode"},
        "force": {"prefill", "decode"},
    }[c.disaggregation]
    if problem.traffic.mean_decode_tokens <= 0:
        allowed_roles = {"both"}
    valid: list[ReplicaGroup] = []
    for g in plan.replicas:
        name = g.label()
        if g.gpu not in labels:
            out.append(f"{name}: no pool {g.gpu!r} in the inventory")
            continue
        pool = problem.pool(g.gpu)
        used[g.gpu] = used.get(g.gpu, 0) + g.gpus
        before = len(out)
        if g.role not in allowed_roles:
            out.append(f"{name}: role {g.role} not allowed (disaggregation={c.disaggregation})")
        for key in ("tp", "pp", "ep"):
            fixed = getattr(c, key)
            if fixed is not None and getattr(g, key) != fixed:
                out.append(f"{name}: {key}={getattr(g, key)} but the constraints fix {key}={fixed}")
        if c.gpu is not None and problem.pool(c.gpu).label != g.gpu:
            out.append(f"{name}: only pool {problem.pool(c.gpu).label} may be used")
        if c.max_tp is not None and g.tp > c.max_tp:
            out.append(f"{name}: tp{g.tp} exceeds max_tp={c.max_tp}")
        if m.heads % g.tp:
            out.append(f"{name}: tp{g.tp} does not divide the {m.heads} attention heads")
        elif not m.is_mla and m.kv_heads % g.tp and g.tp % m.kv_heads:
            out.append(f"{name}: tp{g.tp} neither divides nor is a multiple of the KV heads")
        if g.pp > m.layers:
            out.append(f"{name}: pp{g.pp} exceeds the {m.layers} layers")
        budget = problem.token_budget
        if budget and g.chunk_tokens > budget:
            out.append(
                f"{name}: chunk of {g.chunk_tokens} prompt tokens exceeds the engine's "
                f"tokens={budget} per iteration"
            )
        elif g.chunk_tokens not in (menu := chunk_choices(problem, g.role)):
            # the search's menu is the plan space: a bound or an OPTIMAL holds over it only
            out.append(
                f"{name}: chunk of {g.chunk_tokens} prompt tokens is not one the planner "
                f"chooses from for role {g.role} ({', '.join(map(str, menu))}); fix another "
                "with constraints.chunk_tokens (--chunk-tokens)"
            )
        if g.ep > 1 and (not m.is_moe or m.num_experts % g.ep):
            out.append(f"{name}: ep{g.ep} invalid for this model")
        if not pool.gpu.supports(problem.precision):
            out.append(f"{name}: {pool.gpu.name} has no {problem.precision} support")
        kv, engine = problem.kv_precision_name, problem.engine_on(pool.gpu)
        refused = problem.engine_refusal(pool.gpu)
        if refused:  # the named engine does not run on this vendor's GPUs
            out.append(f"{name}: {problem.engine_label}: {refused}")
        elif not stores_kv(engine.name, pool.gpu, kv):
            out.append(f"{name}: {engine.name} keeps no {kv} KV cache on {pool.gpu.name}")
        target = problem.constraints.target
        if target is not None:
            why = group_refusal(problem, g, target)
            if why:
                out.append(f"{name}: target: {why}")
        if g.speculative and problem.speculative is None:
            out.append(f"{name}: runs speculative decoding but the problem has none")
        elif g.speculative and g.role == "prefill":
            out.append(f"{name}: a prefill replica does not decode speculatively")
        if len(out) > before:
            continue
        try:
            eng = engine_for(
                m,
                pool.gpu,
                g.tp,
                g.pp,
                g.ep,
                problem.precision,
                problem.kv_precision_name,
                problem.speculative if g.speculative else None,  # the drafter's weights count
                engine.for_role(g.role),
                problem.offload,
            )
        except InputError as exc:  # e.g. the draft model does not split over tp
            out.append(f"{name}: {exc}")
            continue
        if eng.free_bytes <= 0:
            # "do not fit": the verifier's word; the shortfall as the candidate list states it
            out.append(f"{name}: weights do not fit: {memory_shortfall(eng)}")
            continue
        if not eng.holds_request(problem.traffic.max_context):
            out.append(
                f"{name}: KV cache holds {eng.kv_tokens:,.0f} tokens, one request needs "
                f"{float(eng.kv_held(problem.traffic.max_context)):,.0f}"
            )
            continue
        valid.append(g)
    for label, n in used.items():
        count = problem.pool(label).count
        if n > count:
            out.append(f"pool {label}: plan uses {n} GPUs, the inventory has {count}")
    if c.pd_pairs:  # one prefill server per decode server of each tp / pp / ep layout
        servers: dict[tuple[int, int, int], int] = {}
        for g in plan.replicas:
            if g.role != "both":
                key = (g.tp, g.pp, g.ep)
                servers[key] = servers.get(key, 0) + (g.count if g.role == "prefill" else -g.count)
        for (tp, pp, ep), extra in sorted(servers.items()):
            if extra:
                out.append(
                    f"pd_pairs: tp{tp} pp{pp} ep{ep} has {abs(extra)} more "
                    f"{'prefill' if extra > 0 else 'decode'} than "
                    f"{'decode' if extra > 0 else 'prefill'} servers"
                )
    pre = sum(g.load_qps for g in plan.replicas if g.role == "prefill")
    dec = sum(g.load_qps for g in plan.replicas if g.role == "decode")
    if abs(pre - dec) > FLOW_TOL * max(1.0, pre, dec):
        out.append(f"prefill pools carry {pre:.6g} req/s but decode pools {dec:.6g} req/s")
    if problem.traffic.qps is not None:
        served = plan.served_qps()
        if served < problem.traffic.qps * (1 - FLOW_TOL):
            out.append(f"plan serves {served:.6g} req/s, demand is {problem.traffic.qps:g}")
    for g in valid:
        if g.load_qps <= 0:
            continue
        point = group_point(problem, g)
        for v in point.violations:
            out.append(f"{g.label()} at {g.load_qps / g.count:.4g} req/s per replica: {v}")
    return out


def plan_metrics(problem: ServingProblem, plan: ServingPlan) -> dict[str, Any]:
    """Predicted metrics of a plan: per group and the worst over groups.

    With several workloads: ``workloads`` maps each name to its own metrics, the
    top-level latencies are the worst over workloads and the capacity / throughput
    their sums; ``groups`` follow the plan's order.

    Returns
    -------
    dict
        ``ttft_s`` / ``tpot_s``: the percentile over all the workload's requests, the
        quantile of the mixture of the loaded groups' laws weighted by their loads
        (:func:`workload_percentile`; the router draws a group per request);
        ``worst_ttft_s`` / ``worst_tpot_s``: the largest group percentile, what the SLO
        check holds within the target (an upper bound on the former);
        ``groups``: per group ``{label, per_replica_qps, ttft_s, tpot_s, batch, kv_fill,
        utilization, capacity_qps}``.
    """
    from planner.serve.breakdown import group_breakdown
    from planner.serve.candidates import group_capacity

    if problem.shared:
        return _shared_metrics(problem, plan)
    groups = []
    first: list[tuple[ReplicaGroup, float]] = []  # loaded groups and their percentiles
    later: list[tuple[ReplicaGroup, float]] = []
    group_caps = []
    for g in plan.replicas:
        point = group_point(problem, g)
        parts = group_breakdown(problem, g, point)
        cap = group_capacity(problem, g) * g.count
        group_caps.append((g.role, cap))
        if g.load_qps > 0:
            if g.role in ("both", "prefill"):
                first.append((g, point.ttft_s))
            if g.role in ("both", "decode"):
                later.append((g, point.tpot_s))
        groups.append(
            {
                "label": g.label(),
                "role": g.role,
                "per_replica_qps": g.load_qps / g.count,
                "capacity_qps": cap,
                "ttft_s": point.ttft_s if g.role != "decode" else None,
                "tpot_s": point.tpot_s if g.role != "prefill" else None,
                "batch": point.batch,
                "kv_fill": point.kv_tokens / point.kv_capacity if point.kv_capacity else None,
                "utilization": point.utilization,
                "ttft_breakdown_s": parts["ttft"],
                "tpot_breakdown_s": parts["tpot"],
            }
        )
    capacity = served_capacity(group_caps)[3]
    return {
        "ttft_s": workload_percentile(problem, first, "ttft"),
        "tpot_s": workload_percentile(problem, later, "tpot"),
        "worst_ttft_s": max((v for _, v in first), default=0.0),
        "worst_tpot_s": max((v for _, v in later), default=0.0),
        "capacity_qps": capacity,
        "served_qps": plan.served_qps(),
        "served_tokens_per_s": plan.served_qps() * problem.traffic.output.mean,
        "throughput_tokens_per_s": plan.served_qps() * problem.traffic.output.mean,  # = served
        "capacity_tokens_per_s": capacity * problem.traffic.output.mean,
        "groups": groups,
    }


def _shared_metrics(problem: ServingProblem, plan: ServingPlan) -> dict[str, Any]:
    per: dict[str, dict[str, Any]] = {}
    by_group: dict[int, dict[str, Any]] = {}
    for name, part in problem.parts():
        mine = [i for i, g in enumerate(plan.replicas) if g.workload == name]
        m = plan_metrics(part, ServingPlan(tuple(plan.replicas[i] for i in mine)))
        for i, gm in zip(mine, m["groups"], strict=True):
            by_group[i] = {**gm, "workload": name}
        m["groups"] = [by_group[i] for i in mine]
        m["demand_qps"] = part.traffic.qps
        per[name] = m
    return {
        "ttft_s": max((m["ttft_s"] for m in per.values()), default=0.0),
        "tpot_s": max((m["tpot_s"] for m in per.values()), default=0.0),
        "worst_ttft_s": max((m["worst_ttft_s"] for m in per.values()), default=0.0),
        "worst_tpot_s": max((m["worst_tpot_s"] for m in per.values()), default=0.0),
        "capacity_qps": sum(m["capacity_qps"] for m in per.values()),
        "served_qps": plan.served_qps(),
        "served_tokens_per_s": sum(m["served_tokens_per_s"] for m in per.values()),
        "throughput_tokens_per_s": sum(m["throughput_tokens_per_s"] for m in per.values()),
        "capacity_tokens_per_s": sum(m["capacity_tokens_per_s"] for m in per.values()),
        "groups": [by_group[i] for i in sorted(by_group)],
        "workloads": per,
    }
