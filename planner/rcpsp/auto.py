"""``auto``: quick checks, a heuristic incumbent, then CP-SAT warm-started from it.

Small and medium instances go to the exact model for the remaining time, hinted with the best
heuristic schedule. The certificate's bound is the best of the solver's and the cheap bounds.
"""

from __future__ import annotations

from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.rcpsp.cpsat import solve_cpsat
from planner.rcpsp.evaluate import makespan, verify
from planner.rcpsp.feasibility import infeasibility_reason
from planner.rcpsp.instance import Instance, Solution
from planner.rcpsp.sgs_basic import lft_schedule


def solve_auto(
    instance: Instance,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Solution | None = None,
) -> Result:
    """Portfolio: infeasibility checks → heuristic incumbent → CP-SAT warm-started from it."""
    clock = Deadline(time_limit)
    reason = infeasibility_reason(instance)
    if reason is not None:
        return Result("rcpsp", instance.name, "auto", Status.INFEASIBLE, reason=reason)
    incumbent = _best(instance, [hint, lft_schedule(instance)])
    res = solve_cpsat(
        instance,
        time_limit=clock.remaining(),
        threads=threads,
        seed=seed,
        hint=incumbent,
        name="auto",
    )
    res.stats["incumbent_makespan"] = (
        None if incumbent is None else makespan(instance, incumbent.start)
    )
    return res


def _best(instance: Instance, candidates: list[Solution | None]) -> Solution | None:
    """The feasible candidate with the smallest makespan."""
    ok = [c for c in candidates if c is not None and not verify(instance, c, limit=1)]
    return min(ok, key=lambda c: makespan(instance, c.start), default=None)
