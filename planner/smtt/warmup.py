"""Load (or compile, once per installation) the family's numba kernels ahead of timed runs.

Each method declares what it needs (``Method.warmup``): the constructive rules need nothing, the
local searches the local-search kernel, ``exact`` the Branch & Memorize and Lagrangian kernels,
``mip`` / ``cpsat`` their solver library; :func:`warmup` loads everything (``planner warmup``,
``auto``). Budgets are counts, not seconds (a kick budget for the local search, an iteration
budget for the Lagrangian bound), so warming up costs only the loading (or first compilation)
of the kernels, never a time limit's worth of search.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planner.core.timing import Deadline
from planner.smtt.generate import generate


def warm_local_search() -> None:
    """Descent, focused descent, kicks and the iterate loop of the local-search kernel."""
    from planner.smtt import local_search as LS

    (unweighted,) = generate(40, 0.6, 0.2, seed=0, clip=True, prefix="warmup")
    p, d, w = unweighted.arrays
    LS.iterated_local_search(
        p, d, w, list(range(unweighted.n)), deadline=Deadline(None), max_kicks=2
    )


def warm_branch_and_memorize() -> None:
    """The unweighted exact path: the Branch & Memorize kernels (batched, and per start time for
    large times) and the local-search kernel its incumbent uses; no CP-SAT (never called)."""
    from planner.smtt.exact import solve_unweighted

    (unweighted,) = generate(40, 0.6, 0.2, seed=0, clip=True, prefix="warmup")
    p, d, _ = unweighted.arrays
    solve_unweighted(p, d, time_limit=30.0, upper_order=None)  # n = 40: milliseconds
    # the per-start-time kernel runs when times pass the batched kernel's range (p ~ 2**40):
    # it compiled inside the first such run's limit (118.8 s for -t 2 at load 9, s16audit)
    solve_unweighted(p, d, time_limit=30.0, upper_order=None, engine="memo")
    warm_local_search()


def warm_exact() -> None:
    """The Branch & Memorize kernels (batched, and per start time for large times), the
    Lagrangian path (float and integer); the weighted path's local-search kernels and CP-SAT
    too (it runs both)."""
    from planner.smtt.exact.lagrange import lagrangian_bound

    (weighted,) = generate(20, 0.6, 0.4, seed=0, clip=True, weighted=True, prefix="warmup-w")
    warm_branch_and_memorize()
    lagrangian_bound(weighted.p, weighted.d, weighted.w, upper=10**9, iterations=2)
    warm_cpsat()


def exact_path_loads(instance: Any) -> Callable[[], None] | None:
    """``Method.warmup_for`` of ``exact`` and ``auto``: an unweighted instance only reaches the
    Branch & Memorize and local-search kernels (``None``: the method's whole warm-up)."""
    return None if instance.weighted else warm_branch_and_memorize


def warm_mip() -> None:
    """PuLP and HiGHS: loading the libraries is start-up, not search time."""
    import highspy  # noqa: F401
    import pulp  # noqa: F401


def warm_cpsat() -> None:
    """OR-Tools CP-SAT: loading the library is start-up, not search time."""
    import ortools.sat.python.cp_model  # noqa: F401


def warmup() -> None:
    """Call every compiled kernel once, with the argument types production uses."""
    warm_local_search()
    warm_exact()
