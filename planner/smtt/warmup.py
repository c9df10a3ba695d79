"""Load (or compile, once per installation) the family's numba kernels ahead of timed runs."""

from __future__ import annotations

from planner.core.timing import Deadline
from planner.smtt import local_search as LS
from planner.smtt.generate import generate
from planner.smtt.methods import METHODS


def warmup() -> None:
    """Call every compiled kernel once, with the argument types production uses.

    Budgets are counts, not seconds (a kick budget for the local search, an iteration budget
    for the Lagrangian bound), so warming up costs only the loading (or first compilation) of
    the kernels, never a time limit's worth of search.
    """
    from planner.smtt.exact.lagrange import lagrangian_bound

    (unweighted,) = generate(40, 0.6, 0.2, seed=0, clip=True, prefix="warmup")
    (weighted,) = generate(20, 0.6, 0.4, seed=0, clip=True, weighted=True, prefix="warmup-w")
    p, d, w = unweighted.arrays
    # descent, focused descent, kicks and the iterate loop of the local-search kernel
    LS.iterated_local_search(
        p, d, w, list(range(unweighted.n)), deadline=Deadline(None), max_kicks=2
    )
    # the batched Branch & Memorize kernel (n = 40 is solved in milliseconds)
    METHODS["exact"].func(unweighted, time_limit=30.0, threads=1, seed=0, hint=None)
    # the Lagrangian path, float and integer multipliers
    lagrangian_bound(weighted.p, weighted.d, weighted.w, upper=10**9, iterations=2)
