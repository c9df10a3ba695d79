"""The ``METHODS`` table of the RCPSP family (heuristics from :mod:`planner.rcpsp.heuristics`)."""

from __future__ import annotations

from planner.core.family import Method
from planner.core.result import Result, Status
from planner.rcpsp.auto import solve_auto
from planner.rcpsp.bounds import lower_bound
from planner.rcpsp.cpsat import solve_cpsat
from planner.rcpsp.evaluate import makespan
from planner.rcpsp.feasibility import infeasibility_reason
from planner.rcpsp.heuristics.methods import HEURISTICS
from planner.rcpsp.instance import Instance, Solution
from planner.rcpsp.sgs_basic import lft_schedule


def sgs_basic(
    instance: Instance,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Solution | None = None,
) -> Result:
    """Serial schedule generation with the LFT priority rule (one pass, no improvement)."""
    reason = infeasibility_reason(instance)
    if reason is not None:
        return Result("rcpsp", instance.name, "sgs-basic", Status.INFEASIBLE, reason=reason)
    sol = lft_schedule(instance)
    if sol is None:
        return Result(
            "rcpsp",
            instance.name,
            "sgs-basic",
            Status.UNKNOWN,
            bound=lower_bound(instance),
            reason="serial SGS broke a deadline or a maximal time lag",
        )
    return Result(
        "rcpsp",
        instance.name,
        "sgs-basic",
        Status.FEASIBLE,
        objective=float(makespan(instance, sol.start)),
        bound=lower_bound(instance),
        solution=sol,
    )


def cpsat(
    instance: Instance,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Solution | None = None,
) -> Result:
    """CP-SAT with every strengthening on (see :mod:`planner.rcpsp.model`)."""
    return solve_cpsat(instance, time_limit=time_limit, threads=threads, seed=seed, hint=hint)


def cpsat_plain(
    instance: Instance,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Solution | None = None,
) -> Result:
    """CP-SAT on the bare model: no redundant constraints, no heuristic hint (for comparison)."""
    res = solve_cpsat(
        instance,
        time_limit=time_limit,
        threads=threads,
        seed=seed,
        hint=hint,
        options="-makespan_interval,-transitive_precedences,-delays,-energetic_cuts,"
        "-tight_domains,-lower_bound",
        use_heuristic_hint=False,
    )
    res.method = "cpsat-plain"
    return res


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method(
            "auto",
            solve_auto,
            "portfolio",
            "checks, heuristic incumbent, then CP-SAT warm-started (LNS beyond a size threshold)",
        ),
        Method(
            "cpsat", cpsat, "exact", "CP-SAT: intervals + cumulative + lags, all strengthening on"
        ),
        Method("cpsat-plain", cpsat_plain, "exact", "CP-SAT on the bare model (no cuts, no hint)"),
        # heuristics run the family's infeasibility proofs first (planner.rcpsp.feasibility)
        Method(
            "sgs-basic",
            sgs_basic,
            "heuristic",
            "serial SGS with LFT priority, one pass",
            proves_infeasibility=True,
        ),
        *(
            Method(name, func, "heuristic", summary, proves_infeasibility=True)
            for name, (func, summary) in HEURISTICS.items()
        ),
    )
}
