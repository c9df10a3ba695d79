"""Greedy replica selection (the quick incumbent of ``auto``).

Cost objective: serve the demand in the cheaper of two modes, colocated or
disaggregated (judged by the cheapest price per request/s), adding one
replica at a time: the one with the least price per unit of *useful*
capacity ``price / min(capacity, remaining demand)`` among those the
inventory still allows; then drop replicas that are not needed. The other
mode is tried when the first runs out of GPUs.

Throughput objective: fill each pool with colocated replicas of the layout
with the most requests/s per GPU, then the leftovers with smaller layouts.
"""

from __future__ import annotations

import math
import time
from typing import Any

from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.serve.assemble import build_fleet_plan, served
from planner.serve.bounds import cheapest_unit_cost
from planner.serve.candidates import (
    Candidate,
    candidates_within,
    incomplete_reason,
    method_result,
    no_candidate_result,
)
from planner.serve.instance import ServingProblem


def _fill(
    problem: ServingProblem,
    usable: list[Candidate],
    roles: tuple[str, ...],
    demand: float,
    free: dict[str, int] | None = None,
) -> list[int] | None:
    """Greedy cover of ``demand`` in each of ``roles`` (separately), inventory permitting
    (``free``: GPUs left per pool, updated in place when a cover is found)."""
    left = {p.label: p.count for p in problem.inventory.pools} if free is None else free
    free = dict(left)
    counts = [0] * len(usable)
    for role in roles:
        remaining = demand
        pool_of = [j for j, c in enumerate(usable) if c.role == role]
        while remaining > 1e-12 * max(1.0, demand):
            best, score = None, math.inf
            for j in pool_of:
                c = usable[j]
                if free[c.pool] < c.gpus:
                    continue
                s = c.price / min(c.capacity, remaining)
                if s < score - 1e-12:
                    best, score = j, s
            if best is None:
                return None
            counts[best] += 1
            free[usable[best].pool] -= usable[best].gpus
            remaining -= usable[best].capacity
    # drop replicas the demand does not need (most expensive first)
    for j in sorted(range(len(usable)), key=lambda j: -usable[j].price):
        while counts[j] > 0:
            counts[j] -= 1
            if served(usable, counts) < demand * (1 - 1e-9):
                counts[j] += 1
                break
    for c, n in zip(usable, counts, strict=True):
        left[c.pool] -= n * c.gpus
    return counts


def _fill_cost(
    problem: ServingProblem, usable: list[Candidate], free: dict[str, int] | None = None
) -> list[int] | None:
    """Cover each workload's demand in the cheaper of colocated and disaggregated modes."""
    counts = [0] * len(usable)
    left = {p.label: p.count for p in problem.inventory.pools} if free is None else free
    for name, part in problem.parts():
        mine = [j for j, c in enumerate(usable) if c.workload == name]
        cands = [usable[j] for j in mine]
        both = cheapest_unit_cost([c for c in cands if c.role == "both"])
        split = cheapest_unit_cost([c for c in cands if c.role != "both"])
        modes = [("both",), ("prefill", "decode")]
        if split < both:
            modes.reverse()
        if problem.constraints.pd_pairs:  # the greedy cover does not pair them: the MIP does
            modes = [("both",)]
        sub = None
        for mode in modes:
            if any(c.role == mode[0] for c in cands):
                sub = _fill(part, cands, mode, part.traffic.qps, left)
                if sub is not None:
                    break
        if sub is None:
            return None
        for j, n in zip(mine, sub, strict=True):
            counts[j] = n
    return counts


def _fill_throughput(problem: ServingProblem, usable: list[Candidate]) -> list[int]:
    counts = [0] * len(usable)
    for pool in problem.inventory.pools:
        free = pool.count
        options = sorted(
            (j for j, c in enumerate(usable) if c.role == "both" and c.pool == pool.label),
            key=lambda j: -usable[j].capacity / usable[j].gpus,
        )
        for j in options:
            n = free // usable[j].gpus
            counts[j] += n
            free -= n * usable[j].gpus
    return counts


def solve_greedy(
    problem: ServingProblem,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Any | None,
    cands: list[Candidate] | None = None,
    complete: bool = True,
) -> Result:
    """Greedy plan over the candidates (computed within 80 % of the time limit when not given)."""
    del threads, seed, hint
    started = time.perf_counter()
    if cands is None:
        cands, complete = candidates_within(problem, Deadline(0.8 * time_limit))
    if not complete and not any(c.usable for c in cands):
        # the stopped candidate list is flagged like every other incomplete result
        return method_result(
            problem,
            "greedy",
            Status.UNKNOWN,
            started,
            stats={"candidates": len(cands), "usable_candidates": 0, "candidates_complete": False},
            reason=incomplete_reason(cands, found=False),
        )
    usable = [c for c in cands if c.usable]
    stats: dict[str, Any] = {"candidates": len(cands), "usable_candidates": len(usable)}
    if not complete:
        stats["candidates_complete"] = False
    if not usable:
        return no_candidate_result(problem, "greedy", cands, started, stats)
    if problem.objective == "throughput":
        counts = _fill_throughput(problem, usable)
    else:
        counts = _fill_cost(problem, usable)
    if counts is None or not any(counts):
        return method_result(
            problem,
            "greedy",
            Status.UNKNOWN,
            started,
            stats=stats,
            reason=(
                "greedy found no plan within the inventory (the MIP decides feasibility)"
                if complete
                else incomplete_reason(cands, found=False)
            ),
        )
    return method_result(
        problem,
        "greedy",
        Status.FEASIBLE,
        started,
        solution=build_fleet_plan(problem, usable, counts),
        stats=stats,
        reason="" if complete else incomplete_reason(cands),
    )
