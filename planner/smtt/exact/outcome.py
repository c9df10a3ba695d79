"""What an exact SMTT algorithm returns, plus the small helpers every algorithm shares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ExactOutcome:
    """Result of an exact single-machine tardiness algorithm.

    Attributes
    ----------
    order
        Best sequence found (0-based job indices in input order), or ``None``.
    objective
        Total (weighted) tardiness of ``order``.
    bound
        Proven lower bound on the optimum.
    optimal
        True when ``order`` is proven optimal (then ``bound == objective``).
    stats
        Counters: nodes, memo hits, decompositions, ...
    """

    order: list[int] | None
    objective: int | None
    bound: int
    optimal: bool
    stats: dict[str, Any] = field(default_factory=dict)


class TimeUp(Exception):
    """Raised inside a search when its deadline has passed."""


def tardiness(
    p: Sequence[int], d: Sequence[int], order: Sequence[int], w: Sequence[int] | None = None
) -> int:
    """Total (weighted) tardiness of ``order`` (exact integer arithmetic)."""
    t = 0
    total = 0
    for j in order:
        t += p[j]
        late = t - d[j]
        if late > 0:
            total += late if w is None else w[j] * late
    return total


def sorted_pairing_bound(p: Sequence[int], d: Sequence[int], start: int = 0) -> int:
    """Lower bound ``Σ_k max(0, S_k - d_(k))`` on total tardiness.

    ``S_k`` (start plus the ``k`` smallest processing times) is a lower bound on
    the ``k``-th completion time of any sequence, and pairing sorted completion
    times with sorted due dates minimizes a sum of ``max(0, C - d)`` terms.
    """
    total = 0
    s = start
    for pk, dk in zip(sorted(p), sorted(d), strict=True):
        s += pk
        if s > dk:
            total += s - dk
    return total


def weighted_pairing_bound(p: Sequence[int], d: Sequence[int], w: Sequence[int]) -> int:
    """A cheap valid bound for ``Σ w_j T_j``: ``min(w) * sorted_pairing_bound``."""
    if not p:
        return 0
    return min(w) * sorted_pairing_bound(p, d)
