"""Turn replica counts over candidates into a plan with a traffic split.

Given how many replicas of each candidate a method chose, the router splits
the traffic in proportion to capacity: colocated (``both``) replicas and the
prefill -> decode flow ``y = min(prefill capacity, decode capacity)`` all run
at the same utilization ``f = demand / (both capacity + y)`` (``f = 1`` when
maximizing throughput). Since every SLO metric grows with the load, a
proportional split is feasible whenever any split is.
"""

from __future__ import annotations

from collections.abc import Sequence

from planner.serve.candidates import Candidate
from planner.serve.instance import ServingPlan, ServingProblem, served_capacity


def capacities(cands: Sequence[Candidate], counts: Sequence[int]) -> tuple[float, ...]:
    """(colocated, prefill, decode, served) request capacity of the chosen replicas."""
    return served_capacity(
        (c.role, c.capacity * n) for c, n in zip(cands, counts, strict=True) if n > 0
    )


def served(cands: Sequence[Candidate], counts: Sequence[int]) -> float:
    """Requests per second the replicas can carry end to end."""
    return capacities(cands, counts)[3]


def build_plan(
    cands: Sequence[Candidate], counts: Sequence[int], demand: float | None
) -> ServingPlan:
    """The plan for ``counts`` replicas of ``cands``, carrying ``demand`` req/s.

    Parameters
    ----------
    cands
        Candidates (usable ones).
    counts
        Replicas of each candidate.
    demand
        Requests per second to route; ``None`` routes the full capacity
        (throughput objective).
    """
    both, pre, dec, _served = capacities(cands, counts)
    flow = min(pre, dec)
    total = both + flow
    f = 1.0 if demand is None else min(1.0, demand / total) if total > 0 else 0.0
    groups = []
    for c, n in zip(cands, counts, strict=True):
        if n <= 0:
            continue
        cap = c.capacity * n
        if c.role == "both":
            load = f * cap
        elif c.role == "prefill":
            load = f * flow * cap / pre if pre > 0 else 0.0
        else:
            load = f * flow * cap / dec if dec > 0 else 0.0
        groups.append(c.group(int(n), load))
    order = {"both": 0, "prefill": 1, "decode": 2}
    groups.sort(key=lambda g: (order[g.role], g.gpu, g.tp, g.pp, g.ep, g.chunk_tokens))
    return ServingPlan(tuple(groups))


def build_fleet_plan(
    problem: ServingProblem, cands: Sequence[Candidate], counts: Sequence[int]
) -> ServingPlan:
    """:func:`build_plan` for each workload of ``problem`` over its own candidates
    (groups ordered by workload, in the problem's order)."""
    if not problem.shared:
        return build_plan(cands, counts, problem.traffic.qps)
    groups = []
    for name, part in problem.parts():
        mine = [j for j, c in enumerate(cands) if c.workload == name]
        sub = build_plan([cands[j] for j in mine], [counts[j] for j in mine], part.traffic.qps)
        groups.extend(sub.replicas)
    return ServingPlan(tuple(groups))
