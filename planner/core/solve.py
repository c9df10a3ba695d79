"""``solve()``: method dispatch, time limits and certification of every result."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from planner.core.family import Family, family_of, warm_up
from planner.core.result import Result, Status

log = logging.getLogger("planner")

#: Relative tolerance when comparing objectives and bounds.
TOL = 1e-6


def solve(
    instance: Any,
    method: str = "auto",
    *,
    time_limit: float = 10.0,
    threads: int = 1,
    seed: int = 0,
    hint: Any | None = None,
) -> Result:
    """Solve any family's instance with a named method and certify the answer.

    Parameters
    ----------
    instance
        An instance of a registered family (``planner.smtt.Instance``, ...).
    method
        Method name; ``"auto"`` is every family's portfolio (heuristic
        incumbent, then the exact model warm-started from it).
    time_limit
        Wall-clock seconds the method may use.
    threads
        Worker threads for solvers that parallelize (CP-SAT, HiGHS).
    seed
        Random seed for randomized methods and solvers.
    hint
        Optional family solution used as a warm start.

    Notes
    -----
    The first call in a process also loads the family's compiled kernels
    (numba; compiled once per installation, which can take a minute, or ahead
    of time with ``planner warmup``). That one-time cost is not counted
    against ``time_limit`` nor in ``runtime_s``.

    Returns
    -------
    Result
        Certified: the objective is recomputed by the family's ``evaluate``,
        the solution checked by its independent ``verify`` (a rejected solution
        is dropped and the status downgraded), and the bound is the best of the
        method's bound and the family's ``lower_bound``.
    """
    family = family_of(instance)
    func = family.method(method).func
    warm_up(family)  # one-time JIT loading is not part of any method's budget
    start = time.perf_counter()
    result = func(instance, time_limit=time_limit, threads=threads, seed=seed, hint=hint)
    runtime = time.perf_counter() - start
    result.runtime_s = max(result.runtime_s, runtime)
    if runtime > time_limit + max(1.0, 0.1 * time_limit):
        # Limits are a promise to the caller; record overruns so benchmarks expose them.
        result.stats["time_limit_exceeded_s"] = round(runtime - time_limit, 3)
        log.warning(
            "%s: %s ran %.2f s over its %.2f s limit",
            result.instance,
            method,
            runtime - time_limit,
            time_limit,
        )
    return certify(family, instance, result)


def certify(family: Family, instance: Any, result: Result) -> Result:
    """Check a method's result independently and fix up objective, bound and status.

    Applied by :func:`solve` to every result; exposed for methods that combine
    others (portfolios) and for checking saved solutions.
    """
    result.family = family.name
    result.instance = getattr(instance, "name", result.instance)
    bound = result.bound
    try:
        cheap = family.lower_bound(instance)
    except Exception:  # a bound is an optional extra; never lose the solution over it
        log.exception("lower_bound failed on %s", result.instance)
        cheap = None
    if cheap is not None and math.isfinite(cheap) and (bound is None or cheap > bound):
        bound = cheap
    result.bound = bound

    if result.solution is not None and result.status is not Status.INFEASIBLE:
        violations = family.verify(instance, result.solution)
        if violations:
            result.stats["violations"] = violations[:20]
            result.stats["rejected_objective"] = result.objective
            result.solution = None
            result.objective = None
            result.verified = False
            result.status = Status.UNKNOWN
            result.reason = f"solution rejected by verify: {violations[0]}"
            log.error("%s/%s: %s", result.instance, result.method, result.reason)
        else:
            objective = float(family.evaluate(instance, result.solution))
            if result.objective is not None and not _close(result.objective, objective):
                result.stats["objective_reported"] = result.objective
            result.objective = objective
            result.verified = True
            if result.status is Status.UNKNOWN:
                result.status = Status.FEASIBLE
    elif result.status in (Status.OPTIMAL, Status.FEASIBLE):
        result.status = Status.UNKNOWN
        result.objective = None
        result.reason = result.reason or "method reported a solution but returned none"

    if result.objective is not None and result.bound is not None:
        if result.bound > result.objective + TOL * max(1.0, abs(result.objective)):
            # A bound above a feasible objective is a bug in a bound; keep the evidence.
            result.stats["invalid_bound"] = result.bound
            log.error(
                "%s/%s: bound %s above objective %s",
                result.instance,
                result.method,
                result.bound,
                result.objective,
            )
            result.bound = result.objective if result.status is Status.OPTIMAL else cheap
        elif _close(result.bound, result.objective):
            result.status = Status.OPTIMAL
    if result.status is Status.OPTIMAL and result.objective is not None:
        result.bound = result.objective  # the method proved it; the cheap bound may be weaker
    if result.status is Status.INFEASIBLE:
        result.solution, result.objective, result.bound = None, None, None
        result.reason = result.reason or "proven infeasible"
    return result


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))
