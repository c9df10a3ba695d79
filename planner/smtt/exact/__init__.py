"""Dedicated exact algorithms for single-machine total (weighted) tardiness.

``solve_unweighted`` (1||ΣTj) is Branch & Memorize on Lawler's and the double
decomposition with Emmons peeling, in a numba kernel (``unweighted.py``);
``solve_weighted`` (1||ΣwjTj) is a subset DP for tiny instances, else iterated
local search, a time-indexed Lagrangian bound and CP-SAT with dominance
precedences (``weighted.py``). Both honour their time limit and return an
:class:`ExactOutcome` with the best order found and a proven lower bound.
"""

from planner.smtt.exact.outcome import ExactOutcome
from planner.smtt.exact.unweighted import solve_unweighted
from planner.smtt.exact.weighted import solve_weighted

__all__ = ["ExactOutcome", "solve_unweighted", "solve_weighted"]
