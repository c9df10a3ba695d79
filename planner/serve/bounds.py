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
from planner.serve.candidates import Candidate, candidates_within
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
    """Trivial valid bound: 0 $/hour; for throughput, no GPU emits more output tokens per
    second than its dense peak over ``2 x`` active parameters (the FLOPs of one token)."""
    if problem.objective == "cost":
        return 0.0
    flops_per_token = 2.0 * problem.model.params_active
    peak = sum(p.count * p.gpu.peak_flops(problem.precision) for p in problem.inventory.pools)
    return -peak / flops_per_token


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
