"""Exact 1||ΣwjTj: incumbent, Lagrangian bound, then CP-SAT with dominance precedences.

1. Exact reductions: zero-length jobs go first (they complete at time 0
   wherever they are put first, and delay nobody), zero-weight jobs last.
2. Incumbent: WMDD plus descent, the caller's ``upper_order``, then iterated
   local search (:func:`planner.smtt.local_search.iterated_local_search`,
   dynasearch-style) for a share of the budget.
   Up to :data:`SUBSET_DP_MAX` jobs a subset dynamic program solves it outright.
3. Lower bound: the time-indexed Lagrangian relaxation of :mod:`.lagrange`.
4. Proof: CP-SAT (intervals + no-overlap) hinted with the incumbent, with the
   precedence ``i`` before ``j`` added whenever ``p_i <= p_j``, ``w_i >= w_j``
   and ``d_i <= d_j`` (Rinnooy Kan, Lageweg and Lenstra 1975: exchanging a
   violating pair never increases the objective; ties broken by index).

CP-SAT proves optimality for the easier OR-Library instances; for the others
the answer carries the best of the two proven bounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from planner.core.timing import Deadline
from planner.smtt.bounds import pairing_bound
from planner.smtt.evaluate import tardiness
from planner.smtt.exact.incumbent import wmdd
from planner.smtt.exact.outcome import ExactOutcome

#: Share of the budget for iterated local search before the proof stage.
ILS_SHARE = 0.25
#: Seconds at most for the Lagrangian bound.
LAGRANGE_SECONDS = 2.0
#: Up to this many jobs the subset dynamic program solves the instance outright.
SUBSET_DP_MAX = 12
#: Steps per second assumed for the Lagrangian path (``horizon × n`` per iteration, compiled):
#: the bound is skipped, with a reason, when one iteration would not fit in its budget.
LAGRANGE_STEPS_PER_S = 1e8
#: Seconds per job and per job pair (dominance precedences) assumed for building the CP-SAT
#: model: the proof stage is skipped, with a reason, when building alone would take more than
#: half the time left.
CPSAT_S_PER_JOB = 5e-5
CPSAT_S_PER_PAIR = 5e-6


def subset_dp(p: Sequence[int], d: Sequence[int], w: Sequence[int]) -> list[int]:
    """Optimal sequence by dynamic programming over job subsets (Held-Karp, O(2^n n))."""
    n = len(p)
    full = (1 << n) - 1
    length = [0] * (full + 1)
    for m in range(1, full + 1):
        low = (m & -m).bit_length() - 1
        length[m] = length[m & (m - 1)] + p[low]
    best = [0] * (full + 1)
    last = [-1] * (full + 1)
    for m in range(1, full + 1):
        c = length[m]
        b, arg = -1, -1
        rest = m
        while rest:
            bit = rest & -rest
            j = bit.bit_length() - 1
            v = best[m ^ bit] + w[j] * max(0, c - d[j])
            if b < 0 or v < b:
                b, arg = v, j
            rest ^= bit
        best[m], last[m] = b, arg
    order = []
    m = full
    while m:
        order.append(last[m])
        m ^= 1 << last[m]
    return order[::-1]


def dominance_pairs(p: Sequence[int], d: Sequence[int], w: Sequence[int]) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``: some optimal sequence has ``i`` before ``j`` for all of them at once.

    ``i`` dominates ``j`` when it is no longer, no lighter and due no later;
    identical jobs are ordered by index. Only the transitive reduction is
    returned, which is all a solver needs.
    """
    n = len(p)

    def dom(i: int, j: int) -> bool:
        if p[i] <= p[j] and w[i] >= w[j] and d[i] <= d[j]:
            return (p[i], -w[i], d[i]) != (p[j], -w[j], d[j]) or i < j
        return False

    succ = [[j for j in range(n) if j != i and dom(i, j)] for i in range(n)]
    sets = [set(s) for s in succ]
    pairs = []
    for i in range(n):
        for j in succ[i]:
            # skip i -> j when some k has i -> k -> j
            if not any(j in sets[k] for k in succ[i] if k != j):
                pairs.append((i, j))
    return pairs


def cpsat_weighted(
    p: Sequence[int],
    d: Sequence[int],
    w: Sequence[int],
    *,
    time_limit: float,
    threads: int = 1,
    hint: Sequence[int] | None = None,
    precedences: Sequence[tuple[int, int]] = (),
) -> tuple[list[int] | None, int | None, int, bool, dict[str, Any]]:
    """Solve with CP-SAT; returns ``(order, objective, bound, optimal, stats)``.

    Processing times must be positive (a zero-length interval may sit inside
    another one, so its start would not give a sequence position);
    :func:`solve_weighted` puts such jobs first before calling this.
    """
    clock = Deadline(time_limit)  # the import and the model build count against the limit
    # imported here: ortools is slow to import and only this stage needs it
    from ortools.sat.python import cp_model

    from planner.core.cpsat import add_hints, integral_bound, make_solver, run, stats_of
    from planner.core.result import Status

    n = len(p)
    horizon = sum(p)
    model = cp_model.CpModel()
    starts, late, intervals = [], [], []
    for j in range(n):
        s = model.new_int_var(0, horizon - p[j], f"s{j}")
        intervals.append(model.new_fixed_size_interval_var(s, p[j], f"i{j}"))
        tj = model.new_int_var(0, max(0, horizon - d[j]), f"t{j}")
        model.add(tj >= s + p[j] - d[j])
        starts.append(s)
        late.append(tj)
    model.add_no_overlap(intervals)
    for i, j in precedences:
        model.add(starts[i] + p[i] <= starts[j])
    model.minimize(sum(w[j] * late[j] for j in range(n)))
    if hint is not None:
        c, pairs = 0, []
        for j in hint:
            pairs.append((starts[j], c))
            pairs.append((late[j], max(0, c + p[j] - d[j])))
            c += p[j]
        add_hints(model, pairs)
    solver = make_solver(time_limit=max(0.01, clock.remaining()), threads=threads)
    out = run(model, solver)
    stats = stats_of(out)
    # objective coefficients are integers, so the proven bound rounds up
    bound = max(0, integral_bound(out.bound or 0))
    if not out.has_solution:
        return None, None, bound, False, stats
    order = sorted(range(n), key=lambda j: (solver.value(starts[j]), j))
    obj = tardiness(p, d, order, w)
    return order, obj, min(bound, obj), out.status is Status.OPTIMAL, stats


def _local_search(p, d, w, order, deadline: Deadline, lower: int) -> list[int]:
    """Iterated local search of the family (compiled, honours ``deadline``)."""
    from planner.smtt.local_search import iterated_local_search

    arrays = [np.asarray(a, dtype=np.int64) for a in (p, d, w)]
    better, _ = iterated_local_search(*arrays, order, deadline=deadline, lower=lower)
    return [int(j) for j in better]


def solve_weighted(
    p: Sequence[int],
    d: Sequence[int],
    w: Sequence[int],
    *,
    time_limit: float,
    threads: int = 1,
    upper_order: list[int] | None = None,
) -> ExactOutcome:
    """Minimize total weighted tardiness ``Σ w_j max(0, C_j - d_j)`` exactly.

    Parameters
    ----------
    p, d, w
        Processing times and weights (non-negative integers), due dates (integers).
    time_limit
        Seconds; on expiry the best sequence found and the proven bound are returned.
    threads
        CP-SAT workers.
    upper_order
        Optional incumbent sequence.

    Returns
    -------
    ExactOutcome
        ``optimal`` when the bound meets the objective.
    """
    p = [int(x) for x in p]
    d = [int(x) for x in d]
    w = [int(x) for x in w]
    n = len(p)
    deadline = Deadline(time_limit)
    if n == 0:
        return ExactOutcome([], 0, 0, True, {})
    first = [j for j in range(n) if p[j] == 0]
    last = [j for j in range(n) if p[j] > 0 and w[j] == 0]
    core = [j for j in range(n) if p[j] > 0 and w[j] > 0]
    fixed_cost = sum(w[j] * max(0, -d[j]) for j in first)
    stats: dict[str, Any] = {"algorithm": "ils + lagrangian bound + cp-sat"}
    cp, cd, cw = [p[j] for j in core], [d[j] for j in core], [w[j] for j in core]
    m = len(core)
    if m <= SUBSET_DP_MAX:
        local = subset_dp(cp, cd, cw)
        obj = tardiness(cp, cd, local, cw)
        stats["algorithm"] = "subset dynamic program"
        stats["time_s"] = round(deadline.elapsed(), 4)
        order = first + [core[i] for i in local] + last
        return ExactOutcome(order, obj + fixed_cost, obj + fixed_cost, True, stats)
    from planner.smtt.local_search import fast_descent

    # compiled descent: the pure-Python one took ~10 s at n = 100, far over short limits
    local, _ = fast_descent(
        *(np.asarray(a, dtype=np.int64) for a in (cp, cd, cw)),
        wmdd(cp, cd, cw, deadline),
        deadline=deadline,
    )
    if upper_order is not None and sorted(upper_order) == list(range(n)):
        pos = {j: i for i, j in enumerate(core)}
        mine = [pos[j] for j in upper_order if j in pos]
        if tardiness(cp, cd, mine, cw) < tardiness(cp, cd, local, cw):
            local = mine
    obj = tardiness(cp, cd, local, cw)
    bound = min(obj, min(cw) * pairing_bound(cp, cd))
    budget = min(LAGRANGE_SECONDS, deadline.fraction(0.1))
    if bound < obj and sum(cp) * m > LAGRANGE_STEPS_PER_S * budget:
        stats["lagrangian_skipped"] = (
            f"time-indexed path over horizon {sum(cp)} × {m} jobs does not fit in {budget:.2g} s"
        )
    elif bound < obj:
        from planner.smtt.exact.lagrange import lagrangian_bound

        lag = lagrangian_bound(cp, cd, cw, upper=obj, time_limit=budget)
        stats["lagrangian_bound"] = lag + fixed_cost
        bound = max(bound, lag)
    if bound < obj and not deadline.expired():
        local = _local_search(cp, cd, cw, local, Deadline(deadline.fraction(ILS_SHARE)), bound)
        obj = tardiness(cp, cd, local, cw)
        stats["ils_objective"] = obj + fixed_cost
    build_s = CPSAT_S_PER_JOB * m + CPSAT_S_PER_PAIR * m * m
    if bound < obj and not deadline.expired() and build_s > 0.5 * deadline.remaining():
        stats["cpsat_skipped"] = (
            f"building the model for {m} jobs (about {build_s:.2g} s) does not fit in the "
            f"{deadline.remaining():.2g} s left"
        )
    elif bound < obj and not deadline.expired():
        order, c_obj, c_bound, c_opt, c_stats = cpsat_weighted(
            cp,
            cd,
            cw,
            time_limit=max(0.01, deadline.remaining()),
            threads=threads,
            hint=local,
            precedences=dominance_pairs(cp, cd, cw),
        )
        stats.update(c_stats)
        if order is not None and c_obj < obj:
            local, obj = order, c_obj
        bound = max(bound, c_bound)
        if c_opt:
            bound = max(bound, c_obj)
    bound = min(bound, obj)
    order = first + [core[i] for i in local] + last
    stats["time_s"] = round(deadline.elapsed(), 4)
    return ExactOutcome(order, obj + fixed_cost, bound + fixed_cost, bound == obj, stats)
