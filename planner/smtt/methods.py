"""The SMTT methods table: constructive rules, local search, exact models and ``auto``.

Every method has the signature ``f(instance, *, time_limit, threads, seed, hint)``
and returns a :class:`~planner.core.result.Result`; ``planner.solve``
certifies it (objective recomputed, order verified, cheap bound added).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from planner.core.family import Method, no_warmup
from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.smtt import heuristics as H
from planner.smtt import local_search as LS
from planner.smtt import warmup as W
from planner.smtt.bounds import lower_bound
from planner.smtt.decomposition import decompose
from planner.smtt.instance import Instance
from planner.smtt.quick import best_atc, hint_order, incumbent, result
from planner.smtt.reduce import reduce_due_dates

Rule = Callable[[np.ndarray, np.ndarray, np.ndarray, Deadline], list[int]]

#: Largest n for which ``auto`` calls the exact algorithm (beyond: local search only).
EXACT_MAX_N_UNWEIGHTED = 2000
EXACT_MAX_N_WEIGHTED = 300
#: Weighted instances above this size reach the exact stage only with at least
#: :data:`WEIGHTED_EXACT_MIN_BUDGET` seconds left: its CP-SAT proof rarely closes such
#: instances (wt40 at 10 s: 32/125 proven), so a short budget goes to local search.
WEIGHTED_EXACT_SMALL_N = 60
WEIGHTED_EXACT_MIN_BUDGET = 30.0
#: Largest share of ``auto``'s budget for the quick starts (MDD, MDDC or ATC, decomposition).
HEURISTIC_SHARE = 0.4
#: ... and of the ``ls`` / ``ils`` budget (the rest goes to the search).
START_SHARE = 0.5
#: Share of the remaining budget for iterated local search before the exact stage (weighted).
WEIGHTED_ILS_SHARE = 0.5
#: ... and at most this many kicks per job, so small instances reach the exact stage at once.
WEIGHTED_KICKS_PER_JOB = 50
#: Unweighted instances up to this size go to the exact stage first, with
#: :data:`EXACT_SHARE` of the remaining budget (the rest goes to iterated local search
#: when it does not finish); larger ones get :data:`LARGE_ILS_SHARE` of iterated local
#: search first and the exact stage after.
EXACT_FIRST_MAX_N = 200
EXACT_SHARE = 0.35
LARGE_ILS_SHARE = 0.6
#: ... but at most this many seconds of it, so long budgets go to the exact stage.
LARGE_ILS_MAX_S = 1.5


def _cut(rule: Callable[..., list[int]]) -> Rule:
    """An unweighted rule that stops at its deadline (and finishes by EDD)."""
    return lambda p, d, w, deadline: rule(p, d, deadline)


#: Constructive rules by method name: (rule, summary). Rules without weights ignore them; each
#: stops at its deadline and finishes its order by EDD (see :mod:`.heuristics`).
RULES: dict[str, tuple[Rule, str]] = {
    "edd": (lambda p, d, w, deadline: H.edd(p, d), "earliest due date (ties: index)"),
    "spt": (lambda p, d, w, deadline: H.spt(p, d), "shortest processing time (ties: EDD)"),
    "mdd": (_cut(H.mdd), "modified due date, Baker-Bertrand 1982"),
    "atc": (best_atc, "apparent tardiness cost (weighted; best k)"),
    "psk": (_cut(H.psk), "Panwalkar-Smith-Koulamas 1993"),
    "eddc": (_cut(H.eddc), "EDD Challenger (LLM-discovered, published code)"),
    "mddc": (_cut(H.mddc), "MDD Challenger (LLM-discovered, published code)"),
    "aug-mdd": (_cut(H.aug_mdd), "MDD + best move-to-end after each append"),
    "aug-mddc": (_cut(H.aug_mddc), "MDDC + best move-to-end after each append"),
    "dec": (_cut(decompose), "Lawler decomposition, MDD-evaluated splits"),
}


Build = Callable[[Instance, Deadline, int, Any], tuple[list[int], dict[str, Any]]]


def _method(name: str, doc: str, build: Build) -> Callable[..., Result]:
    """A method whose ``build(instance, deadline, seed, hint)`` returns an order and stats."""

    def run(
        instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
    ) -> Result:
        started = time.perf_counter()
        order, stats = build(instance, Deadline(time_limit), seed, hint)
        return result(instance, name, order, started=started, stats=stats)

    run.__name__ = f"method_{name.replace('-', '_')}"
    run.__doc__ = doc
    return run


def _rule(rule: Rule) -> Build:
    """One constructive rule (stopped at the deadline and finished by EDD)."""

    def build(instance: Instance, deadline: Deadline, seed: int, hint: Any) -> tuple:
        order = rule(*instance.arrays, deadline)
        # the rule stopped at the deadline and finished by EDD (a rule that ends just then too)
        return order, ({"finished_by": "edd at the deadline"} if deadline.expired() else {})

    return build


def _search(iterated: bool) -> Build:
    """``ls`` (one dynasearch descent) or ``ils`` (iterated local search), from the best quick
    start, until the time limit (``ils``: or until the cheap lower bound is reached)."""

    def build(instance: Instance, deadline: Deadline, seed: int, hint: Any) -> tuple:
        p, d, w = instance.arrays
        quick = Deadline(deadline.fraction(START_SHARE))
        start, origin = incumbent(instance, hint, deadline=quick, with_dec=True)
        stats = LS.SearchStats()
        if iterated:
            lower = lower_bound(instance)
            order, _ = LS.iterated_local_search(
                p, d, w, start, deadline=deadline, seed=seed, lower=lower, stats=stats
            )
        else:
            order, _ = LS.descent(p, d, w, start, deadline=deadline, stats=stats)
        return order, {"start": origin, **stats.as_dict()}

    return build


method_ls = _method("ls", "Dynasearch descent from the best quick start.", _search(False))
method_ils = _method("ils", "Iterated local search from the best quick start.", _search(True))


def method_mip(
    instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Result:
    """Positional MIP (Keha et al. 2009) via PuLP/HiGHS, MIP start from the best quick start."""
    clock = Deadline(time_limit)  # importing PuLP and HiGHS counts against the limit
    from planner.smtt.mip import solve_mip

    left = clock.remaining()
    return solve_mip(instance, time_limit=left, threads=threads, seed=seed, hint=hint)


def method_cpsat(
    instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Result:
    """CP-SAT: intervals + no-overlap, hinted with the best quick start."""
    clock = Deadline(time_limit)  # importing OR-Tools counts against the limit
    from planner.smtt.cpsat import solve_cpsat

    left = clock.remaining()
    return solve_cpsat(instance, time_limit=left, threads=threads, seed=seed, hint=hint)


def run_exact(
    instance: Instance, *, time_limit: float, threads: int, upper_order: list[int] | None
) -> Any:
    """Call the dedicated exact algorithm of :mod:`planner.smtt.exact` for this instance."""
    from planner.smtt.exact import solve_unweighted, solve_weighted

    # due dates far outside [0, P] overflowed the kernel (d = -2**60); the reduction is exact
    work, offset = reduce_due_dates(instance)
    p, d, w = work.arrays
    if instance.weighted:
        outcome = solve_weighted(
            p, d, w, time_limit=time_limit, threads=threads, upper_order=upper_order
        )
    else:
        outcome = solve_unweighted(p, d, time_limit=time_limit, upper_order=upper_order)
    if offset:
        objective = None if outcome.objective is None else outcome.objective + offset
        outcome = dataclasses.replace(outcome, bound=outcome.bound + offset, objective=objective)
    return outcome


def _exact_result(instance: Instance, method: str, outcome: Any, **kwargs: Any) -> Result:
    status = Status.OPTIMAL if outcome.optimal else Status.FEASIBLE
    stats = dict(outcome.stats)
    stats.update(kwargs.pop("extra", {}))
    return result(
        instance,
        method,
        None if outcome.order is None else list(outcome.order),
        status=status,
        bound=outcome.bound,
        stats=stats,
        **kwargs,
    )


def method_exact(
    instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Result:
    """Dedicated exact algorithm (Branch & Memorize unweighted; weighted: see planner.smtt.exact)."""
    started = time.perf_counter()
    outcome = run_exact(
        instance,
        time_limit=time_limit,
        threads=threads,
        upper_order=hint_order(instance, hint),
    )
    return _exact_result(instance, "exact", outcome, started=started)


def method_auto(
    instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Result:
    """Portfolio: heuristic incumbent, improvement, then the exact algorithm warm-started.

    1. quick rules (MDD, MDDC or ATC, the hint); unweighted: also the Lawler-decomposition
       heuristic (at most :data:`HEURISTIC_SHARE` of the budget); a compiled insertion +
       swap descent from the best;
    2. weighted, or more than :data:`EXACT_FIRST_MAX_N` jobs, or too large for the exact
       stage: iterated local search (:data:`WEIGHTED_ILS_SHARE` /
       :data:`LARGE_ILS_SHARE` of the remaining budget, at most :data:`LARGE_ILS_MAX_S`
       seconds for unweighted, or all of it without an exact stage);
    3. the exact algorithm of :mod:`planner.smtt.exact` warm-started from the incumbent
       (small unweighted: :data:`EXACT_SHARE` of the remaining budget, else all of it;
       skipped beyond :data:`EXACT_MAX_N_UNWEIGHTED` / :data:`EXACT_MAX_N_WEIGHTED` jobs);
    4. iterated local search for whatever time is left, unless optimality is proven.

    Returns the best verified order found and the best proven bound.
    """
    started = time.perf_counter()
    deadline = Deadline(time_limit)
    p, d, w = instance.arrays
    lb = lower_bound(instance)
    order, origin = incumbent(
        instance, hint, deadline=Deadline(deadline.fraction(HEURISTIC_SHARE)), with_dec=True
    )
    value = LS.objective(p, d, w, order)
    info: dict[str, Any] = {"start": origin}
    if value > lb:
        order, value = LS.fast_descent(p, d, w, order, deadline=deadline)
    info["descent_objective"] = value
    stats = LS.SearchStats()
    exact_ok = instance.n <= (EXACT_MAX_N_WEIGHTED if instance.weighted else EXACT_MAX_N_UNWEIGHTED)
    if instance.weighted and instance.n > WEIGHTED_EXACT_SMALL_N:
        exact_ok = exact_ok and deadline.remaining() >= WEIGHTED_EXACT_MIN_BUDGET
    # small unweighted instances go straight to the exact stage; otherwise iterated local
    # search first, so its share is safe whatever the exact stage does with the rest
    large = instance.n > EXACT_FIRST_MAX_N
    if value > lb and (instance.weighted or large or not exact_ok) and not deadline.expired():
        if not exact_ok:
            share, kicks = 1.0, None
        elif instance.weighted:
            share, kicks = WEIGHTED_ILS_SHARE, WEIGHTED_KICKS_PER_JOB * instance.n
        else:
            share, kicks = LARGE_ILS_SHARE, None
        slice_s = deadline.fraction(share)
        if exact_ok and not instance.weighted:
            slice_s = min(slice_s, LARGE_ILS_MAX_S)  # long budgets go to the exact stage
        order, value = LS.iterated_local_search(
            p,
            d,
            w,
            order,
            deadline=Deadline(slice_s),
            seed=seed,
            lower=lb,
            max_kicks=kicks,
            stats=stats,
        )
    bound = lb
    status = Status.FEASIBLE
    if value > lb and exact_ok and not deadline.expired():
        share = 1.0 if instance.weighted or large else EXACT_SHARE
        outcome = run_exact(
            instance, time_limit=deadline.fraction(share), threads=threads, upper_order=order
        )
        info["exact"] = outcome.stats
        bound = max(bound, outcome.bound)
        if outcome.order is not None:
            exact_value = LS.objective(p, d, w, outcome.order)
            if exact_value < value or (outcome.optimal and exact_value == value):
                order, value = list(outcome.order), exact_value
        if outcome.optimal and value == outcome.bound:
            status = Status.OPTIMAL
    if value <= bound:
        status = Status.OPTIMAL
    elif not deadline.expired():
        order, value = LS.iterated_local_search(
            p, d, w, order, deadline=deadline, seed=seed + 1, lower=bound, stats=stats
        )
    info.update(stats.as_dict())
    return result(instance, "auto", order, started=started, status=status, bound=bound, stats=info)


def _methods() -> dict[str, Method]:
    table = {
        name: Method(
            name,
            _method(name, f"Constructive rule {name!r}.", _rule(rule)),
            "heuristic",
            summary,
            warmup=no_warmup,  # numpy only
        )
        for name, (rule, summary) in RULES.items()
    }
    table["ls"] = Method(
        "ls",
        method_ls,
        "heuristic",
        "dynasearch descent: swaps + insertions",
        warmup=W.warm_local_search,
    )
    table["ils"] = Method(
        "ils",
        method_ils,
        "heuristic",
        "iterated local search: kicks + compiled descent",
        warmup=W.warm_local_search,
    )
    table["mip"] = Method(
        "mip",
        method_mip,
        "exact",
        "positional MIP (Keha et al. 2009), HiGHS",
        warmup=W.warm_mip,
    )
    table["cpsat"] = Method(
        "cpsat", method_cpsat, "exact", "CP-SAT intervals + no-overlap", warmup=W.warm_cpsat
    )
    table["exact"] = Method(
        "exact",
        method_exact,
        "exact",
        "Branch & Memorize (1||ΣTj); CP-SAT-based (weighted)",
        warmup=W.warm_exact,
        warmup_for=W.exact_path_loads,
    )
    table["auto"] = Method(
        "auto",
        method_auto,
        "portfolio",
        "heuristic + dynasearch, then exact warm-started",
        warmup_for=W.exact_path_loads,
    )
    return table


METHODS: dict[str, Method] = _methods()
