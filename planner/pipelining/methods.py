"""The pipelining methods table: ``exact`` (joint CP-SAT), ``ims`` (Rau + greedy warps), ``auto``.

Every method has the signature ``f(instance, *, time_limit, threads, seed, hint)``
and returns a :class:`~planner.core.result.Result`; ``planner.solve``
certifies it. The solver modules are imported inside the functions so that
importing the family stays cheap.
"""

from __future__ import annotations

from typing import Any

from planner.core.family import Method, no_warmup
from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.pipelining.evaluate import encode
from planner.pipelining.instance import Instance, Solution

#: Loops with more ops than this get only the heuristic in ``auto``.
AUTO_EXACT_MAX_OPS = 120
#: ``auto``'s IMS warm start: at most this share of the budget (and this many seconds) for its
#: first schedule, galloping over ii from the start (a schedule at some ii soon beats the
#: first ii that works late); then it walks back over the skipped ii until
#: :data:`AUTO_IMS_REFINE_SHARE` of the budget (at most :data:`AUTO_IMS_REFINE_MAX_S`), and
#: the exact stage gets the rest. Was: ii by ii for up to 40 % (5 s), so on a 100-op loop
#: at -t 10 the exact stage's 6 s found nothing where ``exact`` alone found ii 65 in 8.9 s,
#: and ``auto`` returned IMS's ii 83 (s25scale, load 4.5).
AUTO_IMS_SHARE = 0.4
AUTO_IMS_MAX_S = 5.0
AUTO_IMS_REFINE_SHARE = 0.15
AUTO_IMS_REFINE_MAX_S = 2.0


def exact(
    instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Result:
    """Joint CP-SAT model, ``ii`` by ``ii`` from the lower bound, then the shortest schedule."""
    from planner.pipelining.exact import solve_exact

    return solve_exact(
        instance, time_limit=time_limit, threads=threads, seed=seed, hint=_as_solution(hint)
    )


def ims(
    instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Result:
    """Rau's iterative modulo scheduling with greedy warp-group assignment."""
    return _ims_result(instance, time_limit=time_limit)


def _ims_result(instance: Instance, *, time_limit: float, **options: Any) -> Result:
    """:func:`planner.pipelining.ims.ims` (``options`` passed on) as a Result."""
    from planner.pipelining.ims import ims as run_ims

    deadline = Deadline(time_limit)
    solution, stats = run_ims(instance, time_limit=time_limit, **options)
    stats["cycles_per_unit"] = instance.cycles_per_unit
    return Result(
        "pipelining",
        instance.name,
        "ims",
        Status.FEASIBLE if solution is not None else Status.UNKNOWN,
        objective=None
        if solution is None
        else float(encode(instance, solution.ii, solution.length or 0)),
        runtime_s=deadline.elapsed(),
        solution=solution,
        stats=stats,
        reason="" if solution is not None else stats.get("reason", "no schedule found"),
    )


def auto(
    instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Result:
    """Heuristic warm start, then the exact model with the rest of the budget.

    Loops larger than :data:`AUTO_EXACT_MAX_OPS` ops get the heuristic alone.
    """
    from planner.pipelining.exact import solve_exact

    deadline = Deadline(time_limit)
    large = instance.n > AUTO_EXACT_MAX_OPS
    if large:
        first = _ims_result(instance, time_limit=time_limit)
    else:
        first = _ims_result(
            instance,
            time_limit=min(AUTO_IMS_MAX_S, AUTO_IMS_SHARE * time_limit),
            gallop_after=0.0,
            walk_back_until=min(AUTO_IMS_REFINE_MAX_S, AUTO_IMS_REFINE_SHARE * time_limit),
        )
    candidates = [s for s in (_as_solution(hint), first.solution) if s is not None]
    warm = min(candidates, key=lambda s: (s.ii, s.length or 0)) if candidates else None
    if large or deadline.remaining() <= 0.05:
        first.method = "auto"
        first.stats["stages"] = ["ims"]
        return first
    result = solve_exact(
        instance, time_limit=deadline.remaining(), threads=threads, seed=seed, hint=warm
    )
    if result.solution is None and result.status == Status.UNKNOWN and warm is not None:
        # The exact model found nothing in the time left: the warm start still stands.
        result.status, result.solution = Status.FEASIBLE, warm
        result.objective = float(encode(instance, warm.ii, warm.length or 0))
    result.method = "auto"
    result.runtime_s = deadline.elapsed()
    result.stats["stages"] = ["ims", "exact"]
    result.stats["ims_s"] = round(first.runtime_s, 3)
    if first.solution is not None:
        result.stats["ims_ii"] = first.solution.ii
        result.stats["ims_length"] = first.solution.length
    return result


def _as_solution(hint: Any | None) -> Solution | None:
    if hint is None or isinstance(hint, Solution):
        return hint
    return Solution.from_dict(hint)


METHODS: dict[str, Method] = {
    "auto": Method(
        "auto", auto, "portfolio", "IMS warm start, then the exact model (IMS alone on large loops)"
    ),
    "exact": Method(
        "exact",
        exact,
        "exact",
        "joint CP-SAT: proves each smaller ii infeasible, then the shortest schedule",
    ),
    "ims": Method(
        "ims",
        ims,
        "heuristic",
        "Rau's iterative modulo scheduling + greedy warp groups",
        warmup=no_warmup,
    ),
}
