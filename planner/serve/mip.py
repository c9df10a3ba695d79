"""The replica-selection MIP (HiGHS via highspy).

Variables: ``n_c`` integer replicas of each usable candidate ``c`` (a layout
in a role, with capacity ``mu_c`` req/s from the queueing model, price
``price_c`` USD/h and ``g_c`` GPUs of pool ``pool_c``), and ``y >= 0`` the
request rate flowing through disaggregated prefill -> decode pools.

Cost objective (a rate ``lam`` is given)::

    min  sum_c price_c n_c
    s.t. sum_{c: both} mu_c n_c + y >= lam                (demand)
         sum_{c: prefill} mu_c n_c - y >= 0               (prefill pool carries y)
         sum_{c: decode}  mu_c n_c - y >= 0               (decode pool carries y)
         sum_{c in pool} g_c n_c <= count_pool            (inventory, every pool)
         0 <= n_c <= floor(count_pool / g_c), integer

The demand and flow rows of a workload are divided by its rate (the same constraints, with
HiGHS's absolute feasibility tolerance made relative to the demand).

Throughput objective (no rate): ``min -E[O] (sum_{both} mu_c n_c + y)``
(output tokens per second, negated) under the same inventory and flow rows,
then a second solve fixes the throughput at its optimum and minimizes cost.

Splitting the traffic in proportion to capacity makes per-replica capacity
additive, which is why the model is linear: a replica is feasible at any
load up to ``mu_c`` because every SLO metric grows with the load.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import highspy
import numpy as np

from planner.core import progress
from planner.core.mip import new_highs, outcome, run_checked
from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.serve.assemble import build_fleet_plan
from planner.serve.candidates import (
    Candidate,
    candidates_within,
    group_key,
    incomplete_reason,
    method_result,
    no_candidate_result,
)
from planner.serve.instance import ServingPlan, ServingProblem

INF = highspy.kHighsInf


def workload_demands(problem: ServingProblem) -> list[tuple[str, float | None]]:
    """``(workload name, requests/s)`` in the order of the flow columns ``y_w``."""
    return [(name, part.traffic.qps) for name, part in problem.parts()]


def _model(
    problem: ServingProblem,
    cands: Sequence[Candidate],
    *,
    objective: str,
    integer: bool = True,
    min_output: float | None = None,
    max_cost: float | None = None,
    max_gpus: float | None = None,
    min_headroom: float | None = None,
) -> highspy.HighsLp:
    """The LP / MIP as a ``HighsLp`` (columns: ``n_c`` for each candidate, then one flow
    ``y_w`` per workload; every workload has its own demand and flow rows, the pools are
    shared). ``objective``: ``cost``, ``throughput``, ``gpus``, ``headroom`` (the most
    requests per second served, colocated capacity plus each workload's prefill-to-decode
    flow, under the demand rows and ``max_cost``: the tie-break among plans of the optimal
    cost) or ``pipeline_gpus`` (the fewest GPUs in pipeline-parallel replicas, serving at
    least ``min_headroom`` requests per second: the last tie-break)."""
    pools = [p.label for p in problem.inventory.pools]
    count = {p.label: p.count for p in problem.inventory.pools}
    n = len(cands)
    demands = workload_demands(problem)
    nw = len(demands)
    eo = problem.traffic.output.mean
    cols: list[list[tuple[int, float]]] = [[] for _ in range(n + nw)]
    row_lo: list[float] = []
    row_hi: list[float] = []

    def add_row(entries: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(row_lo)
        for j, v in entries:
            cols[j].append((r, v))
        row_lo.append(lo)
        row_hi.append(hi)

    y_max = []
    for w, (name, qps) in enumerate(demands):
        mine = [(j, c) for j, c in enumerate(cands) if c.workload == name]
        both = [(j, c.capacity) for j, c in mine if c.role == "both"]
        pre = [(j, c.capacity) for j, c in mine if c.role == "prefill"]
        dec = [(j, c.capacity) for j, c in mine if c.role == "decode"]
        served = [*both, (n + w, 1.0)]
        # the demand and flow rows in units of the demand: HiGHS's feasibility tolerance is
        # absolute (1e-7), so an empty plan "met" 1e-9 req/s and verify rejected it
        demand_rows = objective in ("cost", "gpus", "headroom") and qps is not None
        s = 1.0 / qps if demand_rows and qps else 1.0
        if demand_rows:
            add_row([(j, v * s) for j, v in served], qps * s, INF)
        if min_output is not None:
            add_row(served, min_output, INF)
        add_row([(j, v * s) for j, v in (*pre, (n + w, -1.0))], 0.0, INF)
        add_row([(j, v * s) for j, v in (*dec, (n + w, -1.0))], 0.0, INF)
        if problem.constraints.pd_pairs:  # as many prefill as decode servers of each layout
            for entries in _pair_rows(mine).values():
                add_row(entries, 0.0, 0.0)
        y_max.append(
            sum(c.capacity * (count[c.pool] // c.gpus) for _, c in mine if c.role == "prefill")
        )
    for label in pools:
        entries = [(j, float(c.gpus)) for j, c in enumerate(cands) if c.pool == label]
        if entries:
            add_row(entries, -INF, float(count[label]))
    if max_cost is not None:
        add_row([(j, c.price) for j, c in enumerate(cands)], -INF, max_cost)
    if max_gpus is not None:
        add_row([(j, float(c.gpus)) for j, c in enumerate(cands)], -INF, max_gpus)
    if min_headroom is not None:
        served_all = [(j, c.capacity) for j, c in enumerate(cands) if c.role == "both"]
        add_row([*served_all, *((n + w, 1.0) for w in range(nw))], min_headroom, INF)
    lp = highspy.HighsLp()
    lp.num_col_ = n + nw
    lp.num_row_ = len(row_lo)
    if objective == "cost":
        cost = [c.price for c in cands] + [0.0] * nw
    elif objective == "gpus":
        cost = [float(c.gpus) for c in cands] + [0.0] * nw
    elif objective == "headroom":
        # requests per second served: a colocated replica's capacity, and per workload the flow
        # through its prefill / decode replicas (the smaller side, not their sum)
        cost = [-c.capacity if c.role == "both" else 0.0 for c in cands] + [-1.0] * nw
    elif objective == "pipeline_gpus":
        cost = [float(c.gpus) if c.config.pp > 1 else 0.0 for c in cands] + [0.0] * nw
    else:
        cost = [-eo * c.capacity if c.role == "both" else 0.0 for c in cands] + [-eo] * nw
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.zeros(n + nw)
    upper = [float(count[c.pool] // c.gpus) for c in cands]
    lp.col_upper_ = np.asarray([*upper, *y_max], dtype=float)
    lp.row_lower_ = np.asarray(row_lo, dtype=float)
    lp.row_upper_ = np.asarray(row_hi, dtype=float)
    starts, index, value = [0], [], []
    for col in cols:
        for r, v in col:
            index.append(r)
            value.append(v)
        starts.append(len(index))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.asarray(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(value, dtype=float)
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n + [
            highspy.HighsVarType.kContinuous
        ] * nw
    return lp


def _pair_rows(mine: Sequence[tuple[int, Candidate]]) -> dict[tuple[int, ...], list]:
    """``n_prefill - n_decode`` entries per tp / pp / ep layout (one workload's candidates)."""
    rows: dict[tuple[int, ...], list[tuple[int, float]]] = {}
    for j, c in mine:
        if c.role != "both":
            key = (c.config.tp, c.config.pp, c.config.ep)
            rows.setdefault(key, []).append((j, 1.0 if c.role == "prefill" else -1.0))
    return rows


def _start(
    problem: ServingProblem, cands: Sequence[Candidate], plan: ServingPlan | None
) -> list[float] | None:
    """MIP start from a plan whose groups match candidates (``None`` if one does not)."""
    if plan is None:
        return None
    idx = {c.key: j for j, c in enumerate(cands)}
    counts = [0] * len(cands)
    for g in plan.replicas:
        j = idx.get(group_key(g))
        if j is None:
            return None
        counts[j] += g.count
    return [float(k) for k in counts] + _flows(problem, cands, counts)


def solve_lp(
    problem: ServingProblem, cands: Sequence[Candidate], *, time_limit: float, threads: int
) -> float | None:
    """A rigorous lower bound of the LP relaxation (weak duality from HiGHS's duals, see
    :mod:`planner.core.lp_bound`), or ``None`` if it is infeasible or not solved."""
    h = new_highs(time_limit=time_limit, threads=threads)
    h.passModel(_model(problem, cands, objective=problem.objective, integer=False))
    h.run()
    out = outcome(h)
    return out.bound if out.status is Status.OPTIMAL else None


def _run(h: highspy.Highs, lp: highspy.HighsLp, start: list[float] | None):
    # Prove optimality exactly (HiGHS stops at a 0.01 % relative gap by default).
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.setOptionValue("mip_abs_gap", 1e-9)
    h.passModel(lp)
    return run_checked(h, start)


def solve_mip(
    problem: ServingProblem,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Any | None,
    cands: Sequence[Candidate] | None = None,
    complete: bool = True,
    tie_break: bool = False,
) -> Result:
    """Cheapest plan (or highest throughput) over the candidates, with HiGHS's proven bound.

    Parameters
    ----------
    problem
        The serving problem.
    time_limit, threads, seed
        HiGHS limits.
    hint
        A :class:`ServingPlan` used as MIP start (groups must be candidates).
    cands
        Candidates (computed within 80 % of the time limit when ``None``).
    complete
        Whether ``cands`` holds every layout; when not (or when the time limit
        stopped their computation) the plan is not proven optimal.
    tie_break
        Among plans of the optimal cost, return one of the fewest GPUs that serves the most
        requests per second (:func:`_most_headroom`); otherwise HiGHS's, which depends on the
        columns.
    """
    started = time.perf_counter()
    deadline = Deadline(time_limit)
    if cands is None:
        all_cands, complete = candidates_within(problem, Deadline(deadline.fraction(0.8)))
    else:
        all_cands = list(cands)
    result = _solve(problem, all_cands, deadline, threads, seed, hint, started, tie_break)
    if not complete:
        result.stats["candidates_complete"] = False
        result.bound = None
        if result.status is Status.OPTIMAL:
            result.status = Status.FEASIBLE
        elif result.status is Status.INFEASIBLE:
            result.status = Status.UNKNOWN
        result.reason = incomplete_reason(all_cands, found=result.solution is not None)
    return result


def _solve(
    problem: ServingProblem,
    all_cands: list[Candidate],
    deadline: Deadline,
    threads: int,
    seed: int,
    hint: Any | None,
    started: float,
    tie_break: bool = False,
) -> Result:
    usable = [c for c in all_cands if c.usable]
    stats: dict[str, Any] = {
        "candidates": len(all_cands),
        "usable_candidates": len(usable),
        "objective_kind": problem.objective,
    }
    if not usable:
        return no_candidate_result(problem, "mip", all_cands, started, stats)
    lp = _model(problem, usable, objective=problem.objective)
    h = new_highs(time_limit=deadline.remaining(), threads=threads, seed=seed)
    # throughput is solved as min of its negative: the live line shows tokens/s
    sense = progress.maximising() if problem.objective == "throughput" else nullcontext()
    with sense:
        out = _run(h, lp, _start(problem, usable, hint if isinstance(hint, ServingPlan) else None))
    stats["solver_status"] = out.solver_status
    stats["mip_nodes"] = int(h.getInfo().mip_node_count)
    lp_bound = solve_lp(
        problem, usable, time_limit=max(0.01, deadline.remaining()), threads=threads
    )
    stats["lp_bound"] = lp_bound
    # no plan, or the most throughput is none (was OPTIMAL with no replicas, verified)
    nothing = problem.objective == "throughput" and out.status is Status.OPTIMAL
    if out.status is Status.INFEASIBLE or (nothing and -out.objective <= 0):
        from planner.serve.explain import explain_capacity, explain_nothing, explain_shared

        if out.status is not Status.INFEASIBLE:
            reason = explain_nothing(problem)
        elif problem.shared:
            reason = explain_shared(problem, usable, threads=threads, deadline=deadline)
        else:
            reason = explain_capacity(
                problem, usable, threads=threads, candidates=all_cands, deadline=deadline
            )
        return method_result(problem, "mip", Status.INFEASIBLE, started, stats=stats, reason=reason)
    if not out.has_solution:
        return method_result(
            problem,
            "mip",
            Status.UNKNOWN,
            started,
            bound=out.bound,
            stats=stats,
            reason=f"HiGHS stopped without a solution ({out.solver_status})",
        )
    counts = [round(v) for v in out.values[: len(usable)]]
    status, bound = out.status, out.bound
    if problem.objective == "throughput" and out.status is Status.OPTIMAL and deadline.remaining():
        # Among plans of maximum throughput, take the cheapest (second solve).
        best_output = -out.objective
        flow = best_output / problem.traffic.output.mean
        lp2 = _model(
            problem, usable, objective="cost", min_output=flow * (1 - 1e-9) if flow > 0 else None
        )
        h2 = new_highs(time_limit=max(0.01, deadline.remaining()), threads=threads, seed=seed)
        with progress.muted():  # its objective is $/h, not the tokens/s the user asked for
            out2 = _run(h2, lp2, list(out.values))
        if out2.has_solution:
            counts = [round(v) for v in out2.values[: len(usable)]]
        stats["cost_solver_status"] = out2.solver_status
    cost_optimal = problem.objective == "cost" and out.status is Status.OPTIMAL
    if tie_break and cost_optimal and deadline.remaining():
        with progress.muted():  # GPUs, then headroom: not the $/h the live line shows
            counts = _most_headroom(problem, usable, out.objective, counts, deadline, threads, seed)
    plan = build_fleet_plan(problem, usable, counts)
    if status is Status.OPTIMAL and bound is not None and math.isfinite(bound):
        bound = min(bound, out.objective)
    return method_result(
        problem,
        "mip",
        status,
        started,
        objective=out.objective,
        bound=bound,
        solution=plan,
        stats=stats,
    )


def cheapest_plan(
    problem: ServingProblem, cands: Sequence[Candidate], *, time_limit: float, threads: int = 1
) -> ServingPlan | None:
    """The plan of the cost MIP over the usable ``cands`` (its solution within
    ``time_limit``, optimal or not: an incumbent), or ``None``; no bound, no tie-break.

    ``threads``: the caller's count. This is a serve run's first HiGHS solve, and HiGHS keeps
    the first count for the whole process (:func:`~planner.core.highs_scheduler.highs_threads`):
    with one here, ``--threads 2`` ran every later MIP on one thread (s25review)."""
    usable = [c for c in cands if c.usable]
    if not usable or problem.objective != "cost":
        return None
    h = new_highs(time_limit=time_limit, threads=threads)
    out = _run(h, _model(problem, usable, objective="cost"), None)
    if not out.has_solution:
        return None
    return build_fleet_plan(problem, usable, [round(v) for v in out.values[: len(usable)]])


#: Relative slack on the optimal cost of :func:`_most_headroom`'s plans (float noise; far below
#: a price difference, and below :data:`planner.serve.price_cut.CAP_SLACK`).
TIE_COST_RTOL = 1e-9


def _most_headroom(
    problem: ServingProblem,
    usable: Sequence[Candidate],
    cost: float,
    counts: list[int],
    deadline: Deadline,
    threads: int,
    seed: int,
) -> list[int]:
    """Among the plans of the optimal ``cost``, one of the fewest GPUs; among those, one that
    serves the most requests per second; and among the plans within
    :data:`PIPELINE_HEADROOM_RTOL` of that, one with the fewest GPUs in pipeline-parallel
    replicas (up to three more solves, each started from the last plan; the last plan found
    if a solve finds none).

    Which of several plans of equal cost HiGHS returns depends on its columns and path; a
    second objective makes the plan a function of the problem (and the same whether or not
    layouts no plan as cheap can use are among the columns, :mod:`planner.serve.price_cut`).
    The last one keeps a model that fits one GPU out of pipeline parallelism when replicas
    do as well: ``k`` replicas and one ``pp = k`` replica cost the same, and the model rates
    the pipeline a fraction of a percent higher only because its one queue pools the load
    of ``k`` (no deployment splits an 8B model by PP for that).
    """
    limit = cost * (1.0 + TIE_COST_RTOL)
    best = counts
    max_gpus = None
    # fewest GPUs first: with a pool priced at 0, "most capacity" alone would take all of it
    for objective in ("gpus", "headroom"):
        lp = _model(problem, usable, objective=objective, max_cost=limit, max_gpus=max_gpus)
        h = new_highs(time_limit=max(0.01, deadline.remaining()), threads=threads, seed=seed)
        out = _run(h, lp, [float(v) for v in best] + _flows(problem, usable, best))
        if not out.has_solution:
            return best
        found = [round(v) for v in out.values[: len(usable)]]
        if sum(c.price * k for c, k in zip(usable, found, strict=True)) > limit:
            return best
        best = found
        max_gpus = float(sum(c.gpus * k for c, k in zip(usable, best, strict=True)))
    if not any(c.config.pp > 1 and k for c, k in zip(usable, best, strict=True)):
        return best
    if not deadline.remaining():
        return best
    floor = _headroom(problem, usable, best) * (1.0 - PIPELINE_HEADROOM_RTOL)
    lp = _model(
        problem,
        usable,
        objective="pipeline_gpus",
        max_cost=limit,
        max_gpus=max_gpus,
        min_headroom=floor,
    )
    h = new_highs(time_limit=max(0.01, deadline.remaining()), threads=threads, seed=seed)
    out = _run(h, lp, [float(v) for v in best] + _flows(problem, usable, best))
    if out.has_solution:
        found = [round(v) for v in out.values[: len(usable)]]
        if (
            sum(c.price * k for c, k in zip(usable, found, strict=True)) <= limit
            and _pipeline_gpus(usable, found) < _pipeline_gpus(usable, best)
            and _headroom(problem, usable, found) >= floor * (1.0 - 1e-9)
        ):
            best = found
    return best


#: a pipeline-parallel plan is kept over one without only when it serves more than this
#: fraction more requests per second at the same cost and GPUs (issue 18's 1 % tolerance of
#: "prefer the simpler plan", applied to serving)
PIPELINE_HEADROOM_RTOL = 0.01


def _pipeline_gpus(cands: Sequence[Candidate], counts: list[int]) -> int:
    """GPUs of ``counts`` in replicas with ``pp > 1``."""
    return sum(c.gpus * k for c, k in zip(cands, counts, strict=True) if c.config.pp > 1)


def _headroom(problem: ServingProblem, cands: Sequence[Candidate], counts: list[int]) -> float:
    """Requests per second ``counts`` serve (the ``headroom`` objective's measure)."""
    colocated = sum(c.capacity * k for c, k in zip(cands, counts, strict=True) if c.role == "both")
    return colocated + sum(_flows(problem, cands, counts))


def _flows(problem: ServingProblem, cands: Sequence[Candidate], counts: list[int]) -> list[float]:
    """Each workload's prefill-to-decode flow under ``counts`` (the smaller side's capacity)."""
    flows = []
    for name, _ in workload_demands(problem):
        side = {"prefill": 0.0, "decode": 0.0}
        for c, k in zip(cands, counts, strict=True):
            if c.workload == name and c.role in side:
                side[c.role] += c.capacity * k
        flows.append(min(side.values()))
    return flows


def max_capacity(
    problem: ServingProblem,
    usable: Sequence[Candidate],
    *,
    threads: int = 1,
    time_limit: float = 10.0,
) -> tuple[float, list[int], bool]:
    """Most requests per second the inventory serves within the SLOs, the replica counts, and
    whether that maximum is proven (``False``: the time limit stopped HiGHS, the rate is only
    what its best plan serves, ``0.0`` when it had none)."""
    # the caller's remaining budget (was a fixed 10 s inside a solve of any limit)
    h = new_highs(time_limit=max(0.01, time_limit), threads=threads)
    with progress.muted():  # an explanation's probe: tokens/s, whatever the user's objective
        out = _run(h, _model(problem, usable, objective="throughput"), None)
    proven = out.status is Status.OPTIMAL
    if not out.has_solution:
        return 0.0, [0] * len(usable), proven
    counts = [round(v) for v in out.values[: len(usable)]]
    return -out.objective / problem.traffic.output.mean, counts, proven
