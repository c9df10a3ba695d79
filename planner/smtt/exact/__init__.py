"""Dedicated exact algorithms for single-machine total (weighted) tardiness.

``solve_unweighted`` (1||ΣTj) is Branch & Memorize on Lawler's decomposition;
``solve_weighted`` (1||ΣwjTj) combines an incumbent with an exact search and
returns the proven bound when time runs out. Both return an
:class:`ExactOutcome`.
"""

from planner.smtt.exact.outcome import ExactOutcome
from planner.smtt.exact.unweighted import solve_unweighted
from planner.smtt.exact.weighted import solve_weighted

__all__ = ["ExactOutcome", "solve_unweighted", "solve_weighted"]
