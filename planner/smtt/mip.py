"""Positional MIP for 1||ΣwjTj (Keha, Khowala and Fowler 2009), solved by HiGHS through PuLP.

Variables: ``u[j,k] = 1`` when job ``j`` is in position ``k``; ``c_k`` the
completion time of position ``k`` (no idle time, so ``c_k = c_{k-1} + Σ_j p_j
u[j,k]``); tardiness ``T``.

* unweighted: one tardiness per position, ``T_k ≥ c_k - Σ_j d_j u[j,k]`` (no big-M);
* weighted: one per job, ``T_j ≥ c_k - d_j - M (1 - u[j,k])`` with ``M = Σ p``
  (the big-M form of the paper).

The model gets a complete MIP start from the best quick heuristic (or the
hint), so HiGHS always has an incumbent to improve.
"""

from __future__ import annotations

import time
from typing import Any

import pulp

from planner.core.mip import pulp_outcome, pulp_solver, set_start
from planner.core.result import Status
from planner.core.timing import Deadline
from planner.smtt import local_search as LS
from planner.smtt.instance import Instance
from planner.smtt.quick import incumbent, model_too_large, result
from planner.smtt.reduce import reduce_due_dates

#: Seconds per job pair assumed for building the positional model (n² binaries) in PuLP and
#: handing it to HiGHS; beyond half the time limit it is not built (the reason is recorded).
BUILD_S_PER_PAIR = 5e-5


def build(instance: Instance) -> tuple[pulp.LpProblem, dict[tuple[int, int], Any]]:
    """The positional model; returns the problem and the assignment variables ``u``."""
    n = instance.n
    p, d = instance.p, instance.d
    w = instance.w
    big_m = sum(p)
    prob = pulp.LpProblem("smtt_positional", pulp.LpMinimize)
    jobs, pos = range(n), range(n)
    u = {(j, k): _var(prob, f"u_{j}_{k}", cat=pulp.LpBinary) for j in jobs for k in pos}
    c = [_var(prob, f"c_{k}", lowBound=0, upBound=big_m) for k in pos]
    for j in jobs:
        prob += pulp.lpSum(u[j, k] for k in pos) == 1, f"job_{j}"
    for k in pos:
        prob += pulp.lpSum(u[j, k] for j in jobs) == 1, f"pos_{k}"
        previous = c[k - 1] if k > 0 else 0
        prob += c[k] == previous + pulp.lpSum(p[j] * u[j, k] for j in jobs), f"time_{k}"
    if w is None:
        late = [_var(prob, f"t_{k}", lowBound=0) for k in pos]
        for k in pos:
            prob += late[k] >= c[k] - pulp.lpSum(d[j] * u[j, k] for j in jobs), f"late_{k}"
        prob += pulp.lpSum(late)
    else:
        late = [_var(prob, f"t_{j}", lowBound=0) for j in jobs]
        for j in jobs:
            for k in pos:
                prob += late[j] >= c[k] - d[j] - big_m * (1 - u[j, k]), f"late_{j}_{k}"
        prob += pulp.lpSum(w[j] * late[j] for j in jobs)
    return prob, u


def start_values(instance: Instance, order: list[int]) -> dict[str, float]:
    """A complete MIP start for ``order``, by variable name (absent names are 0)."""
    p, d = instance.p, instance.d
    values: dict[str, float] = {}
    t = 0
    for k, j in enumerate(order):
        t += p[j]
        values[f"u_{j}_{k}"] = 1.0
        values[f"c_{k}"] = float(t)
        # unweighted: tardiness per position; weighted: per job
        values[f"t_{k}" if instance.w is None else f"t_{j}"] = float(max(0, t - d[j]))
    return values


def solve_mip(
    instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Any:
    """Solve the positional MIP; the Result carries HiGHS's proven dual bound."""
    started = time.perf_counter()
    clock = Deadline(time_limit)
    start, origin = incumbent(instance, hint, deadline=Deadline(clock.fraction(0.2)))
    # n² assignment binaries and n² rows (weighted): about this many seconds each in PuLP
    reason = model_too_large(instance, clock, 0.0, BUILD_S_PER_PAIR)
    if reason:
        return result(
            instance, "mip", start, started=started, stats={"start": origin, "skipped": reason}
        )
    # due dates far outside [0, P] (d = -2**50) broke HiGHS; the reduction is exact
    work, offset = reduce_due_dates(instance)
    prob, u = build(work)
    solver = pulp_solver(
        time_limit=max(0.01, clock.remaining()),
        threads=threads,
        seed=seed,
    )
    # the objective is integral: stop only at a true optimum, not at HiGHS's default 0.01 % gap
    solver.gapRel = 0.0
    solver.gapAbs = 0.999
    values = start_values(work, start)
    call = solver.callSolver

    def call_with_start(lp: pulp.LpProblem) -> None:
        columns = sorted(lp.variables(), key=lambda v: v.index)  # HiGHS column order
        set_start(lp.solverModel, [values.get(v.name, 0.0) for v in columns])
        call(lp)

    solver.callSolver = call_with_start
    prob.solve(solver)
    out = pulp_outcome(prob)
    stats = {
        "solver": "highs (pulp)",
        "solver_status": out.solver_status,
        "start": origin,
        "columns": len(prob.variables()),
        "rows": prob.numConstraints(),
    }
    order = None
    if out.has_solution:
        order = [j for _, j in sorted((k, j) for (j, k), var in u.items() if _one(var))]
        if sorted(order) != list(range(instance.n)):
            order = None  # not a permutation: let the certificate say UNKNOWN
    if order is None and out.status is not Status.INFEASIBLE:
        order, status = start, Status.FEASIBLE  # HiGHS kept no solution: the start stands
        stats["fallback"] = "mip start"
    else:
        status = out.status
    bound = None if out.bound is None else _ceil(out.bound) + offset
    if (
        status is Status.OPTIMAL
        and order is not None
        and bound is not None
        and bound < LS.objective(*instance.arrays, order)
    ):
        status = Status.FEASIBLE  # HiGHS stopped on a tolerance, not a proof
    return result(instance, "mip", order, started=started, status=status, bound=bound, stats=stats)


def _var(prob: pulp.LpProblem, name: str, **kwargs: Any) -> pulp.LpVariable:
    """A variable attached to ``prob`` (PuLP >= 3.3 API; plain LpVariable before)."""
    add = getattr(prob, "add_variable", None)
    return add(name, **kwargs) if add is not None else pulp.LpVariable(name, **kwargs)


def _one(var: pulp.LpVariable) -> bool:
    return var.varValue is not None and var.varValue > 0.5


def _ceil(x: float) -> int:
    """Integral data give an integral optimum: round the dual bound up (with tolerance)."""
    import math

    return math.ceil(x - 1e-6)
