"""Quick starts shared by the SMTT methods and exact models: the hint, MDD, MDDC or ATC.

Also :func:`result`, which wraps an order into a :class:`~planner.core.result.Result`. The
method table (:mod:`planner.smtt.methods`) and the solver models (:mod:`planner.smtt.cpsat`,
:mod:`planner.smtt.mip`) both import this module, and it imports neither of them.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.smtt import heuristics as H
from planner.smtt import local_search as LS
from planner.smtt.decomposition import decompose
from planner.smtt.instance import Instance, Solution

#: ATC look-ahead parameters tried by the ``atc`` method.
ATC_K = (0.5, 1.0, 2.0, 3.0, 4.0)


def best_atc(
    p: np.ndarray, d: np.ndarray, w: np.ndarray, deadline: Deadline | None = None
) -> list[int]:
    """ATC with the best look-ahead parameter ``k`` of :data:`ATC_K` (those tried before
    ``deadline``; the first one is always tried, finished in EDD order if need be)."""
    orders = []
    for k in ATC_K:
        if orders and deadline is not None and deadline.expired():
            break
        orders.append(H.atc(p, d, w, k, deadline))
    return min(orders, key=lambda o: LS.objective(p, d, w, o))


def result(
    instance: Instance,
    method: str,
    order: list[int] | None,
    *,
    started: float,
    status: Status = Status.FEASIBLE,
    bound: float | None = None,
    stats: dict[str, Any] | None = None,
    reason: str = "",
) -> Result:
    """Wrap an order into a Result (``certify`` recomputes and checks everything)."""
    p, d, w = instance.arrays
    return Result(
        family="smtt",
        instance=instance.name,
        method=method,
        status=status if order is not None else Status.UNKNOWN,
        objective=None if order is None else LS.objective(p, d, w, order),
        bound=bound,
        runtime_s=time.perf_counter() - started,
        solution=None if order is None else Solution(order),
        stats=stats or {},
        reason=reason,
    )


def hint_order(instance: Instance, hint: Any | None) -> list[int] | None:
    """The hint as a valid order, or None (a bad hint is ignored, never trusted)."""
    if hint is None:
        return None
    order = getattr(hint, "order", hint)
    if isinstance(order, dict):
        order = order.get("order")
    try:
        order = [int(j) for j in order]
    except (TypeError, ValueError):
        return None
    return order if sorted(order) == list(range(instance.n)) else None


def incumbent(
    instance: Instance,
    hint: Any | None = None,
    *,
    deadline: Deadline | None = None,
    with_dec: bool = False,
) -> tuple[list[int], str]:
    """Best quick start: the hint, MDD, and MDDC (unweighted) or ATC (weighted).

    ``with_dec`` adds the decomposition heuristic for unweighted instances, the
    best start for 1||ΣTj but O(n²) or worse. Every rule stops at ``deadline``
    (MDDC at half the time left when the decomposition follows) and finishes
    its order by EDD, so large instances get their start in time; when MDD
    alone reaches the deadline, the other rules are not started.
    """
    p, d, w = instance.arrays
    starts: dict[str, list[int]] = {"mdd": H.mdd(p, d, deadline)}
    # when MDD used the whole time (a million jobs) the other rules would only set up, return
    # EDD orders and be evaluated, 1 CPU s past the deadline (s26limits)
    mdd_only = deadline is not None and deadline.expired()
    if instance.weighted and not mdd_only:
        starts["atc"] = best_atc(p, d, w, deadline)
    elif not mdd_only:
        half = None if deadline is None or not with_dec else Deadline(deadline.fraction(0.5))
        starts["mddc"] = H.mddc(p, d, half or deadline)
        if with_dec:
            starts["dec"] = decompose(p, d, deadline=deadline)
    given = hint_order(instance, hint)
    if given is not None:
        starts["hint"] = given
    name = min(starts, key=lambda k: LS.objective(p, d, w, starts[k]))
    return starts[name], name


#: Solvers' integers are 64-bit: instances whose objective could pass this are not modelled.
MAX_MODEL_VALUE = 2**60


def model_too_large(instance: Instance, clock: Deadline, per_job: float, per_pair: float) -> str:
    """Why a model of ``instance`` is not built in the time ``clock`` leaves ("" when it is)."""
    n = instance.n
    p, _d, w = instance.arrays
    worst = int(p.sum()) * int(w.max()) * n
    if worst >= MAX_MODEL_VALUE:
        return f"values up to {worst:.3g} exceed the solver's 64-bit integer range"
    build_s = per_job * n + per_pair * n * n
    if build_s > 0.5 * clock.remaining():
        return (
            f"building the model for {n} jobs (about {build_s:.2g} s) does not fit in the "
            f"{clock.remaining():.2g} s left"
        )
    return ""
