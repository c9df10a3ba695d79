"""Cheap valid bounds of the serving objective.

Cost (a rate ``lam`` is given): every plan spends at least ``lam`` times the
cheapest price per unit of capacity, either colocated (``min price/mu`` over
``both`` candidates) or disaggregated (cheapest prefill ``price/mu`` plus
cheapest decode ``price/mu``), ignoring integrality and inventory limits
(the "per-QPS cheapest-capacity" bound).

Throughput (no rate): no GPU carries more than the best requests/s per GPU
of any colocated layout on its pool, or of any prefill + decode pair
(``1 / (g_p/mu_p + g_d/mu_d)`` per GPU), so the output rate is at most
``E[O] sum_pools count * best rate per GPU``; the bound is its negative.
"""

from __future__ import annotations

import math

from planner.core.timing import Deadline
from planner.serve.candidates import Candidate, candidates_within, layouts
from planner.serve.instance import ServingProblem


def cheapest_unit_cost(usable: list[Candidate]) -> float:
    """Least USD/hour per request/s of capacity (``inf`` without usable candidates)."""
    both = min((c.cost_per_qps for c in usable if c.role == "both"), default=math.inf)
    pre = min((c.cost_per_qps for c in usable if c.role == "prefill"), default=math.inf)
    dec = min((c.cost_per_qps for c in usable if c.role == "decode"), default=math.inf)
    return min(both, pre + dec)


def best_rate_per_gpu(usable: list[Candidate], pool: str) -> float:
    """Upper bound on requests/s one GPU of ``pool`` contributes."""
    both = max(
        (c.capacity / c.gpus for c in usable if c.role == "both" and c.pool == pool), default=0.0
    )
    pre = [c for c in usable if c.role == "prefill"]
    dec = [c for c in usable if c.role == "decode"]
    pair = 0.0
    if pre and dec:
        gp = min(c.gpus / c.capacity for c in pre)
        gd = min(c.gpus / c.capacity for c in dec)
        pair = 1.0 / (gp + gd)
    return max(both, pair)


#: Seconds the cheap bound may spend on capacities not cached by the method that ran.
BOUND_TIME_S = 0.1


def flop_bound(problem: ServingProblem) -> float:
    """Valid bound without any capacity search (the time limit cut it).

    Cost: the larger of :func:`replica_floor` and :func:`compute_floor` (was 0 $/hour:
    ``plan serve --disaggregate -t 10`` under load reported a bound of $0/h). Throughput:
    no GPU emits more output tokens per second than its dense peak over ``2 x`` active
    parameters (the FLOPs of one token)."""
    if problem.objective == "cost":
        return max(replica_floor(problem), compute_floor(problem))
    flops_per_token = 2.0 * problem.model.params_active
    peak = sum(p.count * p.gpu.peak_flops(problem.precision) for p in problem.inventory.pools)
    return -peak / flops_per_token


def replica_floor(problem: ServingProblem) -> float:
    """Cost: a positive rate needs at least one replica (a colocated one, or a prefill and a
    decode one), so no plan costs less than the cheapest layout a plan may use, the ``m_v`` of
    :mod:`planner.serve.price_cut` before any layout is evaluated (0 without a rate)."""
    if not problem.traffic.qps:
        return 0.0
    return min(
        (lay.config.price_per_hour for lay in layouts(problem) if not lay.reason), default=0.0
    )


def matmul_flops_per_request(problem: ServingProblem) -> float:
    """Least FLOPs a request costs: its uncached prompt tokens and every output token but the
    last pass the layers' matrices (``2 x`` their parameters; LM head and attention left out)."""
    m, t = problem.model, problem.traffic
    tokens = t.prompt.mean * (1.0 - t.prefix_hit_rate) + max(t.output.mean - 1.0, 0.0)
    return 2.0 * (m.linear_params_active() - m.vocab * m.hidden) * tokens


def compute_floor(problem: ServingProblem) -> float:
    """Cost: the GPUs must at least do the matmuls of every token at their dense peak.

    A request's forward passes cover its uncached prompt tokens and every output token but
    the last; each multiplies through the layers' matrices (``2 x`` their parameters; the
    LM head and attention are left out, so the count is low). The plan then spends at least
    ``qps x FLOPs per request x`` the least price per FLOP/s of a pool searched. The serving
    model's layouts reach at most 0.44 of that peak (``bench/session_runs/s19polish/
    flop_share.py``), so the floor stays below every plan's cost."""
    qps = problem.traffic.qps
    if not qps:
        return 0.0
    flops = matmul_flops_per_request(problem)
    per_flop = [
        p.gpu.price_per_gpu_hour / p.gpu.peak_flops(problem.precision)
        for p in problem.searched_pools
        if p.gpu.supports(problem.precision)
    ]
    return qps * flops * min(per_flop, default=0.0)


def lower_bound(problem: ServingProblem) -> float:
    """Valid lower bound on :func:`~planner.serve.evaluate.evaluate`.

    The capacity bound of the module notes when every candidate's capacity is
    known within :data:`BOUND_TIME_S` (they are cached once a method has
    computed them); otherwise :func:`flop_bound`. Workloads sharing a fleet: the sum
    of each workload's bound (each alone with the whole inventory spends no less).
    """
    if problem.shared:
        return sum(lower_bound(part) for _, part in problem.parts())
    cands, complete = candidates_within(problem, Deadline(BOUND_TIME_S))
    if not complete:
        return flop_bound(problem)
    usable = [c for c in cands if c.usable]
    if problem.objective == "cost":
        unit = cheapest_unit_cost(usable)
        return problem.traffic.qps * unit if math.isfinite(unit) else 0.0
    rate = sum(p.count * best_rate_per_gpu(usable, p.label) for p in problem.inventory.pools)
    return -problem.traffic.output.mean * rate
