"""Methods of the serving planner: ``mip`` (exact), ``greedy`` (heuristic), ``auto``.

``auto`` runs the greedy heuristic for an incumbent and hands it to the MIP
as a start; the MIP's proven bound certifies the answer (the replica MIP is
small, so it closes the gap in milliseconds on realistic inventories).
"""

from __future__ import annotations

import time
from typing import Any

from planner.core.family import Method, no_warmup
from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.serve.candidates import Candidate, candidates_within
from planner.serve.heuristics import solve_greedy
from planner.serve.instance import ServingPlan, ServingProblem
from planner.serve.price_cut import priced_candidates


def solve_mip(
    problem: ServingProblem,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Any | None,
    cands: list[Candidate] | None = None,
    complete: bool = True,
    tie_break: bool = False,
) -> Result:
    """Method ``mip`` (:func:`planner.serve.mip.solve_mip`; HiGHS is imported on first use)."""
    from planner.serve.mip import solve_mip as run

    return run(
        problem,
        time_limit=time_limit,
        threads=threads,
        seed=seed,
        hint=hint,
        cands=cands,
        complete=complete,
        tie_break=tie_break,
    )


#: Price out layouts no plan as cheap as an incumbent can use (:mod:`planner.serve.price_cut`)
#: and break ties among equal-cost optimal plans (``solve_mip(tie_break=True)``). On (the
#: default since the sixteenth session): the Mixtral 3x3 fleet search takes ~1/5 of the CPU
#: with the same costs and bounds, and among several plans of the optimal cost one of the
#: fewest GPUs that serves the most requests is returned, whatever HiGHS's column order.
#: Off: every layout is evaluated and the plan among equal-cost optima is HiGHS's (as before).
PRICE_CUT = True


def solve_auto(
    problem: ServingProblem, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Result:
    """Greedy incumbent, then the MIP warm-started from it (or from ``hint``)."""
    started = time.perf_counter()
    deadline = Deadline(time_limit)
    within = Deadline(deadline.fraction(0.8))
    if PRICE_CUT:
        # layouts too expensive for any plan as cheap as a first incumbent are not
        # evaluated (planner.serve.price_cut): the same optimum and, with the MIP's
        # tie-break, the same plan as over every layout
        cands, complete, cut = priced_candidates(problem, within, threads=threads)
    else:
        (cands, complete), cut = candidates_within(problem, within), {}
    greedy = solve_greedy(
        problem,
        time_limit=time_limit,
        threads=threads,
        seed=seed,
        hint=None,
        cands=cands,
        complete=complete,
    )
    if greedy.status is Status.INFEASIBLE:
        greedy.method = "auto"
        return greedy
    start = hint if isinstance(hint, ServingPlan) else greedy.solution
    result = solve_mip(
        problem,
        time_limit=max(0.05, deadline.remaining()),
        threads=threads,
        seed=seed,
        hint=start,
        cands=cands,
        complete=complete,
        tie_break=PRICE_CUT,
    )
    result.method = "auto"
    result.stats.update(cut)
    result.stats["greedy_plan_gpus"] = greedy.solution.gpus if greedy.solution else None
    if not result.has_solution and result.status is not Status.INFEASIBLE and greedy.solution:
        result.solution = greedy.solution
        result.status = Status.FEASIBLE
        result.objective = None
    result.runtime_s = time.perf_counter() - started
    return result


# no warm-up before the clock: the laws load their compiled loops on demand, once a process
# has evaluated enough of them to earn the load back (planner.serve.queueing.KERNELS_AFTER)
METHODS = {
    "mip": Method(
        "mip",
        solve_mip,
        "exact",
        "replica-count MIP over candidate layouts (HiGHS), proven optimal",
        warmup=no_warmup,
    ),
    "greedy": Method(
        "greedy",
        solve_greedy,
        "heuristic",
        "cheapest capacity first, then drop unneeded replicas",
        proves_infeasibility=True,  # INFEASIBLE only when no candidate layout meets the SLOs
        warmup=no_warmup,
    ),
    "auto": Method("auto", solve_auto, "portfolio", "greedy start, then the MIP", warmup=no_warmup),
}
