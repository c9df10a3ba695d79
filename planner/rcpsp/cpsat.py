"""Exact method: the CP-SAT model of :mod:`planner.rcpsp.model`, with checks, bounds and a hint.

``solve_cpsat`` runs, in order: the quick infeasibility checks (a reason → INFEASIBLE), the
cheap lower bounds, a hint (the given one, else the serial LFT schedule; stop if it meets the
bound), the fork/join delay sub-problems when that switch is on (a share of the budget), then
the model. The certificate's bound is the best of the solver's bound and the computed ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.core import cpsat as cps
from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.rcpsp.bounds import lower_bound
from planner.rcpsp.delays import fork_join_delays
from planner.rcpsp.evaluate import makespan, verify
from planner.rcpsp.feasibility import explain_infeasibility, infeasibility_reason
from planner.rcpsp.instance import Instance, Solution
from planner.rcpsp.model import BuildTimeout, ModelOptions, build
from planner.rcpsp.network import distances

#: CP-SAT parameters on top of the defaults. Measured on hard j30/j60 instances (see
#: ``bench/rcpsp_tune.py``): the extra cumulative propagators (overload checker, time-table edge
#: finding, hard precedences) slowed proofs down 2-4x, so the defaults stay.
SCHEDULING_PARAMS: dict[str, Any] = {}


def solve_cpsat(
    instance: Instance,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Solution | None = None,
    options: ModelOptions | str | Mapping[str, bool] | None = None,
    params: Mapping[str, Any] | None = None,
    upper_from_hint: bool = False,
    delay_share: float = 0.1,
    use_heuristic_hint: bool = True,
    lower: int = 0,
    name: str = "cpsat",
) -> Result:
    """Solve with CP-SAT.

    Parameters
    ----------
    instance
        The instance.
    time_limit, threads, seed
        Budget in seconds, CP-SAT workers, random seed.
    hint
        A schedule to warm-start from (used only if it verifies).
    options
        Model strengthening switches (:class:`ModelOptions`, or a spec like ``"-delays"``).
    params
        CP-SAT parameters overriding :data:`SCHEDULING_PARAMS`.
    upper_from_hint
        Cap the horizon at the hint's makespan (smaller model; the hint stays feasible).
    delay_share
        Share of the budget for the fork/join delay sub-problems.
    use_heuristic_hint
        Without a ``hint``, start from the serial LFT schedule.
    lower
        A lower bound proven elsewhere (e.g. by an earlier run).
    name
        Method name recorded in the result.
    """
    clock = Deadline(time_limit)
    opts = options if isinstance(options, ModelOptions) else ModelOptions.parse(options)
    reason = infeasibility_reason(instance)
    if reason is not None:
        return Result("rcpsp", instance.name, name, Status.INFEASIBLE, reason=reason)
    lb = max(int(lower_bound(instance)), int(lower))
    stats: dict[str, Any] = {"lower_bound": lb}
    if hint is not None and verify(instance, hint, limit=1):
        stats["hint_rejected"] = True
        hint = None
    if hint is None and use_heuristic_hint:
        from planner.rcpsp.heuristics.sgs import lft_schedule  # the compiled kernels

        hint = lft_schedule(instance)
        stats["hint"] = "lft" if hint is not None else "none"
    else:
        stats["hint"] = "given"
    ub = makespan(instance, hint.start) if hint is not None else None
    stats["hint_makespan"] = ub
    if ub is not None and ub == lb:
        return Result(
            "rcpsp",
            instance.name,
            name,
            Status.OPTIMAL,
            objective=ub,
            bound=lb,
            solution=hint,
            stats=stats,
        )
    delays: dict[tuple[int, int], int] = {}
    try:
        if clock.expired():
            # the checks, bound and hint used the limit (3,000 jobs at -t 1): the distance
            # matrix's copy and the model's first steps cost 0.1-0.2 CPU s more (s29limits)
            raise BuildTimeout("time limit reached while building the CP-SAT model (distances)")
        dist = distances(instance)
        if opts.delays and instance.num_jobs > 3:
            delays = fork_join_delays(
                instance, dist, time_limit=clock.fraction(delay_share), seed=seed
            )
            stats["delay_pairs"] = len(delays)
        model = build(
            instance,
            dist,
            options=opts,
            upper=ub if (upper_from_hint and ub is not None) else None,
            lower=lb,
            delays=delays,
            deadline=clock,
        )
    except BuildTimeout as exc:  # the heuristic hint, if any, is the answer: no solve started
        stats["model_not_built"] = str(exc)
        return Result(
            "rcpsp",
            instance.name,
            name,
            Status.FEASIBLE if hint is not None else Status.UNKNOWN,
            objective=None if ub is None else int(ub),
            bound=lb,
            solution=hint,
            stats=stats,
            reason=f"{exc}; " + ("the heuristic schedule" if hint is not None else "no schedule"),
        )
    stats.update(model.stats)
    if hint is not None:
        model.hint(hint.start, instance.durations)
    merged = _enum_values({**SCHEDULING_PARAMS, **(params or {})})
    solver = cps.make_solver(
        time_limit=clock.remaining(),
        threads=threads,
        seed=seed,
        params={k: v for k, v in merged.items() if not isinstance(v, list)},
    )
    for key, values in merged.items():
        if isinstance(values, list):  # repeated fields (e.g. subsolvers) cannot be assigned
            getattr(solver.parameters, key).extend(values)
    out = cps.run(model.cp, solver)
    stats.update(cps.stats_of(out))
    if out.status is Status.INFEASIBLE:
        return Result(
            "rcpsp",
            instance.name,
            name,
            Status.INFEASIBLE,
            reason=explain_infeasibility(
                instance, time_limit=min(2.0, max(0.2, clock.remaining()))
            ),
            stats=stats,
        )
    bound = lb if out.bound is None else max(lb, cps.integral_bound(out.bound))
    if out.has_solution:
        sol = Solution(tuple(solver.value(s) for s in model.starts))
        return Result(
            "rcpsp",
            instance.name,
            name,
            out.status,
            objective=makespan(instance, sol.start),
            bound=int(bound),
            solution=sol,
            stats=stats,
        )
    if hint is not None:  # the solver returned nothing better within the budget
        return Result(
            "rcpsp",
            instance.name,
            name,
            Status.FEASIBLE,
            objective=int(ub),
            bound=int(bound),
            solution=hint,
            stats=stats,
        )
    invalid = stats.get("solver_status") == "MODEL_INVALID"
    return Result(
        "rcpsp",
        instance.name,
        name,
        Status.UNKNOWN,
        bound=int(bound),
        stats=stats,
        # a modelling bug, not a search that ran out of time: say so (s16audit)
        reason=f"CP-SAT rejected the model as invalid ({model.cp.validate()[:200]})"
        if invalid
        else "no schedule found within the time limit",
    )


def _enum_values(params: Mapping[str, Any]) -> dict[str, Any]:
    """Enum parameters given by name (``"FIXED_SEARCH"``) become the solver's enum values."""
    from ortools.sat.python import cp_model_helper

    out = {}
    for key, value in params.items():
        if isinstance(value, str) and hasattr(cp_model_helper.SatParameters, value):
            value = getattr(cp_model_helper.SatParameters, value)
        out[key] = value
    return out
