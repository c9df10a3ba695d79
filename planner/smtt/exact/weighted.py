"""Exact 1||ΣwjTj by CP-SAT (intervals + no-overlap) warm-started from an incumbent."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from ortools.sat.python import cp_model

from planner.core.cpsat import add_hints, make_solver
from planner.smtt.exact.incumbent import descent, wmdd
from planner.smtt.exact.outcome import ExactOutcome, tardiness, weighted_pairing_bound

# solver.status_name() raises in ortools 9.15, so name the codes here
_STATUS_NAME = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


def cpsat_weighted(
    p: Sequence[int],
    d: Sequence[int],
    w: Sequence[int],
    *,
    time_limit: float,
    threads: int = 1,
    hint: Sequence[int] | None = None,
) -> tuple[list[int] | None, int | None, int, bool, dict]:
    """Solve with CP-SAT; returns ``(order, objective, bound, optimal, stats)``."""
    n = len(p)
    horizon = sum(p)
    model = cp_model.CpModel()
    starts, late = [], []
    intervals = []
    for j in range(n):
        s = model.new_int_var(0, horizon - p[j], f"s{j}")
        iv = model.new_fixed_size_interval_var(s, p[j], f"i{j}")
        tj = model.new_int_var(0, max(0, horizon - d[j]), f"t{j}")
        model.add(tj >= s + p[j] - d[j])
        starts.append(s)
        late.append(tj)
        intervals.append(iv)
    model.add_no_overlap(intervals)
    model.minimize(sum(w[j] * late[j] for j in range(n)))
    if hint is not None:
        c, pairs = 0, []
        for j in hint:
            pairs.append((starts[j], c))
            pairs.append((late[j], max(0, c + p[j] - d[j])))
            c += p[j]
        add_hints(model, pairs)
    solver = make_solver(time_limit=time_limit, threads=threads)
    # solver.solve directly: planner.core.cpsat.run needs proto.HasField, gone in ortools 9.15
    code = solver.solve(model)
    stats = {
        "cpsat_status": _STATUS_NAME.get(code, str(code)),
        "cpsat_wall_s": round(solver.wall_time, 3),
    }
    # objective coefficients are integers, so the proven bound rounds up
    bound = max(0, math.ceil(solver.best_objective_bound - 1e-6))
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, None, bound, False, stats
    order = sorted(range(n), key=lambda j: (solver.value(starts[j]), p[j] > 0, j))
    obj = tardiness(p, d, order, w)
    return order, obj, min(bound, obj), code == cp_model.OPTIMAL, stats


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
    """
    p = [int(x) for x in p]
    d = [int(x) for x in d]
    w = [int(x) for x in w]
    n = len(p)
    t0 = time.perf_counter()
    if n == 0:
        return ExactOutcome([], 0, 0, True, {})
    order = descent(p, d, w, wmdd(p, d, w))
    valid = upper_order is not None and sorted(upper_order) == list(range(n))
    if valid and tardiness(p, d, upper_order, w) < tardiness(p, d, order, w):
        order = list(upper_order)
    obj = tardiness(p, d, order, w)
    bound = min(obj, weighted_pairing_bound(p, d, w))
    stats: dict = {"algorithm": "cp-sat"}
    if bound < obj:
        remaining = max(0.01, time_limit - (time.perf_counter() - t0))
        c_order, c_obj, c_bound, c_opt, c_stats = cpsat_weighted(
            p, d, w, time_limit=remaining, threads=threads, hint=order
        )
        stats.update(c_stats)
        if c_order is not None and c_obj < obj:
            order, obj = c_order, c_obj
        bound = max(bound, c_bound)
        if c_opt:
            bound = max(bound, c_obj)
    bound = min(bound, obj)
    stats["time_s"] = round(time.perf_counter() - t0, 4)
    return ExactOutcome(order, obj, bound, bound == obj, stats)
