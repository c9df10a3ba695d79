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
from planner.serve.instance import ServingPlan, served_capacity


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
