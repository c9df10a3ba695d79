"""CP-SAT model of 1||ΣwjTj: fixed-size intervals on one no-overlap resource.

Each job ``j`` has a start ``s_j ∈ [0, P - p_j]`` (``P = Σ p``, so the
machine is never idle) and a tardiness ``T_j ≥ s_j + p_j - d_j``, ``T_j ≥ 0``;
the objective is ``Σ w_j T_j``. Redundant parts, each switchable:

* ``dominance``: if ``p_i ≤ p_j``, ``d_i ≤ d_j`` and ``w_i ≥ w_j`` some optimal
  sequence has ``i`` before ``j`` (interchange argument, Emmons 1969 and
  Rinnooy Kan et al. 1975; ties broken by index so all pairs hold at once);
* ``objective_bound``: the objective is at least the cheap lower bound.

The model is hinted with the best quick heuristic (or the caller's hint).
"""

from __future__ import annotations

import time
from typing import Any

from ortools.sat.python import cp_model

from planner.core.cpsat import add_hints, integral_bound, make_solver, run, stats_of
from planner.core.result import Status
from planner.core.timing import Deadline
from planner.smtt import local_search as LS
from planner.smtt.bounds import lower_bound
from planner.smtt.instance import Instance
from planner.smtt.quick import incumbent, model_too_large, result
from planner.smtt.reduce import reduce_due_dates

#: Seconds per job and per job pair (dominance precedences, their repair of the start)
#: assumed for building the model; beyond half the time limit the model is not built and the
#: quick start is returned with the reason.
BUILD_S_PER_JOB = 5e-5
BUILD_S_PER_PAIR = 5e-6

#: Solver parameters: the full linear relaxation of the no-overlap (level 2) is what lets a
#: single worker close n = 20 instances in seconds instead of stalling at the trivial bound.
PARAMS = {"linearization_level": 2}


def dominance_pairs(instance: Instance) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``: some optimal sequence puts ``i`` before ``j``."""
    p, d = instance.p, instance.d
    w = instance.w or (1,) * instance.n
    pairs = []
    for i in range(instance.n):
        for j in range(instance.n):
            if i == j or not (p[i] <= p[j] and d[i] <= d[j] and w[i] >= w[j]):
                continue
            # equal on all three: keep the index order so the relation stays antisymmetric
            if (p[i], d[i], -w[i], i) < (p[j], d[j], -w[j], j):
                pairs.append((i, j))
    return pairs


def build(
    instance: Instance, *, dominance: bool = True, objective_bound: bool = True
) -> tuple[cp_model.CpModel, list[Any], list[Any]]:
    """The model; returns ``(model, starts, tardiness)``."""
    n = instance.n
    p, d, w = instance.p, instance.d, instance.w or (1,) * instance.n
    horizon = sum(p)
    model = cp_model.CpModel()
    starts, late, intervals = [], [], []
    for j in range(n):
        s = model.new_int_var(0, horizon - p[j], f"s{j}")
        t = model.new_int_var(0, max(0, horizon - d[j]), f"T{j}")
        model.add(t >= s + p[j] - d[j])
        intervals.append(model.new_fixed_size_interval_var(s, p[j], f"job{j}"))
        starts.append(s)
        late.append(t)
    model.add_no_overlap(intervals)
    if dominance:
        for i, j in dominance_pairs(instance):
            model.add(starts[i] + p[i] <= starts[j])
    objective = sum(w[j] * late[j] for j in range(n))
    if objective_bound:
        model.add(objective >= lower_bound(instance))
    model.minimize(objective)
    return model, starts, late


def solve_cpsat(
    instance: Instance,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Any | None,
    dominance: bool = True,
) -> Any:
    """Solve with CP-SAT; the Result carries the proven bound (rounded up: the objective is integral)."""
    started = time.perf_counter()
    clock = Deadline(time_limit)
    p, d, w = instance.arrays
    start, origin = incumbent(instance, hint, deadline=Deadline(clock.fraction(0.2)))
    reason = model_too_large(instance, clock, BUILD_S_PER_JOB, BUILD_S_PER_PAIR if dominance else 0)
    if reason:
        return result(
            instance, "cpsat", start, started=started, stats={"start": origin, "skipped": reason}
        )
    # due dates far outside [0, P] (d = -2**60): the objective near 2**60 lost its last units
    # in CP-SAT's double bound, so a proven optimum read FEASIBLE; the reduction is exact
    work, offset = reduce_due_dates(instance)
    model, starts, late = build(work, dominance=dominance)
    if dominance:
        start = respect_pairs(work, start)
    pairs, t = [], 0
    for j in start:
        pairs.append((starts[j], t))
        t += int(p[j])
        pairs.append((late[j], max(0, t - work.d[j])))
    add_hints(model, pairs)
    solver = make_solver(
        time_limit=max(0.01, clock.remaining()),
        threads=threads,
        seed=seed,
        params=PARAMS,
    )
    out = run(model, solver)
    stats = {**stats_of(out), "start": origin}
    order = None
    if out.has_solution:
        values = [solver.value(s) for s in starts]
        order = sorted(range(instance.n), key=lambda j: (values[j], p[j] > 0, j))
    bound = None if out.bound is None else integral_bound(out.bound) + offset
    status = out.status
    if order is None and status is not Status.INFEASIBLE:
        order, status = start, Status.FEASIBLE
        stats["fallback"] = "hint"
    if status is Status.OPTIMAL and bound is not None and bound < LS.objective(p, d, w, order):
        status = Status.FEASIBLE
    return result(
        instance, "cpsat", order, started=started, status=status, bound=bound, stats=stats
    )


def respect_pairs(instance: Instance, order: list[int]) -> list[int]:
    """Reorder so every dominance pair holds, without increasing the objective.

    Each swap of an inverted dominance pair does not increase the objective
    (the interchange argument) and removes an inversion, so this terminates.
    A stable sort by the dominance key would not do: the pairs are a partial
    order, so inversions are fixed pairwise.
    """
    p, d = instance.p, instance.d
    w = instance.w or (1,) * instance.n
    out = list(order)
    changed = True
    while changed:
        changed = False
        for a in range(len(out)):
            for b in range(a + 1, len(out)):
                j, i = out[a], out[b]
                if (
                    p[i] <= p[j]
                    and d[i] <= d[j]
                    and w[i] >= w[j]
                    and (p[i], d[i], -w[i], i) < (p[j], d[j], -w[j], j)
                ):
                    out[a], out[b] = i, j
                    changed = True
    return out
